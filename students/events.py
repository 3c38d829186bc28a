"""Who changed an enrollment, and through which door, for the events the database appends.

The triggers of migration 0008 write an event for every change to `student_courses`; they read
the actor and source from the transaction (PostgreSQL settings `school.actor`/`school.source`,
local to the transaction, so they are safe behind PgBouncer's transaction pooling) or from the
one-row table `enrollment_event_context` (SQLite, one writer at a time). Services call
`recording_events()` inside their transaction; the request middleware and the commands say who
is writing. A writer that says nothing (a shell, raw SQL) is recorded as source `system`, actor
null.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connection

from students.models import EventSource

# (actor username or None, source) said by writing_as(), for what runs now in this thread or task.
_writer: ContextVar[tuple[str | None, str] | None] = ContextVar("enrollment_event_writer", default=None)
# (request, source) of the request being served, set by EventWriterMiddleware.
_request_writer: ContextVar[tuple[Any, str] | None] = ContextVar("enrollment_event_request", default=None)


def current_writer() -> tuple[str | None, str]:
    """Who is writing now: as writing_as() said, else the request's signed-in user and door,
    else the system."""
    said = _writer.get()
    if said is not None:
        return said
    serving = _request_writer.get()
    if serving is not None:
        request, source = serving
        user = getattr(request, "user", None)
        actor = user.get_username() if user is not None and user.is_authenticated else None
        return actor, source
    return None, EventSource.SYSTEM


@contextmanager
def writing_as(actor: str | None, source: str) -> Iterator[None]:
    """Record the changes made inside as `actor` (a username, or None) through `source`."""
    token = _writer.set((actor, source))
    try:
        yield
    finally:
        _writer.reset(token)


@contextmanager
def recording_events() -> Iterator[None]:
    """Inside a transaction: the events of the changes made inside carry the current writer."""
    actor, source = current_writer()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT set_config('school.actor', %s, true), set_config('school.source', %s, true)",
                [actor or "", str(source)],
            )
            yield
        else:
            cursor.execute(
                "UPDATE enrollment_event_context SET actor = %s, source = %s WHERE id = 1",
                [actor, str(source)],
            )
            yield
            # Cleared before commit, so that a later writer who says nothing is not taken for us
            # (an error rolls the whole transaction back, this row included).
            cursor.execute("UPDATE enrollment_event_context SET actor = NULL, source = NULL WHERE id = 1")


class EventWriterMiddleware:
    """Requests record their changes as the signed-in user, through the API or the admin.

    The user is read when a change is recorded, after DRF's token authentication has set it
    on the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = (
            EventSource.API
            if request.path.startswith("/api/")
            else EventSource.ADMIN
            if request.path.startswith("/admin/")
            else EventSource.SYSTEM
        )
        token = _request_writer.set((request, source))
        try:
            return self.get_response(request)
        finally:
            _request_writer.reset(token)
