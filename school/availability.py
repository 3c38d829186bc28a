"""A database or cache that is down or hangs is an honest 503 in seconds, never a 500 or a hang.

- Connecting gives up after `DB_CONNECT_TIMEOUT` (libpq's `connect_timeout`), and PostgreSQL
  itself cancels a statement after `DB_STATEMENT_TIMEOUT` (settings).
- A server that does not answer at all (frozen, or the network silently cut) cancels nothing:
  every query also runs under a deadline of its own, a timer signal `DB_CLIENT_GRACE` after the
  statement timeout, which stops the wait and closes the connection (the next request opens a
  fresh one, so service comes back by itself). Signals reach only the main thread, which is
  where gunicorn's sync workers serve requests; other threads rely on the server's timeout.
- `unavailable(error)` says whether an exception means the database or the cache could not
  answer; the API's exception handler and `ServiceUnavailableMiddleware` (every other page)
  answer those with 503 and `Retry-After`.
"""

import logging
import signal
import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpResponse

logger = logging.getLogger(__name__)

RETRY_AFTER = 5  # seconds: about what a restart or fail-over takes


class QueryDeadline(OperationalError):
    """The database did not answer a query within its deadline."""


def _expired(signum, frame):
    raise QueryDeadline("The database did not answer in time.")


_deadline = threading.local()


@contextmanager
def query_deadline(seconds):
    """Run the queries in this block with `seconds` as their deadline instead of the default."""
    previous = getattr(_deadline, "seconds", None)
    _deadline.seconds = seconds
    try:
        yield
    finally:
        _deadline.seconds = previous


def run_with_deadline(execute, sql, params, many, context):
    """A Django execute wrapper: the query, stopped by a timer signal if the server is silent."""
    if threading.current_thread() is not threading.main_thread() or getattr(_deadline, "armed", False):
        return execute(sql, params, many, context)
    seconds = getattr(_deadline, "seconds", None) or settings.DB_STATEMENT_TIMEOUT + settings.DB_CLIENT_GRACE
    if signal.getsignal(signal.SIGALRM) is not _expired:
        signal.signal(signal.SIGALRM, _expired)
    _deadline.armed = True
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return execute(sql, params, many, context)
    except QueryDeadline:
        logger.error("the database did not answer within %.1f s; closing the connection", seconds)
        context["connection"].close()
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _deadline.armed = False


@receiver(connection_created, dispatch_uid="school.availability.deadline")
def add_deadline(sender, connection, **kwargs):
    if connection.vendor == "postgresql" and run_with_deadline not in connection.execute_wrappers:
        connection.execute_wrappers.append(run_with_deadline)


def _cache_errors():
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is a runtime dependency
        return ()
    return (RedisConnectionError, RedisTimeoutError)


CACHE_ERRORS = _cache_errors()


def unavailable(error):
    """Does `error` mean the database or the cache could not answer (down, refusing, timed out)?"""
    if isinstance(error, IntegrityError):
        return False
    return isinstance(error, (OperationalError, InterfaceError, *CACHE_ERRORS))


class ServiceUnavailableMiddleware:
    """Pages outside the API (the admin, say): a database or cache fault is a plain 503 with
    Retry-After rather than a 500. (API views answer problem JSON from the exception handler.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not unavailable(exception):
            return None
        logger.error("database or cache unavailable: %s", exception)
        if request.path.startswith("/api/"):
            from school.problems import ServiceUnavailable, error_response, problem_type_for

            error = ServiceUnavailable()
            return error_response(error, problem_type_for(error), {"Retry-After": str(RETRY_AFTER)})
        response = HttpResponse(
            "The service is unavailable for a moment; try again shortly.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(RETRY_AFTER)
        return response
