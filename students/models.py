"""Students."""

from django.db import models
from django.db.models.functions import Lower


def normalize_email(email):
    """Emails are compared ignoring case and stored lower-case."""
    return email.strip().lower()


class Student(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254, help_text="Unique ignoring case; stored lower-case.")
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
