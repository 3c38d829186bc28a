"""Self-service and account links under real concurrency: threads, each with its own connection.

PostgreSQL only (row locks; SQLite's in-memory test database cannot be shared by threads).
"""

import threading

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from courses.tests.factories import CourseFactory
from students.models import Student
from students.tests.factories import StudentFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="races need PostgreSQL row locks"),
]


def at_once(calls):
    """Run every `call(client_factory)` at the same moment, one thread and connection each;
    returns their (status, body) answers in order."""
    barrier = threading.Barrier(len(calls))
    answers = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            response = call()
            answers[index] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    return answers


def client_of(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.mark.parametrize("attempt", range(5))
def test_students_enrolling_themselves_for_the_last_seats_get_exactly_capacity(make_user, attempt):
    course = CourseFactory(capacity=3)
    students = [StudentFactory(user=make_user()) for _ in range(12)]
    clients = [(student.pk, client_of(student.user)) for student in students]
    answers = at_once(
        [
            lambda pk=pk, client=client: client.post(
                f"/api/v1/students/{pk}/courses/", {"course_ids": [course.pk]}, format="json"
            )
            for pk, client in clients
        ]
    )
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] * 3 + [409] * 9, answers
    assert all(body["code"] == "course_full" for status, body in answers if status == 409)
    course.refresh_from_db()
    assert course.enrolled_count == course.enrollments.count() == 3


@pytest.mark.parametrize("attempt", range(5))
def test_one_account_linked_to_two_students_at_once_links_one(make_user, attempt):
    account = make_user()
    first, second = StudentFactory(), StudentFactory()
    registrar = client_of(make_user(superuser=True))
    answers = at_once(
        [
            lambda student=student: registrar.patch(
                f"/api/v1/students/{student.pk}/", {"username": account.username}, format="json"
            )
            for student in (first, second)
        ]
    )
    statuses = sorted(status for status, _ in answers)
    assert statuses[0] == 200 and statuses[1] in (400, 409), answers
    # The loser hears why: the account is taken (400 naming username), or a concurrent write
    # won (409 conflict, and a retry answers 400).
    loser = max(answers, key=lambda answer: answer[0])[1]
    assert loser["code"] in ("validation_error", "conflict")
    assert Student.objects.filter(user=account).count() == 1
