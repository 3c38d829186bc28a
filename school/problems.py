"""RFC 9457 problem details: the one table from errors to answers, and how a problem is rendered.

Every error the API can answer is a row of `PROBLEM_TYPES`: its status, stable `code`, title, when
it happens, the exceptions (domain errors from the services, DRF's own) that raise it, and the
extra members it carries. The exception handler (`school.exceptions`) renders from this table,
the OpenAPI document (`school.schema`) describes responses from it, and a test holds the error
table of docs/api.md to it.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from rest_framework import exceptions as drf

from courses.exceptions import CapacityBelowEnrollment, CourseHasEnrollments, WaitlistCapacityBelowWaiting
from school.authentication import TokenExpired
from students.exceptions import (
    AlreadyEnrolled,
    CoursesFull,
    EnrollmentClosed,
    ImportInvalid,
    ImportTooLarge,
    NotEnrolled,
    NotWaiting,
    StudentNotFound,
    UnknownCourses,
    UnknownStudents,
    WaitlistFull,
)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:school:problem:"


class RequestTooLarge(drf.APIException):
    status_code = 413
    default_code = "request_too_large"

    def __init__(self, *, limit: int) -> None:
        super().__init__(f"The request body is larger than the {limit:,} bytes the API accepts.")


class Conflict(drf.APIException):
    """A write refused by a unique index that validation had just let through: a race."""

    status_code = 409
    default_code = "conflict"
    default_detail = "The write collided with another one; retrying may succeed."


class PreconditionFailed(drf.APIException):
    """`If-Match` names a version of the object that is no longer its current one."""

    status_code = 412
    default_code = "precondition_failed"
    default_detail = (
        "The object changed since you read it (If-Match no longer matches); nothing was written. "
        "Read it again, then retry."
    )


class IdempotencyKeyInUse(drf.APIException):
    status_code = 409
    default_code = "idempotency_key_in_use"
    default_detail = (
        "A request with this Idempotency-Key is still being answered; retry in a moment to get its answer."
    )


class IdempotencyKeyReused(drf.APIException):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = (
        "This Idempotency-Key was used for a different request (method, path or body); use a new key."
    )


class ServiceUnavailable(drf.APIException):
    """The database or the cache is down, refused, or did not answer in time."""

    status_code = 503
    default_code = "service_unavailable"
    default_detail = (
        "The service is unavailable for a moment (its database did not answer); try again shortly."
    )


@dataclass(frozen=True)
class ProblemType:
    status: int
    code: str
    title: str
    when: str  # for people: the docs' error table and the OpenAPI response descriptions
    raised_by: tuple[type[Exception], ...] = ()
    # Extra members of the body, from the exception; `errors` makes it a validation problem.
    members: Callable[[Any], dict[str, Any]] = field(default=lambda error: {})
    member_docs: tuple[str, ...] = ()  # the names `members` adds, for the OpenAPI document


# A body can hold a hundred bad items; the answer names the first of them and counts the rest.
MAX_LISTED_ERRORS = 20


def listed(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The `errors` member: at most MAX_LISTED_ERRORS entries, the last of them saying how many
    more were found when there are more."""
    if len(errors) <= MAX_LISTED_ERRORS:
        return errors
    rest = len(errors) - MAX_LISTED_ERRORS + 1
    summary = {"field": None, "code": "more_errors", "detail": f"{rest} more problems are not listed."}
    return [*errors[: MAX_LISTED_ERRORS - 1], summary]


def field_error(name: str, reason: str) -> Callable[[Any], dict[str, Any]]:
    """Members of a domain error about one field, as a validation problem names it."""
    return lambda error: {"errors": [{"field": name, "code": reason, "detail": error.message}]}


PROBLEM_TYPES = [
    ProblemType(
        400,
        "validation_error",
        "Invalid input",
        "a bad field or query parameter, a duplicate `code`/`email`, wrong credentials, "
        "a capacity below the enrollment (or a waitlist capacity below those waiting), a window that "
        "closes before it opens",
        (drf.ValidationError, CapacityBelowEnrollment, WaitlistCapacityBelowWaiting),
        members=lambda error: (
            field_error("capacity", "below_enrollment")(error)
            if isinstance(error, CapacityBelowEnrollment)
            else field_error("waitlist_capacity", "below_waiting")(error)
            if isinstance(error, WaitlistCapacityBelowWaiting)
            else {"errors": flatten_errors(error.detail)}
        ),
        member_docs=("errors",),
    ),
    ProblemType(
        400,
        "parse_error",
        "Malformed request body",
        "the body is not valid JSON (or not UTF-8, or nested absurdly deep)",
        (drf.ParseError,),
    ),
    ProblemType(
        400,
        "unknown_course",
        "Unknown course",
        "enrolling in ids that are not courses; `invalid_course_ids` lists them",
        (UnknownCourses,),
        members=lambda error: {"invalid_course_ids": error.course_ids},
        member_docs=("invalid_course_ids",),
    ),
    ProblemType(
        400,
        "unknown_student",
        "Unknown student",
        "enrolling ids that are not students in a course (bulk roster); `invalid_student_ids` lists them",
        (UnknownStudents,),
        members=lambda error: {"invalid_student_ids": error.student_ids},
        member_docs=("invalid_student_ids",),
    ),
    ProblemType(
        400,
        "import_invalid",
        "Import invalid",
        "a CSV import with wrong rows, or a file that is not UTF-8 CSV with the kind's header; `errors` "
        "lists each problem with its `row` (line of the file), `field` and `code`; nothing was written",
        (ImportInvalid,),
        members=lambda error: {"errors": error.listed()},
        member_docs=("errors",),
    ),
    ProblemType(
        401,
        "token_expired",
        "Token expired",
        "the token is older than the operator's token lifetime; sign in again for a fresh one",
        (TokenExpired,),
    ),
    ProblemType(
        401,
        "not_authenticated",
        "Authentication required",
        "no token, a wrong token, or an inactive user; `WWW-Authenticate: Token`",
        (drf.NotAuthenticated, drf.AuthenticationFailed),
    ),
    ProblemType(
        403,
        "permission_denied",
        "Permission denied",
        "signed in, but not allowed: a write without its model permission, student data without "
        "`students.view_student`, a roster or the feed for a student",
        (drf.PermissionDenied,),
    ),
    ProblemType(
        404,
        "not_found",
        "Not found",
        "no such object or path, a page past the end, unenrolling where not enrolled, leaving a "
        "waitlist one is not on",
        (drf.NotFound, StudentNotFound, NotEnrolled, NotWaiting),
    ),
    ProblemType(
        405,
        "method_not_allowed",
        "Method not allowed",
        "a method the path does not have; `Allow` lists those it has",
        (drf.MethodNotAllowed,),
    ),
    ProblemType(
        406,
        "not_acceptable",
        "Not acceptable",
        "`Accept` names only types the API cannot give",
        (drf.NotAcceptable,),
    ),
    ProblemType(
        409,
        "course_full",
        "Course full",
        "enrolling beyond capacity; `full_course_ids` lists the courses without a seat for this "
        "request (a bulk roster also says `seats_left`)",
        (CoursesFull,),
        members=lambda error: (
            {"full_course_ids": error.course_ids}
            | ({"waitlist_available": True} if error.waitlist_available else {})
            | ({"seats_left": sum(error.seats_left.values())} if error.seats_left else {})
        ),
        member_docs=("full_course_ids", "waitlist_available", "seats_left"),
    ),
    ProblemType(
        409,
        "already_enrolled",
        "Already enrolled",
        "joining the waitlist of a course the student is enrolled in",
        (AlreadyEnrolled,),
    ),
    ProblemType(
        409,
        "waitlist_full",
        "Waitlist full",
        "joining a full course whose waitlist is full (or that has none)",
        (WaitlistFull,),
    ),
    ProblemType(
        409,
        "enrollment_closed",
        "Enrollment closed",
        "a student enrolling, dropping or joining outside the course's window; "
        "`enrollment_opens_at`, `enrollment_closes_at` say when it is open",
        (EnrollmentClosed,),
        members=lambda error: {
            "enrollment_opens_at": error.opens_at and error.opens_at.isoformat().replace("+00:00", "Z"),
            "enrollment_closes_at": error.closes_at and error.closes_at.isoformat().replace("+00:00", "Z"),
        },
        member_docs=("enrollment_opens_at", "enrollment_closes_at"),
    ),
    ProblemType(
        409,
        "course_has_enrollments",
        "Course has enrollments",
        "deleting a course that has students",
        (CourseHasEnrollments,),
    ),
    ProblemType(
        409,
        "conflict",
        "Conflict",
        "another write took the same unique value at the same moment; retrying may succeed",
        (Conflict,),
    ),
    ProblemType(
        409,
        "idempotency_key_in_use",
        "Idempotency key in use",
        "a request with the same `Idempotency-Key` is still running; retry shortly for its answer",
        (IdempotencyKeyInUse,),
    ),
    ProblemType(
        412,
        "precondition_failed",
        "Precondition failed",
        "`If-Match` no longer matches the object's `ETag` (someone changed it); nothing was written",
        (PreconditionFailed,),
    ),
    ProblemType(
        413,
        "request_too_large",
        "Request body too large",
        "a body over 2.5 MB (a CSV import's file: over 20 MB)",
        (RequestTooLarge, ImportTooLarge),
    ),
    ProblemType(
        415,
        "unsupported_media_type",
        "Unsupported media type",
        "a body that is not `application/json`",
        (drf.UnsupportedMediaType,),
    ),
    ProblemType(
        422,
        "idempotency_key_reused",
        "Idempotency key reused",
        "an `Idempotency-Key` already used for a different method, path or body",
        (IdempotencyKeyReused,),
    ),
    ProblemType(
        429,
        "throttled",
        "Too many requests",
        "too many requests; wait `Retry-After` seconds",
        (drf.Throttled,),
    ),
    ProblemType(
        503,
        "service_unavailable",
        "Service unavailable",
        "the database or cache is down or did not answer in time; wait `Retry-After` seconds",
        (ServiceUnavailable,),
    ),
    ProblemType(
        500,
        "server_error",
        "Server error",
        "a bug on our side; it is logged with its traceback, none of which is in the body",
    ),
]
BY_CODE = {problem.code: problem for problem in PROBLEM_TYPES}


def problem_type_for(error: Exception) -> ProblemType | None:
    """The row whose exceptions `error` is one of; None for an error the table does not know."""
    return next((p for p in PROBLEM_TYPES if isinstance(error, p.raised_by)), None)


def flatten_errors(detail: Any, field: str | None = None) -> list[dict[str, Any]]:
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


def validation_detail(errors: list[dict[str, Any]]) -> str:
    """One sentence for a person: the first problem, and how many more there are."""
    first = errors[0]
    sentence = f"{first['field']}: {first['detail']}" if first["field"] else first["detail"]
    more = len(errors) - 1
    if more:
        sentence += f" (and {more} more problem{'s' if more > 1 else ''})"
    return sentence


def problem_body(code: str, detail: str, **members: Any) -> dict[str, Any]:
    problem = BY_CODE[code]
    return {
        "type": PROBLEM_TYPE_PREFIX + code,
        "title": problem.title,
        "status": problem.status,
        "detail": detail,
        "code": code,
        **members,
    }


def problem_response(
    code: str, detail: str, headers: dict[str, str] | None = None, **members: Any
) -> HttpResponse:
    body = problem_body(code, detail, **members)
    response = HttpResponse(json.dumps(body), status=body["status"], content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(error: Exception, problem: ProblemType, headers: dict[str, str]) -> HttpResponse:
    """The answer to `error`, one of the exceptions of `problem`: its detail and members."""
    members = problem.members(error)
    if isinstance(error, ImportInvalid):
        detail = error.message  # its rows are listed by the import's own, larger limit
    elif "errors" in members:
        detail = validation_detail(members["errors"])
        members["errors"] = listed(members["errors"])
    elif isinstance(error, drf.APIException):
        detail = str(error.detail)
    else:
        detail = str(error)
    return problem_response(problem.code, detail, headers, **members)
