"""The one exception handler: any error under /api/ becomes an RFC 9457 problem response.

`Problem` subclasses (domain errors) carry their own code; DRF's exceptions and Django's
404/permission errors are mapped to the contract's codes here.
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
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from school.problems import Conflict, Problem, RequestTooLarge, problem_response

logger = logging.getLogger("school.api")

# DRF exception class -> contract code. Subclasses match through isinstance, in this order.
DRF_CODES = [
    (drf.ValidationError, "validation_error"),
    (drf.ParseError, "parse_error"),
    (drf.NotAuthenticated, "not_authenticated"),
    (drf.AuthenticationFailed, "not_authenticated"),
    (drf.PermissionDenied, "permission_denied"),
    (drf.NotFound, "not_found"),
    (drf.MethodNotAllowed, "method_not_allowed"),
    (drf.NotAcceptable, "not_acceptable"),
    (drf.UnsupportedMediaType, "unsupported_media_type"),
    (drf.Throttled, "throttled"),
]


def flatten_errors(detail, field=None):
    """DRF's nested error detail as a flat list of {"field", "code", "detail"}, one per problem."""
    if isinstance(detail, dict):
        errors = []
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "__all__") else str(key)
            errors += flatten_errors(value, f"{field}.{name}" if field and name else (name or field))
        return errors
    if isinstance(detail, list):
        errors = []
        for value in detail:
            errors += flatten_errors(value, field)
        return errors
    return [{"field": field, "code": getattr(detail, "code", "invalid"), "detail": str(detail)}]


def validation_detail(errors):
    first = errors[0]
    sentence = f"{first['field']}: {first['detail']}" if first["field"] else first["detail"]
    if len(errors) > 1:
        sentence += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return sentence


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every exception raised in an API view becomes a problem."""
    if isinstance(exc, RequestDataTooBig):
        # DRF (3.17.2 on) reads a JSON body through Django's `request.body`, which refuses a
        # Content-Length over DATA_UPLOAD_MAX_MEMORY_SIZE before the parser sees a byte.
        exc = RequestTooLarge(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if isinstance(exc, Problem):
        set_rollback()
        return problem_response(exc.status, exc.code, exc.detail, **exc.members)
    if isinstance(exc, IntegrityError):
        # A unique index refused a row that validation had just let through: a race.
        set_rollback()
        logger.info("write conflict: %s", exc)
        return problem_response(409, Conflict.code, Conflict.detail)
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return server_error_response(exc)
    code = next((code for cls, code in DRF_CODES if isinstance(exc, cls)), "server_error")
    headers = {
        name: response[name] for name in ("WWW-Authenticate", "Retry-After") if response.has_header(name)
    }
    if code == "validation_error":
        errors = flatten_errors(exc.detail)
        return problem_response(response.status_code, code, validation_detail(errors), headers, errors=errors)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return problem_response(response.status_code, code, detail, headers)


def server_error_response(exc=None):
    """A 500 that tells the client nothing internal; the traceback goes to the server log."""
    if exc is not None:
        logger.error("unhandled exception in API view", exc_info=exc)
    return problem_response(
        500, "server_error", "The server failed to answer this request; it has been logged."
    )


def is_api_path(request):
    return request.path.startswith("/api/")


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Every path under /api/ that nothing else matched, whatever the method and debug setting.

    Also stops Django from redirecting to an added trailing slash, which would drop a POST's body.
    """
    return problem_response(404, "not_found", "No such resource.")


def handler404(request, exception=None):
    """Unknown paths: a problem under /api/, Django's page elsewhere."""
    if is_api_path(request):
        return problem_response(404, "not_found", "No such resource.")
    return defaults.page_not_found(request, exception)


def handler400(request, exception=None):
    """Requests Django refuses before any view runs (a bad Host header, say)."""
    if is_api_path(request):
        detail = "The request is malformed."
        errors = [{"field": None, "code": "bad_request", "detail": detail}]
        return problem_response(400, "validation_error", detail, errors=errors)
    return defaults.bad_request(request, exception)


def handler403(request, exception=None):
    if is_api_path(request):
        return problem_response(403, "permission_denied", "You do not have permission to do this.")
    return defaults.permission_denied(request, exception)


def handler500(request):
    if is_api_path(request):
        return server_error_response()
    return defaults.server_error(request)
