"""The seat invariants under real concurrency (PostgreSQL, threads with their own connections),
each race repeated: writers through the service and around it, at the same moment."""

import threading

import pytest
from django.db import IntegrityError, connection

from courses.exceptions import CapacityBelowEnrollment
from courses.models import Course
from courses.services import course_update
from courses.tests.factories import CourseFactory
from students.exceptions import CoursesFull, NotEnrolled
from students.models import Enrollment, Student
from students.services import (
    enrollment_create,
    enrollment_delete,
    student_delete,
)
from students.tests.factories import EnrollmentFactory, StudentFactory
from students.tests.test_invariants import assert_counts_exact

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL"),
]
ROUNDS = range(10)


def at_once(*actions):
    """Run every action in its own thread and connection, released together; returns each one's
    result or the exception it raised."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = action()
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a writer hung: deadlock?"
    return outcomes


def rows(course):
    return Enrollment.objects.filter(course=course).count()


@pytest.mark.parametrize("round_number", ROUNDS)
def test_unenrolling_while_the_student_is_deleted_gives_the_seat_back_once(round_number):
    course = CourseFactory(capacity=2)
    leaving, staying = StudentFactory.create_batch(2)
    for student in (leaving, staying):
        enrollment_create(student=student, course_ids=[course.pk])
    # Each writer with its own instance, as two requests would have.
    unenrolling, deleting = Student.objects.get(pk=leaving.pk), Student.objects.get(pk=leaving.pk)
    outcomes = at_once(
        lambda: enrollment_delete(student=unenrolling, course_id=course.pk),
        lambda: student_delete(student=deleting),
    )
    assert outcomes[1] is None
    assert outcomes[0] is None or isinstance(outcomes[0], NotEnrolled)
    assert not Student.objects.filter(pk=leaving.pk).exists()
    assert Course.objects.get(pk=course.pk).enrolled_count == rows(course) == 1
    # Exactly one seat is free: of three students racing for it, one gets it.
    late = StudentFactory.create_batch(3)
    outcomes = at_once(*[lambda s=s: enrollment_create(student=s, course_ids=[course.pk]) for s in late])
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert all(isinstance(o, CoursesFull) for o in outcomes if isinstance(o, Exception))
    assert Course.objects.get(pk=course.pk).enrolled_count == rows(course) == 2
    assert_counts_exact()


@pytest.mark.parametrize("round_number", ROUNDS)
def test_unenrolling_while_the_capacity_is_lowered_never_over_fills(round_number):
    course = CourseFactory(capacity=3)
    students = StudentFactory.create_batch(3)
    for student in students:
        enrollment_create(student=student, course_ids=[course.pk])
    outcomes = at_once(
        lambda: enrollment_delete(student=students[0], course_id=course.pk),
        lambda: course_update(course=course, capacity=2),
        lambda: StudentFactory().courses.add(course),  # around the service, for the freed seat
    )
    assert outcomes[0] is None
    course.refresh_from_db()
    assert course.enrolled_count == rows(course)
    assert course.enrolled_count <= course.capacity
    if course.capacity == 2:  # lowered: the unenrollment went first and nobody took its seat
        assert outcomes[1].pk == course.pk
        assert isinstance(outcomes[2], IntegrityError)
    else:  # refused below the enrollment of that moment
        assert isinstance(outcomes[1], CapacityBelowEnrollment)
    assert_counts_exact()


@pytest.mark.parametrize("round_number", ROUNDS)
def test_writers_around_the_service_race_for_seats_and_the_database_keeps_capacity(round_number):
    course = CourseFactory(capacity=3)
    EnrollmentFactory(course=course)
    students = StudentFactory.create_batch(8)
    outcomes = at_once(
        *[lambda s=s: s.courses.add(course) for s in students[:4]],
        *[lambda s=s: enrollment_create(student=s, course_ids=[course.pk]) for s in students[4:]],
    )
    assert sum(not isinstance(o, Exception) for o in outcomes) == 2
    assert all(isinstance(o, IntegrityError | CoursesFull) for o in outcomes if isinstance(o, Exception))
    assert Course.objects.get(pk=course.pk).enrolled_count == rows(course) == 3
    # And they all leave at once, by every door.
    leavers = list(Enrollment.objects.filter(course=course).select_related("student"))
    at_once(
        lambda: leavers[0].student.courses.remove(course),
        lambda: Student.objects.filter(pk=leavers[1].student_id).delete(),
        lambda: enrollment_delete(student=leavers[2].student, course_id=course.pk),
    )
    assert Course.objects.get(pk=course.pk).enrolled_count == rows(course) == 0
    assert_counts_exact()
