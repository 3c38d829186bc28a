"""Who may do what: every endpoint of the URL conf x every role x every method.

The endpoints are read from the URL conf, so an endpoint (or a method) without a row in MATRIX
fails `test_every_endpoint_has_a_row` and its own matrix cases: a new endpoint is not open to
anyone by accident. The policy itself lives in students.access (student data) and
school.permissions (the catalogue).
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import Course
from courses.tests.factories import CourseFactory
from school.tests.problems import assert_problem
from school.tests.urlconf import api_views
from students.models import Enrollment, Student, WaitlistEntry
from students.tests.factories import EnrollmentFactory, StudentFactory

ROLES = [
    "anonymous",
    "student_own",  # a student user, on their own student (and a course they take)
    "student_other",  # the same student user, on another student
    "instructor_own",  # an instructor, on the course they teach
    "instructor_other",  # the same instructor, on a course they do not teach
    "plain",  # signed in, no permissions, no student, teaches nothing
    "viewer",  # staff with students.view_student only
    "registrar",  # in the Registrar group
    "superuser",
]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
SUCCESS = {"GET": 200, "POST": 201, "PUT": 200, "PATCH": 200, "DELETE": 204}

EVERYONE = "401 ok ok ok ok ok ok ok ok"
PUBLIC = "ok ok ok ok ok ok ok ok ok"
STAFF_WRITES = "401 403 403 403 403 403 403 ok ok"
STUDENT_READS = "401 ok 404 403 403 403 ok ok ok"
STUDENT_SELF_SERVICE = "401 ok 404 403 403 403 403 ok ok"

# (URL name, method) -> the answer for each role, in the order of ROLES: "ok" is the method's
# success status, a number is that status (problem+json).
MATRIX = {
    ("api-root", "GET"): EVERYONE,
    ("course-list", "GET"): EVERYONE,
    ("course-list", "POST"): STAFF_WRITES,
    ("course-detail", "GET"): EVERYONE,
    ("course-detail", "PUT"): STAFF_WRITES,
    ("course-detail", "PATCH"): STAFF_WRITES,
    ("course-detail", "DELETE"): STAFF_WRITES,
    ("course-student-list", "GET"): "401 403 403 ok 403 403 ok ok ok",
    ("course-student-list", "POST"): STAFF_WRITES,
    ("student-list", "GET"): "401 ok ok 403 403 403 ok ok ok",
    ("student-list", "POST"): STAFF_WRITES,
    ("student-detail", "GET"): STUDENT_READS,
    ("student-detail", "PUT"): STAFF_WRITES,
    ("student-detail", "PATCH"): STAFF_WRITES,
    ("student-detail", "DELETE"): STAFF_WRITES,
    ("student-course-list", "GET"): STUDENT_READS,
    ("student-course-list", "POST"): STUDENT_SELF_SERVICE,
    ("student-course-detail", "GET"): STUDENT_READS,
    ("student-course-detail", "DELETE"): STUDENT_SELF_SERVICE,
    ("student-event-list", "GET"): STUDENT_READS,
    ("student-waitlist-list", "GET"): STUDENT_READS,
    ("student-waitlist-list", "POST"): STUDENT_SELF_SERVICE,
    ("student-waitlist-detail", "DELETE"): STUDENT_SELF_SERVICE,
    ("course-waitlist-list", "GET"): "401 403 403 ok 403 403 ok ok ok",
    ("enrollment-event-list", "GET"): "401 403 403 403 403 403 ok ok ok",
    ("import-students", "POST"): STAFF_WRITES,
    ("import-courses", "POST"): STAFF_WRITES,
    ("import-enrollments", "POST"): STAFF_WRITES,
    # Signing in with wrong credentials is a 400 for anyone; revoking needs a token.
    ("auth-token", "POST"): "400 400 400 400 400 400 400 400 400",
    ("auth-token", "DELETE"): EVERYONE,
    ("schema", "GET"): PUBLIC,
    ("swagger-ui", "GET"): PUBLIC,
    ("redoc", "GET"): PUBLIC,
}


def api_endpoints():
    """[(URL name, method)] of every view under /api/v1/, read from the URL conf."""
    return sorted(
        {(name, method) for name, _, methods in api_views() for method in methods if method in METHODS}
    )


ENDPOINTS = api_endpoints()


def test_every_endpoint_has_a_row():
    assert ENDPOINTS, "no endpoint found under /api/v1/"
    assert set(ENDPOINTS) == set(MATRIX), (
        "endpoints without a row in MATRIX (say who may call them)",
        sorted(set(ENDPOINTS) - set(MATRIX)),
        "rows for no endpoint",
        sorted(set(MATRIX) - set(ENDPOINTS)),
    )


@pytest.fixture
def world(make_user, client_for, api_client):
    """Two students (the first linked to a student user), a taught course and an untaught one
    that both take, an empty course; a client per role."""
    student_user, instructor = make_user(), make_user()
    own, other = StudentFactory(user=student_user), StudentFactory()
    loner = StudentFactory()  # in no course: the one a bulk roster enrolls
    taught, untaught, empty = CourseFactory(capacity=5), CourseFactory(), CourseFactory()
    taught.instructors.add(instructor)
    for student in (own, other):
        for course in (taught, untaught):
            EnrollmentFactory(student=student, course=course)
    full = CourseFactory(capacity=1, waitlist_capacity=5)  # both students wait for it
    EnrollmentFactory(course=full)
    for student in (own, other):
        WaitlistEntry.objects.create(student=student, course=full)
    users = {
        "student": student_user,
        "instructor": instructor,
        "plain": make_user(),
        "viewer": make_user("students.view_student"),
        "registrar": make_user(group="Registrar"),
        "superuser": make_user(superuser=True),
    }
    return {
        "own": own,
        "other": other,
        "loner": loner,
        "taught": taught,
        "untaught": untaught,
        "empty": empty,
        "full": full,
        "client": lambda role: api_client if role == "anonymous" else client_for(users[role.split("_")[0]]),
    }


def path_for(name, role, world, *, student=None):
    """The endpoint's path, aimed at what the role's case is about."""
    student = student or (world["other"] if role == "student_other" else world["own"])
    roster = world["untaught"] if role == "instructor_other" else world["taught"]
    kwargs = {
        "course-detail": {"id": world["empty"].pk},
        "course-student-list": {"course_id": roster.pk},
        "student-detail": {"id": student.pk},
        "student-course-list": {"student_id": student.pk},
        "student-course-detail": {"student_id": student.pk, "course_id": world["taught"].pk},
        "student-event-list": {"student_id": student.pk},
        "student-waitlist-list": {"student_id": student.pk},
        "student-waitlist-detail": {"student_id": student.pk, "course_id": world["full"].pk},
        "course-waitlist-list": {"course_id": roster.pk},
    }.get(name, {})
    return reverse(name, kwargs=kwargs)


def body_for(name, method, world):
    return {
        ("course-list", "POST"): {"code": "NEW-1", "title": "New"},
        ("course-detail", "PUT"): {"code": "PUT-1", "title": "Put"},
        ("course-detail", "PATCH"): {"title": "Patched"},
        ("student-list", "POST"): {"first_name": "New", "last_name": "Student", "email": "new@example.edu"},
        ("student-detail", "PUT"): {"first_name": "Put", "last_name": "Put", "email": "put@example.edu"},
        ("student-detail", "PATCH"): {"last_name": "Patched"},
        ("student-course-list", "POST"): {"course_ids": [world["empty"].pk]},
        ("student-waitlist-list", "POST"): {"course_id": world["empty"].pk},
        ("course-student-list", "POST"): {"student_ids": [world["loner"].pk]},
        ("import-students", "POST"): {"file": b"email,first_name,last_name\nnew@example.edu,New,Student\n"},
        ("import-courses", "POST"): {"file": b"code,title\nNEW-2,New\n"},
        ("import-enrollments", "POST"): {
            "file": f"student_email,course_code\n{world['loner'].email},{world['empty'].code}\n".encode()
        },
        ("auth-token", "POST"): {"username": "nobody", "password": "wrong"},
    }.get((name, method))


def send(client, method, path, body):
    if body is None:
        return client.generic(method, path)
    if isinstance(body.get("file"), bytes):  # a CSV import: multipart
        return client.post(path, {"file": SimpleUploadedFile("rows.csv", body["file"])}, format="multipart")
    return client.generic(method, path, json.dumps(body), content_type="application/json")


def snapshot():
    """Everything a refused request must leave as it was."""
    return (
        list(Enrollment.objects.order_by("pk").values_list()),
        list(Student.objects.order_by("pk").values_list()),
        list(Course.objects.order_by("pk").values_list()),
        list(WaitlistEntry.objects.order_by("pk").values_list()),
        sorted(Course.instructors.through.objects.values_list("course_id", "user_id")),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method"), ENDPOINTS)
def test_permission_matrix(world, name, method, role):
    row = MATRIX.get((name, method))
    if row is None:
        pytest.fail(f"{method} {name} has no row in MATRIX: say who may call it")
    expected = row.split()[ROLES.index(role)]
    client = world["client"](role)
    before = snapshot()
    response = send(client, method, path_for(name, role, world), body_for(name, method, world))
    if expected == "ok":
        assert response.status_code == SUCCESS[method], (response.status_code, response.content[:300])
        return
    status = int(expected)
    code = {400: "validation_error", 401: "not_authenticated", 403: "permission_denied", 404: "not_found"}
    body = assert_problem(response, status, code[status])
    assert snapshot() == before, "a refused request wrote something"
    if status == 401:
        assert response["WWW-Authenticate"] == "Token"
    if status == 404:
        # Another student's data answers exactly as a student that does not exist.
        ghost = Student(pk=10**9)
        unknown = send(
            client, method, path_for(name, role, world, student=ghost), body_for(name, method, world)
        )
        assert unknown.status_code == 404
        assert json.loads(unknown.content) == body


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["student_own", "student_other"])
def test_a_students_list_holds_only_their_own_record(world, role):
    body = world["client"](role).get(reverse("student-list")).json()
    assert body["count"] == 1
    assert [student["id"] for student in body["results"]] == [world["own"].pk]


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["HEAD", "OPTIONS"])
@pytest.mark.parametrize(("role", "status"), [("student_other", 404), ("plain", 403), ("student_own", 200)])
def test_head_and_options_follow_the_read_rules(world, method, role, status):
    response = send(world["client"](role), method, path_for("student-detail", role, world), None)
    assert response.status_code == status


@pytest.mark.django_db
def test_a_student_enrolling_themself_gets_the_same_seat_rules(world):
    full = CourseFactory(capacity=1)
    EnrollmentFactory(course=full)
    client = world["client"]("student_own")
    path = path_for("student-course-list", "student_own", world)
    body = assert_problem(send(client, "POST", path, {"course_ids": [full.pk]}), 409, "course_full")
    assert body["full_course_ids"] == [full.pk]
    assert_problem(send(client, "POST", path, {"course_ids": [10**9]}), 400, "unknown_course")


@pytest.mark.django_db
def test_what_a_student_may_not_write_is_ignored(world):
    """Enrolling sends only course ids: anything else in the body (another student, a count)
    changes nothing."""
    client = world["client"]("student_own")
    path = path_for("student-course-list", "student_own", world)
    other = world["other"]
    body = {"course_ids": [world["empty"].pk], "student_id": other.pk, "enrolled_count": 99}
    assert send(client, "POST", path, body).status_code == 201
    assert Enrollment.objects.filter(student=world["own"], course=world["empty"]).exists()
    assert not Enrollment.objects.filter(student=other, course=world["empty"]).exists()
    world["empty"].refresh_from_db()
    assert world["empty"].enrolled_count == 1
