"""Each endpoint costs a fixed number of queries, whatever the size of its page or request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.tests.factories import CourseFactory
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

# Token + user (1), permissions (up to 2 for writes), the lookups, the page (count + rows),
# savepoints around writes. The numbers are ceilings: a change that adds a query per row fails.
BUDGETS = {
    "student_courses": 2,  # token, then page and total in one query
    "roster": 4,
    "courses": 3,
    "students": 3,
    "enroll": 12,  # ...plus the student row lock, and the course row locks
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
def test_a_course_roster(reader, django_assert_max_num_queries, size):
    course = CourseFactory()
    for student in StudentFactory.create_batch(size):
        EnrollmentFactory(student=student, course=course)
    with django_assert_max_num_queries(BUDGETS["roster"]):
        reader.get(f"/api/v1/courses/{course.pk}/students/", {"page_size": 100})


@pytest.mark.parametrize("size", [1, 60])
def test_the_course_list_with_enrolled_counts(reader, django_assert_max_num_queries, size):
    for course in CourseFactory.create_batch(size):
        EnrollmentFactory(course=course)
    with django_assert_max_num_queries(BUDGETS["courses"]):
        reader.get("/api/v1/courses/", {"page_size": 100, "has_seats": "true"})


@pytest.mark.parametrize("size", [1, 60])
def test_the_student_list(reader, django_assert_max_num_queries, size):
    StudentFactory.create_batch(size)
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
