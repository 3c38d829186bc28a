"""RFC 9457 problem details: domain errors carry their code; this module renders them.

Domain code raises a `Problem` subclass (its status, stable `code` and extra members); the
one exception handler in `school.exceptions` turns it, and every other API error, into a body.
"""

import json

from django.http import HttpResponse

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


class RequestTooLarge(Problem):
    status = 413
    code = "request_too_large"

    def __init__(self, *, limit):
        super().__init__(f"The request body is larger than the {limit:,} bytes the API accepts.")


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
