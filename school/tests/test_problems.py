"""Every error under /api/ is an RFC 9457 problem with its documented code; nothing internal leaks."""

import json
from unittest import mock

import pytest
from django.db import IntegrityError

from courses.api.views import CourseViewSet
from school.exceptions import handler403, handler500
from school.tests.problems import assert_problem

pytestmark = pytest.mark.django_db

COURSES = "/api/v1/courses/"


def test_malformed_json_is_parse_error(registrar):
    response = registrar.generic("POST", COURSES, '{"code": "A1", ', content_type="application/json")
    assert_problem(response, 400, "parse_error")


def test_non_utf8_body_is_parse_error(registrar):
    response = registrar.generic("POST", COURSES, b'{"code": "\xff\xfe"}', content_type="application/json")
    assert_problem(response, 400, "parse_error")


def test_a_json_body_that_is_not_an_object_is_validation_error(registrar):
    response = registrar.generic("POST", COURSES, "[1, 2]", content_type="application/json")
    body = assert_problem(response, 400, "validation_error")
    assert body["errors"][0]["field"] is None


def test_form_bodies_are_unsupported_media_type(registrar):
    assert_problem(registrar.post(COURSES, {"code": "A1", "title": "T"}), 415, "unsupported_media_type")


def test_unsupported_method_is_405_with_allow(reader):
    response = reader.generic("TRACE", COURSES)
    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_unacceptable_accept_header_is_406(reader):
    assert_problem(reader.get(COURSES, HTTP_ACCEPT="application/xml"), 406, "not_acceptable")


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v2/courses/", "/api/v1/courses/1/extra/"])
def test_unknown_api_paths_are_problem_404(reader, path):
    assert_problem(reader.get(path), 404, "not_found")


def test_unknown_paths_outside_the_api_keep_django_pages(client):
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_unhandled_exception_is_a_bare_500_problem_logged_on_the_server(reader, caplog):
    boom = RuntimeError("secret detail: SELECT password FROM auth_user")
    with mock.patch.object(CourseViewSet, "list", side_effect=boom):
        response = reader.get(COURSES)
    body = assert_problem(response, 500, "server_error")
    text = json.dumps(body)
    assert "SELECT" not in text and "Traceback" not in text and "secret" not in text
    assert "secret detail" in caplog.text


def test_a_unique_index_refusing_a_write_is_409_conflict(registrar):
    with mock.patch("courses.api.views.course_create", side_effect=IntegrityError("dup key")):
        response = registrar.post(COURSES, {"code": "RACE1", "title": "Race"}, format="json")
    body = assert_problem(response, 409, "conflict")
    assert "dup key" not in json.dumps(body)


def test_validation_problem_lists_every_error_with_field_code_and_detail(registrar):
    body = assert_problem(registrar.post(COURSES, {"credits": 100}, format="json"), 400, "validation_error")
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("code", "required"),
        ("title", "required"),
        ("credits", "max_value"),
    }
    assert body["detail"].endswith("more problems)")


def test_a_body_over_the_upload_limit_is_413(registrar):
    body = json.dumps({"code": "BIG1", "title": "x" * (2_621_440 + 10)})
    response = registrar.generic("POST", COURSES, body, content_type="application/json")
    assert_problem(response, 413, "request_too_large")


def test_deeply_nested_json_is_parse_error(registrar):
    body = "[" * 100_000 + "]" * 100_000
    assert_problem(
        registrar.generic("POST", COURSES, body, content_type="application/json"), 400, "parse_error"
    )


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_standard_json_constants_are_parse_error(registrar, constant):
    body = f'{{"code": "N1", "title": "T", "credits": {constant}}}'
    assert_problem(
        registrar.generic("POST", COURSES, body, content_type="application/json"), 400, "parse_error"
    )


def test_a_request_django_refuses_before_any_view_is_a_problem_too(reader):
    body = assert_problem(reader.get(COURSES, HTTP_HOST="evil.example.com"), 400, "validation_error")
    assert "evil" not in json.dumps(body)


@pytest.mark.parametrize(
    ("handler", "status", "code"),
    [(handler403, 403, "permission_denied"), (handler500, 500, "server_error")],
)
def test_django_level_handlers_answer_problems_under_the_api_only(rf, handler, status, code):
    args = () if handler is handler500 else (None,)
    assert_problem(handler(rf.get("/api/v1/courses/"), *args), status, code)
    assert handler(rf.get("/admin/"), *args)["Content-Type"].startswith("text/html")


def test_api_responses_carry_security_headers(reader):
    response = reader.get(COURSES)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("role", ["reader", "registrar"])
def test_a_method_the_path_does_not_have_is_405_for_any_signed_in_user(request, role):
    client = request.getfixturevalue(role)
    for method, path in [
        ("POST", "/api/v1/courses/1/"),
        ("PUT", "/api/v1/students/1/courses/"),
        ("PATCH", "/api/v1/students/1/courses/2/"),
    ]:
        assert_problem(
            client.generic(method, path, "{}", content_type="application/json"), 405, "method_not_allowed"
        )


@pytest.mark.parametrize("debug", [False, True])
def test_a_missing_trailing_slash_is_a_problem_404_not_a_redirect(registrar, settings, debug):
    settings.DEBUG = debug
    response = registrar.post("/api/v1/courses", {"code": "S1", "title": "T"}, format="json")
    assert_problem(response, 404, "not_found")


def test_the_admin_still_adds_its_slash(admin_client_logged_in):
    assert admin_client_logged_in.get("/admin/courses/course").status_code == 301
