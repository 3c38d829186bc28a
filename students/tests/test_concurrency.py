"""Seat limits under real concurrency: threads, each with its own database connection.

PostgreSQL only: the rules rely on its row locks. (SQLite serializes whole write transactions
instead; its in-memory test database cannot be shared by threads.)
"""

import random
import threading
from unittest import mock

import pytest
from django.db import OperationalError, connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from courses.tests.factories import CourseFactory
from students import services
from students.models import Enrollment
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db(transaction=True)

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrency tests need PostgreSQL row locks: run with DATABASE_URL=postgres://...",
)


def race(token, requests):
    """Send every (student_id, course_ids) request at once, one thread and connection each."""
    barrier = threading.Barrier(len(requests))
    answers = [None] * len(requests)

    def send(index, student_id, course_ids):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            barrier.wait(timeout=30)
            response = client.post(
                f"/api/v1/students/{student_id}/courses/", {"course_ids": course_ids}, format="json"
            )
            answers[index] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request hung: deadlock?"
    return answers


@pytest.fixture
def token(make_user):
    # A superuser: transactional tests start from a flushed database, without the Registrar
    # group that a data migration makes.
    return Token.objects.create(user=make_user(superuser=True)).key


@needs_postgresql
def test_students_racing_for_the_last_seats_get_exactly_capacity(token):
    course = CourseFactory(capacity=5)
    students = StudentFactory.create_batch(24)
    answers = race(token, [(s.pk, [course.pk]) for s in students])
    statuses = sorted(status for status, _ in answers)
    assert statuses.count(201) == 5
    assert statuses.count(409) == 19
    assert all(body["code"] == "course_full" for status, body in answers if status == 409)
    assert course.enrollments.count() == 5
    course.refresh_from_db()
    assert course.enrolled_count == 5


@needs_postgresql
def test_multi_course_requests_never_deadlock_split_or_overfill(token):
    courses = [CourseFactory(capacity=4) for _ in range(5)]
    students = StudentFactory.create_batch(24)
    rng = random.Random(7)
    requests = []
    for student in students:
        chosen = rng.sample(courses, k=rng.randint(2, 4))
        requests.append((student.pk, [c.pk for c in chosen]))  # random order: the service sorts
    answers = race(token, requests)
    assert {status for status, _ in answers} <= {201, 409}
    for course in courses:
        assert course.enrollments.count() <= 4
        course.refresh_from_db()
        assert course.enrolled_count == course.enrollments.count()
    for (student_id, course_ids), (status, _) in zip(requests, answers, strict=True):
        enrolled = set(Enrollment.objects.filter(student_id=student_id).values_list("course_id", flat=True))
        assert enrolled == (set(course_ids) if status == 201 else set())


@needs_postgresql
def test_the_same_request_many_times_at_once_makes_one_enrollment(token):
    student = StudentFactory()
    courses = [CourseFactory(capacity=1), CourseFactory(capacity=None)]
    answers = race(token, [(student.pk, [c.pk for c in courses])] * 12)
    statuses = [status for status, _ in answers]
    assert set(statuses) <= {200, 201}
    assert statuses.count(201) == 1
    assert Enrollment.objects.filter(student=student).count() == 2


def deadlock():
    cause = Exception("deadlock detected")
    cause.sqlstate = "40P01"
    error = OperationalError("deadlock detected")
    error.__cause__ = cause
    return error


def test_a_deadlock_is_retried_then_succeeds():
    student, course = StudentFactory(), CourseFactory()
    real = services._enroll
    with mock.patch.object(
        services, "_enroll", side_effect=[deadlock(), real(student=student, course_ids=[course.pk])]
    ):
        result = services.enrollment_create(student=student, course_ids=[course.pk])
    assert result.created_course_ids == [course.pk]


def test_retries_are_bounded():
    student, course = StudentFactory(), CourseFactory()
    with (
        mock.patch.object(services, "_enroll", side_effect=[deadlock()] * services.ATTEMPTS) as attempt,
        pytest.raises(OperationalError),
    ):
        services.enrollment_create(student=student, course_ids=[course.pk])
    assert attempt.call_count == services.ATTEMPTS


def test_other_database_errors_are_not_retried():
    student, course = StudentFactory(), CourseFactory()
    with (
        mock.patch.object(services, "_enroll", side_effect=OperationalError("disk full")) as attempt,
        pytest.raises(OperationalError),
    ):
        services.enrollment_create(student=student, course_ids=[course.pk])
    assert attempt.call_count == 1
