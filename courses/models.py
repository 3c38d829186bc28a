"""The course catalogue."""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Upper

CODE_MAX_LENGTH = 20
MAX_CREDITS = 60

code_validator = RegexValidator(
    r"\A[A-Za-z0-9_-]+\Z",
    message="Use only letters, digits, '-' and '_'.",
    code="invalid_code",
)


def normalize_code(code):
    """Course codes are compared ignoring case and stored upper-case."""
    return code.strip().upper()


class Course(models.Model):
    code = models.CharField(
        max_length=CODE_MAX_LENGTH,
        validators=[code_validator],
        help_text="1-20 letters, digits, '-' or '_'; unique ignoring case; stored upper-case.",
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
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
    # Kept by students.services under the course's row lock, so a page of courses reads its
    # counts instead of counting thousands of enrollments per course.
    enrolled_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Students enrolled now (read-only)."
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
                name="course_enrolled_within_capacity",
            ),
        ]

    def __str__(self):
        return f"{self.code}: {self.title}"

    def save(self, *args, **kwargs):
        self.code = normalize_code(self.code)
        super().save(*args, **kwargs)

    def clean(self):
        self.code = normalize_code(self.code)
