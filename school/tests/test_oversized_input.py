"""No request costs more than its size deserves: an oversized list, string or body is refused
before any per-item work, with a short answer and a bounded number of queries."""

import json

import pytest

from courses.models import DESCRIPTION_MAX_LENGTH, Course
from school.tests.problems import assert_problem
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
SMALL = 4096  # bytes: the most any error body may take
COURSE = {"code": "BIG-1", "title": "Fine"}
STUDENT = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.edu"}

# (id, method, path, body (dict, or bytes sent as they are), status, code, field named, max queries)
ROWS = [
    (
        "million-course-ids",
        "post",
        "/students/{student}/courses/",
        {"course_ids": [0] * 1_000_000},
        400,
        "validation_error",
        "course_ids",
        4,
    ),
    (
        "hundred-bad-course-ids",
        "post",
        "/students/{student}/courses/",
        {"course_ids": ["x"] * 100},
        400,
        "validation_error",
        "course_ids.0",
        4,
    ),
    (
        "course-ids-of-objects",
        "post",
        "/students/{student}/courses/",
        {"course_ids": [{"a": [1] * 1000}] * 100},
        400,
        "validation_error",
        "course_ids.0",
        4,
    ),
    (
        "two-mb-title",
        "post",
        "/courses/",
        {**COURSE, "title": "t" * (2 * MB)},
        400,
        "validation_error",
        "title",
        4,
    ),
    (
        "two-mb-code",
        "post",
        "/courses/",
        {**COURSE, "code": "C" * (2 * MB)},
        400,
        "validation_error",
        "code",
        4,
    ),
    (
        "long-description",
        "post",
        "/courses/",
        {**COURSE, "description": "d" * (DESCRIPTION_MAX_LENGTH + 1)},
        400,
        "validation_error",
        "description",
        4,
    ),
    (
        "two-mb-email",
        "post",
        "/students/",
        {**STUDENT, "email": "a" * (2 * MB) + "@example.edu"},
        400,
        "validation_error",
        "email",
        4,
    ),
    (
        "two-mb-name",
        "post",
        "/students/",
        {**STUDENT, "first_name": "n" * (2 * MB)},
        400,
        "validation_error",
        "first_name",
        4,
    ),
    (
        "every-field-too-long",
        "put",
        "/courses/{course}/",
        {"code": "c" * MB, "title": "t" * MB, "description": "d" * 20_000, "credits": "x" * 1000},
        400,
        "validation_error",
        "code",
        5,
    ),
    (
        "body-over-the-limit",
        "post",
        "/courses/",
        b'{"title": "' + b"t" * (3 * MB) + b'"}',
        413,
        "request_too_large",
        None,
        3,
    ),
    ("deeply-nested", "post", "/courses/", b"[" * 100_000 + b"]" * 100_000, 400, "parse_error", None, 3),
]


@pytest.fixture
def targets():
    return {"course": Course.objects.create(code="KEEP-1", title="Kept").pk, "student": StudentFactory().pk}


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "field", "queries"),
    [row[1:] for row in ROWS],
    ids=[row[0] for row in ROWS],
)
def test_an_oversized_input_is_refused_briefly(
    make_user,
    client_for,
    targets,
    django_assert_max_num_queries,
    method,
    path,
    body,
    status,
    code,
    field,
    queries,
):
    client = client_for(make_user(superuser=True))
    raw = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
    with django_assert_max_num_queries(queries):
        response = client.generic(
            method.upper(), "/api/v1" + path.format(**targets), raw, content_type="application/json"
        )
    problem = assert_problem(response, status, code)
    assert len(response.content) < SMALL, len(response.content)
    if field is not None:
        assert problem["errors"][0]["field"] == field
        assert len(problem["errors"]) <= 20


def test_a_list_over_its_limit_is_one_error_naming_the_limit(registrar):
    student = StudentFactory()
    response = registrar.post(
        f"/api/v1/students/{student.pk}/courses/", {"course_ids": list(range(1, 100_000))}, format="json"
    )
    problem = assert_problem(response, 400, "validation_error")
    assert problem["errors"] == [
        {
            "field": "course_ids",
            "code": "max_length",
            "detail": "Ensure this field has no more than 100 elements.",
        }
    ]


def test_a_hundred_bad_items_are_counted_not_all_listed(registrar):
    student = StudentFactory()
    response = registrar.post(
        f"/api/v1/students/{student.pk}/courses/", {"course_ids": [0] * 100}, format="json"
    )
    problem = assert_problem(response, 400, "validation_error")
    assert len(problem["errors"]) == 20
    assert problem["errors"][-1] == {
        "field": None,
        "code": "more_errors",
        "detail": "81 more problems are not listed.",
    }
    assert problem["detail"].endswith("(and 99 more problems)")


def test_a_description_of_the_maximum_length_is_accepted(registrar):
    body = {**COURSE, "description": "d" * DESCRIPTION_MAX_LENGTH}
    assert registrar.post("/api/v1/courses/", body, format="json").status_code == 201
