"""Safe retries: a POST sent with `Idempotency-Key` is answered once; a repeat gets that answer.

The first request with a key claims it (a row of `IdempotencyRecord`, unique per user and key,
committed before the request runs, so every server process sees the claim). Its answer, when
below 500, is kept with the claim for 24 hours. A repeat with the same key and the same method,
path and body answers the kept status and body with `Idempotent-Replayed: true`, running
nothing; with a different request, 422 `idempotency_key_reused`; while the first is still
running, 409 `idempotency_key_in_use`. A 5xx answer (or a crash) releases the claim, so a retry
runs again; a claim whose request died without releasing it (a killed worker) is taken over
after `ABANDONED_AFTER`. `manage.py purge_idempotency_keys` deletes kept answers past 24 hours;
a repeat after that runs as new.

What stays possible: a worker killed between its write's commit and keeping the answer leaves a
claim that is taken over a minute later, and the retry runs again. Every POST of this API is
safe to run twice (enrolling again changes nothing, a second create of the same code or email
is refused), so the retry's answer may differ (200 for 201, 400 for a taken code) but nothing is
duplicated.
"""

import hashlib
import logging
import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from school.models import IdempotencyRecord
from school.problems import IdempotencyKeyInUse, IdempotencyKeyReused

logger = logging.getLogger(__name__)

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = re.compile(r"[\x20-\x7e]{1,255}")  # printable ASCII
KEEP_FOR = timedelta(hours=24)
# Longer than any request may run (gunicorn's timeout is 30 s): a claim this old is abandoned.
ABANDONED_AFTER = timedelta(seconds=60)

KEY_PARAMETER = OpenApiParameter(
    KEY_HEADER,
    str,
    OpenApiParameter.HEADER,
    description="1-255 printable ASCII characters, unique per request you mean: a retry with the same "
    "key, method, path and body answers the first answer again (with `Idempotent-Replayed: true`) "
    "and changes nothing, for 24 hours.",
)
REPLAYED_PARAMETER = OpenApiParameter(
    REPLAYED_HEADER,
    str,
    OpenApiParameter.HEADER,
    response=True,
    description="`true` when this is the kept answer to an earlier request with the same `Idempotency-Key`.",
)


class Replay(Exception):
    """Raised before the handler runs: answer the kept response instead."""

    def __init__(self, record: IdempotencyRecord) -> None:
        self.record = record


def fingerprint(request) -> str:
    """What makes two requests the same: method, path with query, and body bytes."""
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), request.body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def claim(*, user, key: str, request_fingerprint: str) -> IdempotencyRecord:
    """Claim `key` for this request; raises Replay, IdempotencyKeyReused or IdempotencyKeyInUse
    when another request has it."""
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    user=user, key=key, fingerprint=request_fingerprint, created_at=now
                )
        except IntegrityError:
            pass  # claimed before: look at it (locked, so a takeover happens once)
        record = IdempotencyRecord.objects.select_for_update().get(user=user, key=key)
        expired = record.created_at <= now - KEEP_FOR
        abandoned = record.status is None and record.created_at <= now - ABANDONED_AFTER
        if expired or abandoned:
            record.fingerprint, record.status, record.created_at = request_fingerprint, None, now
            record.body, record.content_type, record.location = "", "", ""
            record.save()
            return record
    if record.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused()
    if record.status is None:
        raise IdempotencyKeyInUse()
    raise Replay(record)


def keep(record: IdempotencyRecord, response) -> None:
    """Keep the answer to the claimed request (below 500), or release the claim (5xx)."""
    try:
        if response.status_code >= 500:
            release(record)
            return
        if hasattr(response, "render"):
            response.render()
        record.status = response.status_code
        record.body = response.content.decode("utf-8")
        record.content_type = response.get("Content-Type", "")
        record.location = response.get("Location", "")
        record.save(update_fields=["status", "body", "content_type", "location"])
    except Exception:  # the answer still goes out; the claim is taken over when abandoned
        logger.exception("could not keep the answer for an idempotency key")


def release(record: IdempotencyRecord) -> None:
    try:
        IdempotencyRecord.objects.filter(pk=record.pk, status=None).delete()
    except Exception:
        logger.exception("could not release an idempotency key")


def replayed(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(record.body, status=record.status, content_type=record.content_type or None)
    response[REPLAYED_HEADER] = "true"
    if record.location:
        response["Location"] = record.location
    return response


def purge(*, now=None) -> int:
    """Delete the answers kept longer than 24 hours (and claims abandoned as long); the count."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lte=cutoff).delete()
    return deleted


class IdempotentPostMixin:
    """For an API view whose POST may be retried: `Idempotency-Key` as this module says.

    Claimed after authentication and permissions (so the key space is per user, and a refused
    request claims nothing), kept when the response is finalized."""

    _idempotency_record: IdempotencyRecord | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.headers.get(KEY_HEADER)
        if request.method != "POST" or key is None:
            return
        if not KEY_PATTERN.fullmatch(key):
            raise ValidationError(
                {KEY_HEADER: ["An Idempotency-Key is 1 to 255 printable ASCII characters."]}, code="invalid"
            )
        self._idempotency_record = claim(
            user=request.user, key=key, request_fingerprint=self.idempotency_fingerprint(request)
        )

    def idempotency_fingerprint(self, request) -> str:
        """What makes two requests the same here (a view whose body is an upload hashes the file)."""
        return fingerprint(request._request)

    def handle_exception(self, exc):
        if isinstance(exc, Replay):
            return replayed(exc.record)
        try:
            return super().handle_exception(exc)
        except Exception:
            if self._idempotency_record is not None:
                release(self._idempotency_record)
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self._idempotency_record is not None:
            keep(self._idempotency_record, response)
            self._idempotency_record = None
        return response
