"""Each endpoint costs a fixed number of queries, whatever the size of its page or request."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.tests.factories import CourseFactory
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

# Token + user + the user's own student id (1), a staff user's permissions (2: their own and
# their groups'), the lookups, the page (count + rows), the page's instructors (1), savepoints
# around writes. The numbers are ceilings: a change that adds a query per row fails.
BUDGETS = {
    "own_courses": 3,  # a student reading their own: token, page and total in one query, instructors
    "student_courses": 5,  # staff: ...and their permissions
    "roster": 6,  # token, permissions, the course, count, page
    "roster_instructor": 7,  # ...and whether they teach it
    "courses": 4,  # token, count, page, instructors
    "students": 5,  # token, permissions, count, page
    # ...plus the student row lock, the course row locks, who is writing for the events (set,
    # and cleared on SQLite), the answer's instructors
    "enroll": 15,
    # a student enrolling themself: no student read before the transaction (authentication found
    # it), their permissions read only if a window is closed
    "enroll_own": 12,
}


def queries(call):
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code < 300, response.content[:300]
    return len(captured)


@pytest.fixture
def student_with(make_user):
    def make(n):
        student = StudentFactory()
        for course in CourseFactory.create_batch(n):
            EnrollmentFactory(student=student, course=course)
        return student

    return make


@pytest.mark.parametrize("size", [1, 60])
def test_a_students_courses(reader, student_with, django_assert_max_num_queries, size):
    student = student_with(size)
    with django_assert_max_num_queries(BUDGETS["student_courses"]):
        reader.get(f"/api/v1/students/{student.pk}/courses/", {"page_size": 100})


@pytest.mark.parametrize("size", [1, 60])
def test_a_students_own_courses(make_user, client_for, student_with, django_assert_max_num_queries, size):
    student = student_with(size)
    student.user = make_user()
    student.save()
    for course in student.courses.all():
        course.instructors.add(make_user(), make_user())
    client = client_for(student.user)
    with django_assert_max_num_queries(BUDGETS["own_courses"]):
        response = client.get(f"/api/v1/students/{student.pk}/courses/", {"page_size": 100})
    assert len(response.json()["results"]) == size


@pytest.mark.parametrize("size", [1, 60])
def test_a_course_roster(reader, make_user, django_assert_max_num_queries, size):
    course = CourseFactory()
    for _ in range(size):
        student = StudentFactory(user=make_user())
        EnrollmentFactory(student=student, course=course)
    with django_assert_max_num_queries(BUDGETS["roster"]):
        reader.get(f"/api/v1/courses/{course.pk}/students/", {"page_size": 100})


@pytest.mark.parametrize("size", [1, 60])
def test_a_course_roster_read_by_its_instructor(make_user, client_for, django_assert_max_num_queries, size):
    course = CourseFactory()
    instructor = make_user()
    course.instructors.add(instructor)
    for student in StudentFactory.create_batch(size):
        EnrollmentFactory(student=student, course=course)
    client = client_for(instructor)
    with django_assert_max_num_queries(BUDGETS["roster_instructor"]):
        response = client.get(f"/api/v1/courses/{course.pk}/students/", {"page_size": 100})
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", [1, 60])
def test_the_course_list_with_enrolled_counts(reader, make_user, django_assert_max_num_queries, size):
    for course in CourseFactory.create_batch(size):
        EnrollmentFactory(course=course)
        course.instructors.add(make_user())
    with django_assert_max_num_queries(BUDGETS["courses"]):
        reader.get("/api/v1/courses/", {"page_size": 100, "has_seats": "true"})


@pytest.mark.parametrize("size", [1, 60])
def test_the_student_list(reader, make_user, django_assert_max_num_queries, size):
    for _ in range(size):
        StudentFactory(user=make_user())
    with django_assert_max_num_queries(BUDGETS["students"]):
        reader.get("/api/v1/students/", {"page_size": 100, "search": "example"})


@pytest.mark.parametrize("size", [1, 100])
def test_enrolling(registrar, django_assert_max_num_queries, size):
    student = StudentFactory()
    course_ids = [c.pk for c in CourseFactory.create_batch(size, capacity=500)]
    with django_assert_max_num_queries(BUDGETS["enroll"]):
        response = registrar.post(
            f"/api/v1/students/{student.pk}/courses/", {"course_ids": course_ids}, format="json"
        )
    assert response.status_code == 201


@pytest.mark.parametrize("size", [1, 100])
def test_a_student_enrolling_themself(make_user, client_for, django_assert_max_num_queries, size):
    student = StudentFactory(user=make_user())
    course_ids = [c.pk for c in CourseFactory.create_batch(size, capacity=500)]
    client = client_for(student.user)
    with django_assert_max_num_queries(BUDGETS["enroll_own"]):
        response = client.post(
            f"/api/v1/students/{student.pk}/courses/", {"course_ids": course_ids}, format="json"
        )
    assert response.status_code == 201


def test_unknown_ids_are_checked_with_one_query_for_the_whole_list(registrar):
    student = StudentFactory()
    url = f"/api/v1/students/{student.pk}/courses/"

    def refused(course_ids):
        with CaptureQueriesContext(connection) as captured:
            response = registrar.post(url, {"course_ids": course_ids}, format="json")
        assert response.status_code == 400
        return [q["sql"] for q in captured if "courses_course" in q["sql"]]

    one, hundred = refused([10**9]), refused(list(range(10**9, 10**9 + 100)))
    assert len(one) == len(hundred) == 1


def test_a_student_inside_open_windows_has_no_permissions_read(make_user, client_for):
    """Whether a writer is bound by enrollment windows matters only when a window is closed."""
    student = StudentFactory(user=make_user())
    now = timezone.now()
    always, open_now = (
        CourseFactory(capacity=5, waitlist_capacity=5),
        CourseFactory(
            capacity=1,
            enrollment_opens_at=now - timedelta(days=1),
            enrollment_closes_at=now + timedelta(days=1),
        ),
    )
    EnrollmentFactory(course=always)
    client = client_for(student.user)
    for call in (
        lambda: client.post(
            f"/api/v1/students/{student.pk}/courses/", {"course_ids": [open_now.pk]}, format="json"
        ),
        lambda: client.post(
            f"/api/v1/students/{student.pk}/waitlist/", {"course_id": always.pk}, format="json"
        ),
        lambda: client.delete(f"/api/v1/students/{student.pk}/courses/{open_now.pk}/"),
    ):
        with CaptureQueriesContext(connection) as captured:
            assert call().status_code < 300
        assert not [q["sql"] for q in captured if "auth_permission" in q["sql"]]
