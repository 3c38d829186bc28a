"""Throttles. Counts live in the shared cache, so every server process sees the same numbers."""

import math
import time

from django.core.cache import cache
from rest_framework.throttling import BaseThrottle


class SignInThrottle(BaseThrottle):
    """At most `attempts` requests in any `window` seconds from one client address.

    Each allowed request takes one of `attempts` slots with a cache `add` that expires after
    `window` seconds; when no slot is free the request is refused. Unlike DRF's read-modify-write
    history list, the take is atomic: in Redis `SET NX`; in the database cache an INSERT that the
    table's primary key lets only one process win. Reading the slots first removes expired ones
    (the database cache deletes them on read), so that `add` inserts rather than overwrites an
    expired row, which is not atomic there.
    """

    attempts = 10
    window = 60

    def allow_request(self, request, view):
        keys = [f"throttle:auth-token:{self.get_ident(request)}:{slot}" for slot in range(self.attempts)]
        now = time.time()
        taken = cache.get_many(keys)
        if any(key not in taken and cache.add(key, now, timeout=self.window) for key in keys):
            return True
        taken_at = cache.get_many(keys).values()
        self.retry_after = max(1, math.ceil(min(taken_at, default=now) + self.window - now))
        return False

    def wait(self):
        return self.retry_after
