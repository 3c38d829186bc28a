"""Sign-in throttling, shared by every door that checks a password (`auth/token/` and the admin's
login page). Counts live in the shared cache, so every server process sees the same numbers.

Every attempt counts, right or wrong: at most `ATTEMPTS` in any `WINDOW` seconds from one client
address, and as many for one username from anywhere (so that spreading a guess over many
addresses does not help against one account).
"""

import hashlib
import json
import math
import time

from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from rest_framework.throttling import BaseThrottle

ATTEMPTS = 10
WINDOW = 60


def _take_slot(bucket: str) -> float | None:
    """Take one of `ATTEMPTS` slots of `bucket`; None if taken, else the seconds until one frees.

    Each slot is a cache `add` that expires after `WINDOW` seconds. Unlike DRF's read-modify-write
    history list, the take is atomic: in Redis `SET NX`; in the database cache an INSERT that the
    table's primary key lets only one process win. Reading the slots first removes expired ones
    (the database cache deletes them on read), so that `add` inserts rather than overwrites an
    expired row, which is not atomic there.
    """
    keys = [f"throttle:sign-in:{bucket}:{slot}" for slot in range(ATTEMPTS)]
    now = time.time()
    taken = cache.get_many(keys)
    if any(key not in taken and cache.add(key, now, timeout=WINDOW) for key in keys):
        return None
    taken_at = cache.get_many(keys).values()
    return max(1, math.ceil(min(taken_at, default=now) + WINDOW - now))


def sign_in_attempt(*, client: str, username: object) -> float | None:
    """Count one password attempt from `client` (an address) for `username` (any value: what
    the request said). None if allowed, else the seconds to wait."""
    wait = _take_slot(f"client:{client}")
    if wait is None and isinstance(username, str) and username:
        digest = hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        wait = _take_slot(f"username:{digest}")
    return wait


def client_address(request) -> str:
    """The client's address as DRF's throttles see it (`X-Forwarded-For` only as far as
    DJANGO_NUM_PROXIES trusts it)."""
    return BaseThrottle().get_ident(request)


def username_in_json_body(request) -> object:
    """The `username` of a JSON object body, or None, without disturbing how the view parses it."""
    try:
        body = json.loads(request.body)
    except (RequestDataTooBig, ValueError, RecursionError):
        return None
    return body.get("username") if isinstance(body, dict) else None


class SignInThrottle(BaseThrottle):
    """DRF's door: `auth/token/`."""

    def allow_request(self, request, view):
        self.retry_after = sign_in_attempt(
            client=self.get_ident(request), username=username_in_json_body(request._request)
        )
        return self.retry_after is None

    def wait(self):
        return self.retry_after
