"""What courses show and refuse because of enrollments: counts, seats, capacity, deletion."""

import pytest

from courses.models import Course
from courses.tests.factories import CourseFactory
from school.tests.problems import assert_problem, error_fields
from students.tests.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/courses/"


def test_enrolled_count_in_list_and_detail(reader):
    busy, empty = CourseFactory(), CourseFactory()
    EnrollmentFactory.create_batch(3, course=busy)
    results = {c["id"]: c for c in reader.get(URL).json()["results"]}
    assert results[busy.pk]["enrolled_count"] == 3
    assert results[empty.pk]["enrolled_count"] == 0
    assert reader.get(f"{URL}{busy.pk}/").json()["enrolled_count"] == 3


def test_enrolled_count_is_read_only_and_zero_on_create(registrar):
    body = registrar.post(URL, {"code": "RO1", "title": "T", "enrolled_count": 40}, format="json").json()
    assert body["enrolled_count"] == 0


@pytest.mark.parametrize(("value", "expected"), [("true", {"OPEN", "UNLIMITED"}), ("false", {"FULL"})])
def test_has_seats(reader, value, expected):
    full = CourseFactory(code="FULL", capacity=2)
    EnrollmentFactory.create_batch(2, course=full)
    open_course = CourseFactory(code="OPEN", capacity=2)
    EnrollmentFactory(course=open_course)
    CourseFactory(code="UNLIMITED", capacity=None)
    codes = {c["code"] for c in reader.get(URL, {"has_seats": value}).json()["results"]}
    assert codes == expected


@pytest.mark.parametrize("value", ["yes", "1", "TRUE ", "\x00"])
def test_a_malformed_has_seats_is_400(reader, value):
    body = assert_problem(reader.get(URL, {"has_seats": value}), 400, "validation_error")
    assert error_fields(body) == {"has_seats"}


def test_deleting_a_course_with_enrollments_is_409_and_keeps_it(registrar):
    course = CourseFactory()
    EnrollmentFactory(course=course)
    assert_problem(registrar.delete(f"{URL}{course.pk}/"), 409, "course_has_enrollments")
    assert Course.objects.filter(pk=course.pk).exists()


def test_lowering_capacity_below_the_enrollment_is_400_naming_capacity(registrar):
    course = CourseFactory(capacity=5)
    EnrollmentFactory.create_batch(3, course=course)
    response = registrar.patch(f"{URL}{course.pk}/", {"capacity": 2}, format="json")
    body = assert_problem(response, 400, "validation_error")
    assert error_fields(body) == {"capacity"}
    course.refresh_from_db()
    assert course.capacity == 5


def test_capacity_may_go_down_to_the_enrollment_or_to_unlimited(registrar):
    course = CourseFactory(capacity=5)
    EnrollmentFactory.create_batch(3, course=course)
    assert registrar.patch(f"{URL}{course.pk}/", {"capacity": 3}, format="json").status_code == 200
    assert (
        registrar.put(
            f"{URL}{course.pk}/", {"code": course.code, "title": "T", "capacity": None}, format="json"
        ).json()["capacity"]
        is None
    )


def test_an_update_writes_only_its_fields_over_a_concurrent_change():
    from courses.services import course_update

    stale = CourseFactory(capacity=10, title="Old")
    Course.objects.filter(pk=stale.pk).update(capacity=4)  # someone else, after we read
    course_update(course=stale, title="New")
    fresh = Course.objects.get(pk=stale.pk)
    assert (fresh.title, fresh.capacity) == ("New", 4)
