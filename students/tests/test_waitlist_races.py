"""Nobody jumps the queue, under real concurrency: students dropping, joining, leaving and
enrolling at once on a nearly full course, each request on its own connection. Afterwards the
seats are full or nobody waits, every promotion went to the first in line, nobody enrolled past
a waiting student, the counts match the rows, and the events replay to the rows.

PostgreSQL only (row locks; SQLite's in-memory test database cannot be shared by threads).
"""

import random
import threading

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from courses.models import Course
from courses.tests.factories import CourseFactory
from students.models import Enrollment, EnrollmentEvent, WaitlistEntry
from students.services import enrollment_create, waitlist_join
from students.tests.factories import StudentFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
]


def check_the_line(course):
    """Replay the course's events: each promotion is the first in line, and nobody enrolls
    directly while someone waits; the replay gives the rows."""
    line, seats, promoted = [], set(), None
    for student_id, action in (
        EnrollmentEvent.objects.filter(course_id=course.pk).order_by("id").values_list("student_id", "action")
    ):
        if action == "waitlisted":
            line.append(student_id)
        elif action == "left_waitlist":
            line.remove(student_id)
        elif action == "promoted":
            assert line and line[0] == student_id, f"{student_id} promoted ahead of {line}"
            line.pop(0)
            promoted = student_id
        elif action == "enrolled":
            if student_id != promoted:
                assert not line, f"{student_id} enrolled while {line} waited"
            promoted = None
            seats.add(student_id)
        elif action == "dropped":
            seats.remove(student_id)
    assert seats == set(Enrollment.objects.filter(course=course).values_list("student_id", flat=True))
    assert line == list(
        WaitlistEntry.objects.filter(course=course).order_by("id").values_list("student_id", flat=True)
    )
    return seats, line


@pytest.mark.parametrize("run", range(10))
def test_nobody_jumps_the_queue_under_concurrency(make_user, run):
    chance = random.Random(run)
    course = CourseFactory(capacity=3, waitlist_capacity=6)
    holders, waiting, newcomers = (StudentFactory.create_batch(n) for n in (3, 3, 6))
    for student in holders:
        enrollment_create(student=student, course_ids=[course.pk])
    for student in waiting:
        waitlist_join(student=student, course_id=course.pk)
    token = Token.objects.create(user=make_user(superuser=True)).key
    base = "/api/v1/students/{}/"
    actions = (
        [("delete", base.format(s.pk) + f"courses/{course.pk}/", None) for s in holders[:2]]
        + [("delete", base.format(waiting[1].pk) + f"waitlist/{course.pk}/", None)]
        + [("post", base.format(s.pk) + "waitlist/", {"course_id": course.pk}) for s in newcomers[:4]]
        + [("post", base.format(s.pk) + "courses/", {"course_ids": [course.pk]}) for s in newcomers[4:]]
    )
    chance.shuffle(actions)
    barrier, answers, errors = threading.Barrier(len(actions)), [], []

    def send(method, path, body):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            barrier.wait(timeout=30)
            response = getattr(client, method)(path, body, format="json")
            answers.append((method, path, response.status_code))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=action) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    assert not errors, errors
    assert all(status < 500 for _, _, status in answers), answers
    # Direct enrollments are refused: the line always has someone in it or the seats are full.
    assert all(status == 409 for method, path, status in answers if path.endswith("/courses/")), answers

    course.refresh_from_db()
    seats, line = check_the_line(course)
    assert course.enrolled_count == len(seats) and course.waitlist_count == len(line)
    assert not line or len(seats) == course.capacity, "a free seat while someone waits"
    assert Course.objects.filter(pk=course.pk).values_list("enrolled_count", flat=True).get() == 3
