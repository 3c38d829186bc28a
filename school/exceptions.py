"""RFC 9457 problem details: the one place that turns any API error into a response body.

Domain code raises a `Problem` subclass carrying its `code` and extra members; DRF's own
exceptions and Django's 404/permission errors are mapped to the contract's codes here.
"""

import json
import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.views import defaults
from rest_framework import exceptions as drf
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

logger = logging.getLogger("school.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:school:problem:"

TITLES = {
    "validation_error": "Invalid input",
    "parse_error": "Malformed request body",
    "unknown_course": "Unknown course",
    "not_authenticated": "Authentication required",
    "permission_denied": "Permission denied",
    "not_found": "Not found",
    "method_not_allowed": "Method not allowed",
    "not_acceptable": "Not acceptable",
    "course_full": "Course full",
    "course_has_enrollments": "Course has enrollments",
    "conflict": "Conflict",
    "request_too_large": "Request body too large",
    "unsupported_media_type": "Unsupported media type",
    "throttled": "Too many requests",
    "server_error": "Server error",
}

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


class Problem(Exception):
    """A domain error with its HTTP status, stable code and extra problem members."""

    status = 400
    code = "validation_error"
    detail = "The request could not be processed."

    def __init__(self, detail=None, **members):
        self.detail = detail or self.detail
        self.members = members
        super().__init__(self.detail)


class Conflict(Problem):
    status = 409
    code = "conflict"
    detail = "The write collided with another one; retrying may succeed."


def problem_body(status, code, detail, **members):
    return {
        "type": PROBLEM_TYPE_PREFIX + code,
        "title": TITLES.get(code, code.replace("_", " ").capitalize()),
        "status": status,
        "detail": detail,
        "code": code,
        **members,
    }


def problem_response(status, code, detail, headers=None, **members):
    response = HttpResponse(
        json.dumps(problem_body(status, code, detail, **members)),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


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


def handler404(request, exception=None):
    """Unknown paths: a problem under /api/, Django's page elsewhere."""
    if is_api_path(request):
        return problem_response(404, "not_found", "No such resource.")
    return defaults.page_not_found(request, exception)


def handler500(request):
    if is_api_path(request):
        return server_error_response()
    return defaults.server_error(request)
