"""Students and their enrollments in courses."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from school.normalized import NormalizedEmailField

EMAIL_MAX_LENGTH = 254


def normalize_email(email: str) -> str:
    """Emails are compared ignoring case and stored lower-case. (Lower-casing can lengthen text,
    "İ" becomes two characters: the field checks its length on this stored form.)"""
    return email.strip().lower()


class Student(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = NormalizedEmailField(
        normalize=normalize_email,
        max_length=EMAIL_MAX_LENGTH,
        help_text="Unique ignoring case; stored lower-case.",
    )
    courses = models.ManyToManyField("courses.Course", through="Enrollment", related_name="students")
    # The account a student signs in with, if any: it may read this record and enroll it.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="student",
        help_text="The account this student signs in with (set by registrars).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "student"
        verbose_name_plural = "students"
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="student_email_unique_ignoring_case",
                violation_error_message="A student with this email already exists.",
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name} <{self.email}>"

    @property
    def username(self) -> str | None:
        """The linked user's username, or None (select_related `user` when reading many)."""
        return self.user.username if self.user is not None else None


class Enrollment(models.Model):
    """A student's seat in a course. Created through `students.services` (which applies the seat
    rules); removed there too, or with its student (a cascade)."""

    # No single-column indexes: the two composite indexes below lead with each column.
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="enrollments", db_index=False)
    # PROTECT: a course that still has students is not deleted by accident.
    course = models.ForeignKey(
        "courses.Course", on_delete=models.PROTECT, related_name="enrollments", db_index=False
    )
    enrolled_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "student_courses"
        ordering = ["student_id", "course_id"]
        verbose_name = "enrollment"
        verbose_name_plural = "enrollments"
        constraints = [
            # Also the index for a student's courses (student_id leads).
            models.UniqueConstraint(fields=["student", "course"], name="enrollment_unique_student_course"),
        ]
        indexes = [
            # A course's roster and its enrolled count, without touching the table.
            models.Index(fields=["course", "student"], name="enrollment_course_student_idx"),
        ]

    def __str__(self):
        return f"{self.student_id} in {self.course_id}"


class WaitlistEntry(models.Model):
    """A student waiting for a seat in a course; first come, first served (by id). Promotion to
    an enrollment is done by the database whenever a seat frees (migration 0010)."""

    id = models.BigAutoField(primary_key=True)
    # No single-column indexes: the unique constraint leads with student, the index with course.
    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="waitlist_entries", db_index=False
    )
    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="waitlist_entries", db_index=False
    )
    joined_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "waitlist_entries"
        ordering = ["course_id", "id"]
        verbose_name = "waitlist entry"
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.UniqueConstraint(
                fields=["student", "course"], name="waitlist_entry_unique_student_course"
            ),
        ]
        indexes = [models.Index(fields=["course", "id"], name="waitlist_course_order_idx")]

    def __str__(self):
        return f"{self.student_id} waiting for {self.course_id}"


class EventAction(models.TextChoices):
    ENROLLED = "enrolled"
    DROPPED = "dropped"
    WAITLISTED = "waitlisted"
    PROMOTED = "promoted"
    LEFT_WAITLIST = "left_waitlist"


class EventSource(models.TextChoices):
    API = "api"
    ADMIN = "admin"
    IMPORT = "import"
    SYSTEM = "system"


class EnrollmentEvent(models.Model):
    """One change to an enrollment (or, later, a waitlist entry), appended by the database's
    triggers in the same transaction as the change, whoever writes: the history and the change
    feed. Never updated or deleted; student and course are plain ids, so events outlive them.
    Ids are given in commit order (see migration 0007), so a feed that follows them never skips."""

    id = models.BigAutoField(primary_key=True)
    student_id = models.BigIntegerField()
    course_id = models.BigIntegerField()
    action = models.CharField(max_length=16, choices=EventAction.choices)
    at = models.DateTimeField()
    # Null, not "", for the system: the API shows it as null.
    actor = models.CharField(  # noqa: DJ001
        max_length=150, null=True, blank=True, help_text="Username; empty for the system."
    )
    source = models.CharField(max_length=8, choices=EventSource.choices)

    class Meta:
        db_table = "enrollment_events"
        ordering = ["id"]
        verbose_name = "enrollment event"
        verbose_name_plural = "enrollment events"
        default_permissions = ("view",)  # append-only: nobody adds, changes or deletes one
        indexes = [
            models.Index(fields=["student_id", "id"], name="enrollment_event_student_idx"),
            models.Index(fields=["course_id", "id"], name="enrollment_event_course_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=[choice.value for choice in EventAction]),
                name="enrollment_event_action_known",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=[choice.value for choice in EventSource]),
                name="enrollment_event_source_known",
            ),
        ]

    def __str__(self):
        return f"#{self.id} {self.action}: student {self.student_id}, course {self.course_id}"
