"""Students and their enrollments in courses."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

EMAIL_MAX_LENGTH = 254


def normalize_email(email):
    """Emails are compared ignoring case and stored lower-case."""
    return email.strip().lower()


def email_length_check(email):
    # Lower-casing can lengthen text ("İ" becomes two characters): check the stored form.
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            f"Ensure this field has no more than {EMAIL_MAX_LENGTH} characters.", code="max_length"
        )


class Student(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(
        max_length=EMAIL_MAX_LENGTH, help_text="Unique ignoring case; stored lower-case."
    )
    courses = models.ManyToManyField("courses.Course", through="Enrollment", related_name="students")
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

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    def clean(self):
        self.email = normalize_email(self.email)
        try:
            email_length_check(self.email)
        except ValidationError as error:
            raise ValidationError({"email": error}) from None


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
