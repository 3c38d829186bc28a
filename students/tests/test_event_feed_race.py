"""The change feed's promise under concurrent commits: a poller that follows `next_after` gets
every event exactly once, in id order, and replaying them rebuilds the enrollments.

Writers on several connections enroll and drop at random, each holding its transaction open a
few milliseconds after its write, so that (were ids not given in commit order) a later id would
often commit before an earlier one and a poller would step over the earlier. PostgreSQL only:
SQLite has one writer at a time, and its in-memory test database cannot be shared by threads.
"""

import random
import threading
import time

import pytest
from django.db import connection, transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from courses.tests.factories import CourseFactory
from students.exceptions import CoursesFull, NotEnrolled
from students.models import Enrollment, EnrollmentEvent, Student
from students.services import enrollment_create, enrollment_delete
from students.tests.factories import StudentFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent commits need PostgreSQL"),
]

WRITERS = 4
CHANGES_PER_WRITER = 40


def write_at_random(seed, student_ids, course_ids, errors):
    chance = random.Random(seed)
    try:
        for _ in range(CHANGES_PER_WRITER):
            student_id, course_id = chance.choice(student_ids), chance.choice(course_ids)
            try:
                with transaction.atomic():
                    student = Student(pk=student_id)
                    if chance.random() < 0.6:
                        enrollment_create(student=student, course_ids=[course_id])
                    else:
                        enrollment_delete(student=student, course_id=course_id)
                    time.sleep(chance.random() * 0.004)  # commit a little later
            except (CoursesFull, NotEnrolled):
                pass
    except Exception as error:  # reported by the test, not lost in the thread
        errors.append(error)
    finally:
        connection.close()


def follow_the_feed(token, writers_done, received, errors):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    chance = random.Random(7)
    after = 0
    try:
        while True:
            finished = writers_done.is_set()  # read before polling: the last poll sees everything
            body = client.get(
                "/api/v1/enrollment-events/", {"after": after, "limit": chance.randint(1, 9)}
            ).json()
            received.extend(body["results"])
            after = body["next_after"]
            if finished and not body["results"]:
                return
    except Exception as error:
        errors.append(error)
    finally:
        connection.close()


@pytest.mark.parametrize("run", range(10))
def test_a_poller_following_the_cursor_gets_every_event_once_in_order(make_user, run):
    token = Token.objects.create(user=make_user(superuser=True)).key
    student_ids = [s.pk for s in StudentFactory.create_batch(6)]
    course_ids = [c.pk for c in CourseFactory.create_batch(3, capacity=4)]
    writers_done, received, errors = threading.Event(), [], []
    writers = [
        threading.Thread(target=write_at_random, args=(run * 100 + n, student_ids, course_ids, errors))
        for n in range(WRITERS)
    ]
    poller = threading.Thread(target=follow_the_feed, args=(token, writers_done, received, errors))
    poller.start()
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
    writers_done.set()
    poller.join(timeout=120)
    assert not poller.is_alive() and not any(w.is_alive() for w in writers), "a thread hung"
    assert not errors, errors

    ids = [event["id"] for event in received]
    assert ids == sorted(set(ids)), "an event came twice or out of order"
    table = list(EnrollmentEvent.objects.order_by("id").values_list("id", flat=True))
    assert len(table) > WRITERS * 10  # the writers did write
    assert ids == table, f"the poller missed {sorted(set(table) - set(ids))[:10]}"

    replayed = set()
    for event in received:
        pair = (event["student_id"], event["course_id"])
        if event["action"] == "enrolled":
            assert pair not in replayed
            replayed.add(pair)
        else:
            assert pair in replayed
            replayed.remove(pair)
    assert replayed == set(Enrollment.objects.values_list("student_id", "course_id"))
