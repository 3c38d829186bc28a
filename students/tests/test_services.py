"""The enrollment rules, called directly as the admin and seed_demo call them."""

import pytest

from courses.exceptions import CapacityBelowEnrollment
from courses.services import capacity_check
from courses.tests.factories import CourseFactory
from students.exceptions import CoursesFull, NotEnrolled, StudentNotFound, UnknownCourses
from students.models import Enrollment, Student
from students.services import (
    enrollment_create,
    enrollment_delete,
    enrollments_bulk_create,
)
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


def test_reports_which_enrollments_are_new():
    student = StudentFactory()
    old, new = CourseFactory(), CourseFactory()
    EnrollmentFactory(student=student, course=old)
    result = enrollment_create(student=student, course_ids=[new.pk, old.pk, new.pk])
    assert result.course_ids == sorted([old.pk, new.pk])
    assert result.created_course_ids == [new.pk]
    assert result.created
    assert not enrollment_create(student=student, course_ids=[old.pk]).created


def test_unknown_courses_write_nothing():
    student = StudentFactory()
    course = CourseFactory()
    with pytest.raises(UnknownCourses) as excinfo:
        enrollment_create(student=student, course_ids=[course.pk, 10**9, 10**9 - 1])
    assert excinfo.value.course_ids == [10**9 - 1, 10**9]
    assert not Enrollment.objects.exists()


def test_one_full_course_refuses_the_whole_request():
    student = StudentFactory()
    full = CourseFactory(capacity=1)
    EnrollmentFactory(course=full)
    free = CourseFactory(capacity=5)
    with pytest.raises(CoursesFull) as excinfo:
        enrollment_create(student=student, course_ids=[free.pk, full.pk])
    assert excinfo.value.course_ids == [full.pk]
    assert not Enrollment.objects.filter(student=student).exists()


def test_full_course_ids_are_sorted_and_complete():
    student = StudentFactory()
    fulls = [CourseFactory(capacity=1) for _ in range(3)]
    for course in fulls:
        EnrollmentFactory(course=course)
    with pytest.raises(CoursesFull) as excinfo:
        enrollment_create(student=student, course_ids=[c.pk for c in reversed(fulls)])
    assert excinfo.value.course_ids == sorted(c.pk for c in fulls)


def test_only_new_enrollments_count_against_capacity():
    student = StudentFactory()
    course = CourseFactory(capacity=1)
    EnrollmentFactory(student=student, course=course)  # the course is full, with this student
    other = CourseFactory()
    result = enrollment_create(student=student, course_ids=[course.pk, other.pk])
    assert result.created_course_ids == [other.pk]


def test_the_last_seat_can_be_taken_and_then_not():
    course = CourseFactory(capacity=2)
    EnrollmentFactory(course=course)
    enrollment_create(student=StudentFactory(), course_ids=[course.pk])
    with pytest.raises(CoursesFull):
        enrollment_create(student=StudentFactory(), course_ids=[course.pk])
    assert course.enrollments.count() == 2


def test_no_capacity_means_unlimited():
    course = CourseFactory(capacity=None)
    for student in StudentFactory.create_batch(30):
        enrollment_create(student=student, course_ids=[course.pk])
    assert course.enrollments.count() == 30


def test_unenrolling_and_unenrolling_where_not_enrolled():
    enrollment = EnrollmentFactory()
    enrollment_delete(student=enrollment.student, course_id=enrollment.course_id)
    assert not Enrollment.objects.exists()
    with pytest.raises(NotEnrolled):
        enrollment_delete(student=enrollment.student, course_id=enrollment.course_id)
    with pytest.raises(NotEnrolled):
        enrollment_delete(student=enrollment.student, course_id=2**64)


def test_the_bulk_path_skips_existing_pairs_and_seats_that_are_gone():
    students = StudentFactory.create_batch(4)
    small = CourseFactory(capacity=2)
    big = CourseFactory(capacity=None)
    EnrollmentFactory(student=students[0], course=small)
    pairs = [(s.pk, c.pk) for s in students for c in (small, big)]
    created = enrollments_bulk_create(pairs=pairs + pairs)
    assert created == 1 + 4  # one seat left in `small`; all four in `big`
    assert small.enrollments.count() == 2
    assert big.enrollments.count() == 4
    assert enrollments_bulk_create(pairs=pairs) == 0


def test_the_bulk_path_refuses_unknown_courses():
    student = StudentFactory()
    with pytest.raises(UnknownCourses):
        enrollments_bulk_create(pairs=[(student.pk, 10**9)])
    assert not Enrollment.objects.exists()


def test_a_student_deleted_meanwhile_is_not_found_not_a_conflict():
    student, course = StudentFactory(), CourseFactory()
    Student.objects.filter(pk=student.pk).delete()  # another request deleted them
    with pytest.raises(StudentNotFound):
        enrollment_create(student=student, course_ids=[course.pk])
    assert not Enrollment.objects.exists()


def test_the_bulk_path_refuses_unknown_students():
    course = CourseFactory()
    with pytest.raises(StudentNotFound):
        enrollments_bulk_create(pairs=[(10**9, course.pk)])


def test_capacity_cannot_go_below_the_enrollment():
    course = CourseFactory(capacity=3)
    EnrollmentFactory.create_batch(2, course=course)
    course.refresh_from_db()
    capacity_check(course=course, capacity=2)
    with pytest.raises(CapacityBelowEnrollment) as excinfo:
        capacity_check(course=course, capacity=1)
    assert (excinfo.value.capacity, excinfo.value.enrolled) == (1, 2)
