"""Permission details beyond the matrix (test_permission_matrix.py): tokens, sessions, inactive
users, one permission per write, and permission checks before any lookup."""

import pytest

from courses.tests.factories import CourseFactory
from school.tests.problems import assert_problem

pytestmark = pytest.mark.django_db


def send(client, method, path, body):
    return (
        getattr(client, method)(path, body, format="json")
        if body is not None
        else getattr(client, method)(path)
    )


def test_an_invalid_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = api_client.get("/api/v1/courses/")
    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    ("permission", "method", "allowed"),
    [
        ("courses.add_course", "post", True),
        ("courses.add_course", "patch", False),
        ("courses.change_course", "patch", True),
        ("courses.change_course", "delete", False),
        ("courses.delete_course", "delete", True),
    ],
)
def test_each_write_needs_its_own_permission(make_user, client_for, permission, method, allowed):
    course = CourseFactory()
    client = client_for(make_user(permission))
    path = "/api/v1/courses/" if method == "post" else f"/api/v1/courses/{course.pk}/"
    response = send(client, method, path, {"code": "X1", "title": "X"} if method != "delete" else None)
    assert (response.status_code < 400) is allowed


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_permission_is_checked_before_the_object_is_looked_up(reader, method):
    response = send(reader, method, "/api/v1/courses/987654/", {} if method != "delete" else None)
    assert_problem(response, 403, "permission_denied")
    response = send(reader, method, "/api/v1/students/987654/", {} if method != "delete" else None)
    assert_problem(response, 403, "permission_denied")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/students/987654/", "/api/v1/students/987654/courses/", "/api/v1/courses/987654/students/"],
)
def test_reading_student_data_is_403_for_a_plain_user_whether_or_not_it_exists(plain_user, path):
    assert_problem(plain_user.get(path), 403, "permission_denied")


def test_session_authentication_works_for_reads(client, make_user):
    client.force_login(make_user())
    assert client.get("/api/v1/courses/").status_code == 200


def test_inactive_users_are_refused(make_user, client_for):
    user = make_user(superuser=True)
    client = client_for(user)
    user.is_active = False
    user.save()
    assert_problem(client.get("/api/v1/courses/"), 401, "not_authenticated")
