"""The API's own bookkeeping (no domain data): answers kept for retried requests."""

from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an `Idempotency-Key`, kept 24 hours per user and key
    (school.idempotency). `status` is null while the first request is still running."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the method, path and body.")
    status = models.PositiveSmallIntegerField(null=True)
    body = models.TextField(blank=True, default="")
    content_type = models.CharField(max_length=100, blank=True, default="")
    location = models.CharField(max_length=2000, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "idempotency record"
        verbose_name_plural = "idempotency records"
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_record_user_key")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_record_created_idx")]

    def __str__(self):
        return f"{self.user_id}: {self.key}"
