"""Whatever a buggy client or an attacker sends: a 4xx problem, data intact, nothing internal leaked.

One row per input. When a bug is found, add its row here.
"""

import json

import pytest

from courses.models import Course
from courses.tests.factories import CourseFactory
from school.tests.problems import assert_problem
from students.models import Enrollment, Student
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

HUGE = 2**64
LEAKS = ("Traceback", "SELECT ", "INSERT ", "psycopg", "sqlite", "django.", "SECRET_KEY", "/work/", ".py")

COURSE = {"code": "OK-1", "title": "Fine"}
STUDENT = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.edu"}

# (id, method, path, body: dict/list/str/bytes for raw, or None; query; expected status, code)
ROWS = [
    # NUL bytes and lone surrogates in bodies
    ("nul-in-code", "post", "/courses/", {**COURSE, "code": "A\x00B"}, None, 400, "validation_error"),
    ("nul-in-title", "post", "/courses/", {**COURSE, "title": "T\x00"}, None, 400, "validation_error"),
    ("nul-in-name", "post", "/students/", {**STUDENT, "first_name": "\x00"}, None, 400, "validation_error"),
    (
        "nul-in-email",
        "post",
        "/students/",
        {**STUDENT, "email": "a\x00@example.edu"},
        None,
        400,
        "validation_error",
    ),
    (
        "surrogate-title",
        "post",
        "/courses/",
        '{"code": "S1", "title": "\\ud800"}',
        None,
        400,
        "validation_error",
    ),
    (
        "surrogate-name",
        "post",
        "/students/",
        '{"first_name": "\\udfff", "last_name": "L", "email": "s@example.edu"}',
        None,
        400,
        "validation_error",
    ),
    # ... and in ?search=
    ("nul-in-search", "get", "/courses/", None, "search=%00", 400, "validation_error"),
    ("surrogate-in-search", "get", "/students/", None, "search=%ED%A0%80", 400, "validation_error"),
    ("bad-utf8-in-search", "get", "/courses/", None, "search=%FF%FE", 400, "validation_error"),
    ("long-search", "get", "/courses/", None, "search=" + "a" * 5000, 400, "validation_error"),
    # integers past 64 bits in bodies, paths and filters
    (
        "huge-course-id",
        "post",
        "/students/{student}/courses/",
        {"course_ids": [HUGE]},
        None,
        400,
        "validation_error",
    ),
    ("huge-credits", "post", "/courses/", {**COURSE, "credits": HUGE}, None, 400, "validation_error"),
    ("huge-capacity", "post", "/courses/", {**COURSE, "capacity": HUGE}, None, 400, "validation_error"),
    (
        "huge-number-literal",
        "post",
        "/courses/",
        '{"code": "H1", "title": "T", "credits": 1e400}',
        None,
        400,
        "validation_error",
    ),
    (
        "huge-digits",
        "post",
        "/courses/",
        '{"code": "H1", "title": "T", "credits": ' + "9" * 5000 + "}",
        None,
        400,
        "parse_error",
    ),
    ("huge-course-path", "get", f"/courses/{HUGE}/", None, None, 404, "not_found"),
    ("huge-student-path", "get", f"/students/{HUGE}/courses/", None, None, 404, "not_found"),
    ("huge-enrolled-path", "delete", f"/students/{{student}}/courses/{HUGE}/", None, None, 404, "not_found"),
    ("huge-roster-path", "get", f"/courses/{HUGE}/students/", None, None, 404, "not_found"),
    ("huge-course-filter", "get", "/students/", None, f"course={HUGE}", 400, "validation_error"),
    ("huge-page", "get", "/courses/", None, f"page={HUGE}", 404, "not_found"),
    (
        "huge-page-student-courses",
        "get",
        "/students/{student}/courses/",
        None,
        f"page={HUGE}",
        404,
        "not_found",
    ),
    # wrong JSON types everywhere
    (
        "ids-as-string",
        "post",
        "/students/{student}/courses/",
        {"course_ids": "1"},
        None,
        400,
        "validation_error",
    ),
    (
        "ids-list-of-lists",
        "post",
        "/students/{student}/courses/",
        {"course_ids": [[1], [2]]},
        None,
        400,
        "validation_error",
    ),
    ("ids-null", "post", "/students/{student}/courses/", {"course_ids": None}, None, 400, "validation_error"),
    (
        "ids-with-null",
        "post",
        "/students/{student}/courses/",
        {"course_ids": [None]},
        None,
        400,
        "validation_error",
    ),
    (
        "ids-booleans",
        "post",
        "/students/{student}/courses/",
        {"course_ids": [True, False]},
        None,
        400,
        "validation_error",
    ),
    (
        "ids-floats",
        "post",
        "/students/{student}/courses/",
        {"course_ids": [1.0]},
        None,
        400,
        "validation_error",
    ),
    (
        "ids-objects",
        "post",
        "/students/{student}/courses/",
        {"course_ids": [{"id": 1}]},
        None,
        400,
        "validation_error",
    ),
    ("body-a-list", "post", "/students/{student}/courses/", [1, 2], None, 400, "validation_error"),
    ("body-a-number", "post", "/courses/", 7, None, 400, "validation_error"),
    ("body-null", "patch", "/courses/{course}/", None, None, 400, "validation_error"),
    ("code-a-number", "post", "/courses/", {**COURSE, "code": 101}, None, 400, "validation_error"),
    ("code-a-list", "post", "/courses/", {**COURSE, "code": ["A"]}, None, 400, "validation_error"),
    ("title-an-object", "post", "/courses/", {**COURSE, "title": {"en": "T"}}, None, 400, "validation_error"),
    ("credits-a-string", "post", "/courses/", {**COURSE, "credits": "3"}, None, 400, "validation_error"),
    ("credits-a-float", "post", "/courses/", {**COURSE, "credits": 3.0}, None, 400, "validation_error"),
    ("credits-a-boolean", "post", "/courses/", {**COURSE, "credits": True}, None, 400, "validation_error"),
    ("capacity-a-string", "patch", "/courses/{course}/", {"capacity": "10"}, None, 400, "validation_error"),
    ("email-a-number", "post", "/students/", {**STUDENT, "email": 5}, None, 400, "validation_error"),
    ("name-a-boolean", "patch", "/students/{student}/", {"last_name": False}, None, 400, "validation_error"),
    # deeply nested, malformed and non-UTF-8 bodies
    (
        "deep-lists",
        "post",
        "/students/{student}/courses/",
        "[" * 50_000 + "]" * 50_000,
        None,
        400,
        "parse_error",
    ),
    ("deep-objects", "post", "/courses/", '{"a":' * 50_000 + "1" + "}" * 50_000, None, 400, "parse_error"),
    ("truncated-json", "post", "/courses/", '{"code": "A', None, 400, "parse_error"),
    ("not-json", "post", "/courses/", "code=A&title=B", None, 400, "parse_error"),
    ("empty-json-body", "post", "/students/{student}/courses/", "", None, 400, "validation_error"),
    (
        "latin1-body",
        "post",
        "/courses/",
        '{"code": "A", "title": "caf\xe9"}'.encode("latin-1"),
        None,
        400,
        "parse_error",
    ),
    ("utf16-body", "post", "/courses/", json.dumps(COURSE).encode("utf-16"), None, 400, "parse_error"),
    ("nan", "post", "/courses/", '{"code": "N", "title": "T", "credits": NaN}', None, 400, "parse_error"),
    # bodies over 2.5 MB and oversized strings
    (
        "body-over-limit",
        "post",
        "/courses/",
        json.dumps({**COURSE, "description": "d" * 2_700_000}),
        None,
        413,
        "request_too_large",
    ),
    (
        "ids-over-limit",
        "post",
        "/students/{student}/courses/",
        json.dumps({"course_ids": [1] * 1_000_000}),
        None,
        413,
        "request_too_large",
    ),
    ("long-code", "post", "/courses/", {**COURSE, "code": "C" * 10_000}, None, 400, "validation_error"),
    ("long-title", "post", "/courses/", {**COURSE, "title": "T" * 100_000}, None, 400, "validation_error"),
    (
        "long-email",
        "post",
        "/students/",
        {**STUDENT, "email": "a" * 300 + "@example.edu"},
        None,
        400,
        "validation_error",
    ),
    (
        "too-many-ids",
        "post",
        "/students/{student}/courses/",
        {"course_ids": list(range(1, 1002))},
        None,
        400,
        "validation_error",
    ),
    # bad page, page_size, ordering, has_seats, course values
    ("page-text", "get", "/courses/", None, "page=abc", 400, "validation_error"),
    ("page-zero", "get", "/students/", None, "page=0", 400, "validation_error"),
    ("page-negative", "get", "/courses/", None, "page=-2", 400, "validation_error"),
    ("page-float", "get", "/courses/", None, "page=1.5", 400, "validation_error"),
    ("page-unicode-digits", "get", "/courses/", None, "page=%D9%A3", 400, "validation_error"),
    ("page-past-end", "get", "/courses/", None, "page=9999", 404, "not_found"),
    ("page-size-text", "get", "/students/", None, "page_size=all", 400, "validation_error"),
    ("page-size-zero", "get", "/courses/", None, "page_size=0", 400, "validation_error"),
    ("ordering-unknown", "get", "/courses/", None, "ordering=password", 400, "validation_error"),
    (
        "ordering-sql",
        "get",
        "/students/",
        None,
        "ordering=email;DROP TABLE students_student",
        400,
        "validation_error",
    ),
    ("ordering-nul", "get", "/courses/", None, "ordering=%00", 400, "validation_error"),
    ("has-seats-text", "get", "/courses/", None, "has_seats=maybe", 400, "validation_error"),
    ("has-seats-nul", "get", "/courses/", None, "has_seats=%00", 400, "validation_error"),
    ("course-text", "get", "/students/", None, "course=abc", 400, "validation_error"),
    ("course-negative", "get", "/students/", None, "course=-5", 400, "validation_error"),
    ("course-nul", "get", "/students/", None, "course=%00", 400, "validation_error"),
    # paths and headers
    ("id-not-a-number", "get", "/courses/abc/", None, None, 404, "not_found"),
    ("id-negative", "get", "/students/-1/", None, None, 404, "not_found"),
    ("nul-in-path", "get", "/courses/%00/", None, None, 404, "not_found"),
    ("form-content-type", "post-form", "/courses/", COURSE, None, 415, "unsupported_media_type"),
]


@pytest.fixture
def targets():
    course = CourseFactory(code="KEEP-1", title="Kept", capacity=3)
    student = StudentFactory(email="kept@example.edu")
    return {"course": course.pk, "student": student.pk}


def send(client, method, path, body, query):
    url = "/api/v1" + path + (f"?{query}" if query else "")
    if method == "post-form":
        return client.post(url, body)
    if body is None and method in ("get", "delete"):
        return client.generic(method.upper(), url)
    if isinstance(body, bytes):
        raw = body
    elif isinstance(body, str):
        raw = body.encode("utf-8", "surrogatepass")
    else:
        raw = json.dumps(body).encode()
    return client.generic(method.upper(), url, raw, content_type="application/json")


@pytest.mark.parametrize(
    ("method", "path", "body", "query", "status", "code"),
    [row[1:] for row in ROWS],
    ids=[row[0] for row in ROWS],
)
def test_hostile_input_is_a_clean_problem_and_changes_nothing(
    make_user, client_for, targets, method, path, body, query, status, code
):
    client = client_for(make_user(superuser=True))
    before = (Course.objects.count(), Student.objects.count(), Enrollment.objects.count())
    response = send(client, method, path.format(**targets), body, query)
    problem = assert_problem(response, status, code)
    text = json.dumps(problem)
    assert not [leak for leak in LEAKS if leak in text], text[:500]
    assert (Course.objects.count(), Student.objects.count(), Enrollment.objects.count()) == before
    course = Course.objects.get(pk=targets["course"])
    assert (course.code, course.title, course.capacity) == ("KEEP-1", "Kept", 3)
    assert Student.objects.get(pk=targets["student"]).email == "kept@example.edu"


def test_a_malformed_token_header_is_401(api_client):
    for header in ("Token", "Token a b", "Token \x00" + "0" * 39, "Bearer " + "0" * 40, "Token " + "é" * 40):
        api_client.credentials(HTTP_AUTHORIZATION=header)
        assert_problem(api_client.get("/api/v1/courses/"), 401, "not_authenticated")


@pytest.mark.parametrize("size", [str(2**64), "9" * 40])
def test_a_huge_page_size_is_served_as_100(reader, size):
    Course.objects.bulk_create([Course(code=f"P{i}", title="Paged") for i in range(101)])
    assert len(reader.get("/api/v1/courses/", {"page_size": size}).json()["results"]) == 100
