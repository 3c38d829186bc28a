"""Who may do what: every data endpoint as anonymous, a plain user, a Registrar and a superuser."""

import pytest

from courses.tests.factories import CourseFactory
from school.tests.problems import assert_problem
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

NEW = {
    "courses": {"code": "NEW-1", "title": "New"},
    "students": {"first_name": "New", "last_name": "Student", "email": "new@example.edu"},
}


@pytest.fixture
def objects():
    return {"courses": CourseFactory(), "students": StudentFactory()}


def requests(resource, obj):
    """(method, path, body, success status) for every operation on a resource."""
    base = f"/api/v1/{resource}/"
    item = f"{base}{obj.pk}/"
    return [
        ("get", base, None, 200),
        ("get", item, None, 200),
        ("post", base, NEW[resource], 201),
        ("put", item, {**NEW[resource], "email": "put@example.edu", "code": "PUT-1"}, 200),
        ("patch", item, {"title": "Patched", "last_name": "Patched"}, 200),
        ("delete", item, None, 204),
    ]


def send(client, method, path, body):
    return (
        getattr(client, method)(path, body, format="json")
        if body is not None
        else getattr(client, method)(path)
    )


@pytest.mark.parametrize("resource", ["courses", "students"])
def test_anonymous_gets_401_with_a_challenge_everywhere(api_client, objects, resource):
    for method, path, body, _ in requests(resource, objects[resource]):
        response = send(api_client, method, path, body)
        assert_problem(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == "Token"


def test_an_invalid_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = api_client.get("/api/v1/courses/")
    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("resource", ["courses", "students"])
def test_a_plain_user_may_read_but_not_write(reader, objects, resource):
    for method, path, body, success in requests(resource, objects[resource]):
        response = send(reader, method, path, body)
        if method == "get":
            assert response.status_code == success
        else:
            assert_problem(response, 403, "permission_denied")


@pytest.mark.parametrize("resource", ["courses", "students"])
@pytest.mark.parametrize("role", ["registrar", "superuser"])
def test_registrars_and_superusers_may_do_everything(make_user, client_for, objects, resource, role):
    user = make_user(superuser=True) if role == "superuser" else make_user(group="Registrar")
    client = client_for(user)
    for method, path, body, success in requests(resource, objects[resource]):
        assert send(client, method, path, body).status_code == success, (method, path)


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


def test_session_authentication_works_for_reads(client, make_user):
    client.force_login(make_user())
    assert client.get("/api/v1/courses/").status_code == 200


def test_inactive_users_are_refused(make_user, client_for):
    user = make_user(superuser=True)
    client = client_for(user)
    user.is_active = False
    user.save()
    assert_problem(client.get("/api/v1/courses/"), 401, "not_authenticated")


def enrollment_requests(student, course, other_course):
    """(method, path, body, success status) for every enrollment operation."""
    base = f"/api/v1/students/{student.pk}/courses/"
    return [
        ("get", base, None, 200),
        ("get", f"{base}{course.pk}/", None, 200),
        ("get", f"/api/v1/courses/{course.pk}/students/", None, 200),
        ("post", base, {"course_ids": [other_course.pk]}, 201),
        ("delete", f"{base}{course.pk}/", None, 204),
    ]


@pytest.mark.parametrize("role", ["anonymous", "plain", "registrar", "superuser"])
def test_the_enrollment_endpoints_for_every_role(api_client, make_user, client_for, role):
    enrollment = EnrollmentFactory()
    other_course = CourseFactory()
    clients = {
        "anonymous": lambda: api_client,
        "plain": lambda: client_for(make_user()),
        "registrar": lambda: client_for(make_user(group="Registrar")),
        "superuser": lambda: client_for(make_user(superuser=True)),
    }
    client = clients[role]()
    for method, path, body, success in enrollment_requests(
        enrollment.student, enrollment.course, other_course
    ):
        response = send(client, method, path, body)
        if role == "anonymous":
            assert_problem(response, 401, "not_authenticated")
        elif role == "plain" and method != "get":
            assert_problem(response, 403, "permission_denied")
        else:
            assert response.status_code == success, (role, method, path, response.content[:200])
