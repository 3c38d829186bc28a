"""The course catalogue."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils.functional import cached_property

from school.normalized import NormalizedCharField

CODE_MAX_LENGTH = 20
MAX_CREDITS = 60
# Free text is bounded where it enters (the API and the admin form), so that no request costs
# more than its size deserves; the column itself is unbounded text.
DESCRIPTION_MAX_LENGTH = 10_000
# The database's check that no course has more students than seats.
ENROLLED_WITHIN_CAPACITY = "course_enrolled_within_capacity"
WAITLIST_WITHIN_CAPACITY = "course_waitlist_within_capacity"
# No free seat while someone waits: kept by promotion in database triggers (students/0010),
# checked at commit on PostgreSQL by a constraint trigger of this name.
NO_FREE_SEAT_WHILE_WAITING = "course_no_free_seat_while_waiting"

code_validator = RegexValidator(
    r"\A[A-Za-z0-9_-]+\Z",
    message="Use only letters, digits, '-' and '_'.",
    code="invalid_code",
)


def normalize_code(code: str) -> str:
    """Course codes are compared ignoring case and stored upper-case."""
    return code.strip().upper()


class Course(models.Model):
    code = NormalizedCharField(
        normalize=normalize_code,
        max_length=CODE_MAX_LENGTH,
        validators=[code_validator],
        help_text="1-20 letters, digits, '-' or '_'; unique ignoring case; stored upper-case.",
    )
    title = models.CharField(max_length=200)
    description = models.TextField(
        blank=True, default="", help_text=f"At most {DESCRIPTION_MAX_LENGTH:,} characters."
    )
    credits = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(MAX_CREDITS)]
    )
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=None,
        validators=[MinValueValidator(1)],
        help_text="Seats in the course; empty for unlimited.",
    )
    # Kept by database triggers on the enrollments table (whoever writes it), so a page of
    # courses reads its counts instead of counting thousands of enrollments per course. The
    # database refuses any other value, and save() never writes it.
    enrolled_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Students enrolled now (read-only)."
    )
    waitlist_capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=0,
        help_text="Students who may wait for a seat: 0 for no waitlist, empty for unlimited.",
    )
    # Kept by database triggers on the waitlist table, like enrolled_count.
    waitlist_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Students waiting now (read-only)."
    )
    enrollment_opens_at = models.DateTimeField(
        null=True, blank=True, help_text="Students may enroll, drop and wait from then on; empty: no start."
    )
    enrollment_closes_at = models.DateTimeField(
        null=True, blank=True, help_text="...and until then; empty: no end."
    )
    # Teachers of the course: they may read its roster.
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="taught_courses", help_text="Who teaches it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "course"
        verbose_name_plural = "courses"
        constraints = [
            models.UniqueConstraint(
                Upper("code"),
                name="course_code_unique_ignoring_case",
                violation_error_message="A course with this code already exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(credits__gte=0, credits__lte=MAX_CREDITS),
                name="course_credits_range",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(capacity__gte=1),
                name="course_capacity_positive_or_unlimited",
            ),
            # The last line of defence for seat limits: the database refuses an over-full course.
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True)
                | models.Q(enrolled_count__lte=models.F("capacity")),
                name=ENROLLED_WITHIN_CAPACITY,
            ),
            models.CheckConstraint(
                condition=models.Q(waitlist_capacity__isnull=True)
                | models.Q(waitlist_count__lte=models.F("waitlist_capacity")),
                name=WAITLIST_WITHIN_CAPACITY,
            ),
            models.CheckConstraint(
                condition=models.Q(enrollment_opens_at__isnull=True)
                | models.Q(enrollment_closes_at__isnull=True)
                | models.Q(enrollment_opens_at__lt=models.F("enrollment_closes_at")),
                name="course_window_opens_before_it_closes",
            ),
        ]

    def __str__(self):
        return f"{self.code}: {self.title}"

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None:
            # An instance's count may be stale by now; the database holds the real one.
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in ("enrolled_count", "waitlist_count")
            ]
        super().save(*args, **kwargs)

    @cached_property
    def instructor_usernames(self) -> list[str]:
        """The instructors' usernames, sorted (a page of courses: selectors.with_instructor_usernames)."""
        return sorted(user.username for user in self.instructors.all())
