"""Each course's enrolled_count follows every write of the enrollment service."""

import pytest
from django.db import IntegrityError, transaction

from courses.models import Course
from courses.tests.factories import CourseFactory
from students.exceptions import CoursesFull
from students.services import (
    enrollment_create,
    enrollment_create_many,
    enrollment_delete,
    enrollments_bulk_create,
    student_delete,
)
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


def assert_counts_exact():
    for course in Course.objects.all():
        assert course.enrolled_count == course.enrollments.count(), course


def test_counts_follow_every_write():
    courses = CourseFactory.create_batch(3, capacity=10)
    students = StudentFactory.create_batch(4)
    enrollment_create(student=students[0], course_ids=[c.pk for c in courses])
    enrollment_create(student=students[0], course_ids=[courses[0].pk])  # again: no change
    enrollment_create_many(students=students[1:], course_ids=[courses[1].pk])
    enrollments_bulk_create(pairs=[(s.pk, courses[2].pk) for s in students])
    assert_counts_exact()
    enrollment_delete(student=students[0], course_id=courses[0].pk)
    student_delete(student=students[1])
    assert_counts_exact()
    assert Course.objects.get(pk=courses[1].pk).enrolled_count == 3


def test_refused_requests_change_no_count():
    full = CourseFactory(capacity=1)
    EnrollmentFactory(course=full)
    free = CourseFactory(capacity=5)
    with pytest.raises(CoursesFull):
        enrollment_create(student=StudentFactory(), course_ids=[free.pk, full.pk])
    assert Course.objects.get(pk=free.pk).enrolled_count == 0
    assert_counts_exact()


def test_the_api_gives_seats_back_when_a_student_is_deleted(registrar):
    enrollment = EnrollmentFactory(course=CourseFactory(capacity=1))
    assert registrar.delete(f"/api/v1/students/{enrollment.student_id}/").status_code == 204
    assert Course.objects.get(pk=enrollment.course_id).enrolled_count == 0
    other = StudentFactory()
    response = registrar.post(
        f"/api/v1/students/{other.pk}/courses/", {"course_ids": [enrollment.course_id]}, format="json"
    )
    assert response.status_code == 201


def test_the_database_refuses_an_over_full_course():
    course = CourseFactory(capacity=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.filter(pk=course.pk).update(enrolled_count=3)
