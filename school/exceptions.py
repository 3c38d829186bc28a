"""The one exception handler: any error under /api/ becomes an RFC 9457 problem response.

Which exception answers what is the table in `school.problems`; this module only looks the
error up there (Django's own 404 and permission errors first become DRF's) and renders it, and
answers the requests Django refuses before any view runs.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError
from django.http import Http404
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions as drf

from school.availability import RETRY_AFTER, unavailable
from school.problems import (
    Conflict,
    RequestTooLarge,
    ServiceUnavailable,
    error_response,
    problem_response,
    problem_type_for,
)

logger = logging.getLogger("school.api")


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every exception raised in an API view becomes a problem.

    There is no request-wide transaction to roll back (no ATOMIC_REQUESTS): each service is its
    own transaction (`@transaction.atomic`), so an error leaves nothing half written."""
    if isinstance(exc, RequestDataTooBig):
        # DRF reads a JSON body through Django's `request.body`, which refuses a Content-Length
        # over DATA_UPLOAD_MAX_MEMORY_SIZE before the parser sees a byte.
        exc = RequestTooLarge(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    elif isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    elif unavailable(exc):
        logger.error("database or cache unavailable: %s", exc)
        exc = ServiceUnavailable()
    elif isinstance(exc, IntegrityError):
        # A unique index refused a row that validation had just let through: a race. (A check
        # the services make themselves reaches here as their domain error, not as this.)
        logger.info("write conflict: %s", exc)
        exc = Conflict()
    problem = problem_type_for(exc)
    if problem is None:
        return server_error_response(exc)
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, ServiceUnavailable):
        headers["Retry-After"] = str(RETRY_AFTER)
    return error_response(exc, problem, headers)


def server_error_response(exc=None):
    """A 500 that tells the client nothing internal; the traceback goes to the server log."""
    if exc is not None:
        logger.error("unhandled exception in API view", exc_info=exc)
    return problem_response("server_error", "The server failed to answer this request; it has been logged.")


def is_api_path(request):
    return request.path.startswith("/api/")


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Every path under /api/ that nothing else matched, whatever the method and debug setting.

    Also stops Django from redirecting to an added trailing slash, which would drop a POST's body.
    """
    return problem_response("not_found", "No such resource.")


def handler404(request, exception=None):
    """Unknown paths: a problem under /api/, Django's page elsewhere."""
    if is_api_path(request):
        return problem_response("not_found", "No such resource.")
    return defaults.page_not_found(request, exception)


def handler400(request, exception=None):
    """Requests Django refuses before any view runs (a bad Host header, say)."""
    if is_api_path(request):
        detail = "The request is malformed."
        errors = [{"field": None, "code": "bad_request", "detail": detail}]
        return problem_response("validation_error", detail, errors=errors)
    return defaults.bad_request(request, exception)


def handler403(request, exception=None):
    if is_api_path(request):
        return problem_response("permission_denied", "You do not have permission to do this.")
    return defaults.permission_denied(request, exception)


def handler500(request):
    if is_api_path(request):
        return server_error_response()
    return defaults.server_error(request)
