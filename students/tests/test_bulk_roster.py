"""Enrolling a class at once: POST /api/v1/courses/{id}/students/ (the bulk roster)."""

import threading

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from courses.tests.factories import CourseFactory
from school.tests.problems import assert_problem, error_fields
from students.models import Enrollment, EnrollmentEvent, WaitlistEntry
from students.services import enrollments_change
from students.tests.factories import EnrollmentFactory, StudentFactory


def roster_url(course_id):
    return f"/api/v1/courses/{course_id}/students/"


def post(client, course_id, student_ids):
    return client.post(roster_url(course_id), {"student_ids": student_ids}, format="json")


def pairs():
    return sorted(Enrollment.objects.values_list("student_id", "course_id"))


@pytest.mark.django_db
class TestBulkRoster:
    def test_enrolls_every_student_and_answers_their_roster_entries(self, registrar):
        course = CourseFactory(capacity=10)
        students = StudentFactory.create_batch(3)
        ids = [s.pk for s in reversed(students)]
        response = post(registrar, course.pk, [*ids, ids[0]])  # a repeat counts once
        assert response.status_code == 201, response.content
        assert response["Location"].endswith(roster_url(course.pk))
        body = response.json()
        assert [entry["id"] for entry in body] == sorted(ids)
        assert all(entry["enrolled_at"] for entry in body)
        assert pairs() == sorted((pk, course.pk) for pk in ids)
        course.refresh_from_db()
        assert course.enrolled_count == 3

    def test_all_enrolled_already_is_200_and_changes_nothing(self, registrar):
        course = CourseFactory()
        enrollment = EnrollmentFactory(course=course)
        events = EnrollmentEvent.objects.count()
        response = post(registrar, course.pk, [enrollment.student_id])
        assert response.status_code == 200
        assert [entry["id"] for entry in response.json()] == [enrollment.student_id]
        assert EnrollmentEvent.objects.count() == events

    def test_some_already_enrolled_is_201_and_the_others_are_added(self, registrar):
        course = CourseFactory(capacity=2)
        enrollment = EnrollmentFactory(course=course)
        newcomer = StudentFactory()
        response = post(registrar, course.pk, [enrollment.student_id, newcomer.pk])
        assert response.status_code == 201
        assert len(response.json()) == 2

    def test_unknown_students_are_named_and_nothing_is_written(self, registrar):
        course = CourseFactory()
        student = StudentFactory()
        body = assert_problem(
            post(registrar, course.pk, [10**9, student.pk, 999_999]), 400, "unknown_student"
        )
        assert body["invalid_student_ids"] == [999_999, 10**9]
        assert pairs() == []

    def test_too_few_seats_is_course_full_with_the_seats_left_and_nothing_written(self, registrar):
        course = CourseFactory(capacity=3)
        EnrollmentFactory(course=course)
        students = StudentFactory.create_batch(3)
        before = pairs()
        body = assert_problem(post(registrar, course.pk, [s.pk for s in students]), 409, "course_full")
        assert body["seats_left"] == 2
        assert body["full_course_ids"] == [course.pk]
        assert pairs() == before

    def test_only_new_enrollments_count_against_the_seats(self, registrar):
        course = CourseFactory(capacity=2)
        enrolled = EnrollmentFactory(course=course)
        newcomer = StudentFactory()
        assert post(registrar, course.pk, [enrolled.student_id, newcomer.pk]).status_code == 201

    def test_nobody_passes_the_students_waiting(self, registrar):
        course = CourseFactory(capacity=1, waitlist_capacity=5)
        EnrollmentFactory(course=course)
        waiting = StudentFactory()
        WaitlistEntry.objects.create(student=waiting, course=course)
        Enrollment.objects.filter(course=course).delete()  # the waiting student is promoted
        assert pairs() == [(waiting.pk, course.pk)]
        WaitlistEntry.objects.create(student=StudentFactory(), course=course)
        body = assert_problem(post(registrar, course.pk, [StudentFactory().pk]), 409, "course_full")
        assert body["seats_left"] == 0
        assert body["waitlist_available"] is True

    def test_events_are_written_as_the_caller_through_the_api(self, make_user, client_for):
        user = make_user(group="Registrar")
        course = CourseFactory()
        student = StudentFactory()
        post(client_for(user), course.pk, [student.pk])
        event = EnrollmentEvent.objects.get(student_id=student.pk)
        assert (event.action, event.source, event.actor) == ("enrolled", "api", user.username)

    def test_unknown_course_is_404_before_the_body_is_read(self, registrar):
        assert_problem(post(registrar, 10**9, "not a list"), 404, "not_found")

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "student_ids"),
            ({"student_ids": []}, "student_ids"),
            ({"student_ids": ["1"]}, "student_ids.0"),
            ({"student_ids": [0]}, "student_ids.0"),
            ({"student_ids": [True]}, "student_ids.0"),
            ({"student_ids": 5}, "student_ids"),
        ],
    )
    def test_a_malformed_body_is_a_validation_error(self, registrar, body, field):
        course = CourseFactory()
        response = registrar.post(roster_url(course.pk), body, format="json")
        assert field in error_fields(assert_problem(response, 400, "validation_error"))

    def test_more_than_a_thousand_ids_is_one_problem_without_looking_at_them(self, registrar):
        course = CourseFactory()
        body = assert_problem(post(registrar, course.pk, ["x"] * 1001), 400, "validation_error")
        assert [error["code"] for error in body["errors"]] == ["max_length"]

    def test_a_thousand_students_at_once(self, registrar, django_assert_max_num_queries):
        course = CourseFactory()
        students = StudentFactory.create_batch(1000)
        with django_assert_max_num_queries(25):
            response = post(registrar, course.pk, [s.pk for s in students])
        assert response.status_code == 201
        assert len(response.json()) == 1000
        course.refresh_from_db()
        assert course.enrolled_count == 1000


@pytest.mark.django_db
class TestEnrollmentsChange:
    """The bulk path itself (imports use it too): drops first, then enrollments."""

    def test_drops_free_seats_for_the_enrollments_of_the_same_call(self):
        course = CourseFactory(capacity=1)
        leaving = EnrollmentFactory(course=course).student
        coming = StudentFactory()
        result = enrollments_change(enroll=[(coming.pk, course.pk)], drop=[(leaving.pk, course.pk)])
        assert result.dropped == [(leaving.pk, course.pk)]
        assert result.enrolled == [(coming.pk, course.pk)]
        assert pairs() == [(coming.pk, course.pk)]

    def test_seats_freed_by_drops_go_to_the_first_waiting_first(self):
        course = CourseFactory(capacity=1, waitlist_capacity=5)
        leaving = EnrollmentFactory(course=course).student
        waiting = StudentFactory()
        WaitlistEntry.objects.create(student=waiting, course=course)
        coming = StudentFactory()
        with pytest.raises(Exception) as refused:
            enrollments_change(enroll=[(coming.pk, course.pk)], drop=[(leaving.pk, course.pk)])
        assert refused.value.refused == [(coming.pk, course.pk)]
        assert pairs() == [(leaving.pk, course.pk)]  # all or nothing: the drop is undone too

    def test_refused_pairs_are_those_beyond_the_seats_in_the_order_asked(self):
        course = CourseFactory(capacity=2)
        first, second, third = StudentFactory.create_batch(3)
        with pytest.raises(Exception) as refused:
            enrollments_change(enroll=[(third.pk, course.pk), (first.pk, course.pk), (second.pk, course.pk)])
        assert refused.value.refused == [(second.pk, course.pk)]
        assert refused.value.seats_left == {course.pk: 2}

    def test_dropping_someone_not_enrolled_changes_nothing(self):
        course = CourseFactory()
        student = StudentFactory()
        assert enrollments_change(drop=[(student.pk, course.pk)]).dropped == []


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency tests need PostgreSQL row locks"
)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("run", range(5))
def test_bulk_rosters_racing_for_the_last_seats_never_overfill(make_user, run):
    """Four registrars enroll overlapping classes of 6 in a course of 10 seats at once, while
    single enrollments compete: every answer is all or nothing and the seats hold exactly."""
    token = Token.objects.create(user=make_user(superuser=True)).key
    course = CourseFactory(capacity=10)
    students = StudentFactory.create_batch(16)
    classes = [[s.pk for s in students[i : i + 6]] for i in (0, 3, 6, 10)]
    singles = [s.pk for s in students[12:]]
    barrier = threading.Barrier(len(classes) + len(singles))
    answers = {}

    def send(key, path, body):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            barrier.wait(timeout=30)
            response = client.post(path, body, format="json")
            answers[key] = response.status_code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(("class", i), roster_url(course.pk), {"student_ids": ids}))
        for i, ids in enumerate(classes)
    ] + [
        threading.Thread(
            target=send, args=(("single", pk), f"/api/v1/students/{pk}/courses/", {"course_ids": [course.pk]})
        )
        for pk in singles
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request hung: deadlock?"
    assert set(answers.values()) <= {200, 201, 409}, answers
    enrolled = {student_id for student_id, _ in pairs()}
    for (kind, key), status in answers.items():
        wanted = set(classes[key]) if kind == "class" else {key}
        if status == 409:
            continue
        assert wanted <= enrolled, (kind, key)
    # Every enrolled student came from an answer that succeeded: nothing half written.
    succeeded = set()
    for (kind, key), status in answers.items():
        if status in (200, 201):
            succeeded |= set(classes[key]) if kind == "class" else {key}
    assert enrolled == succeeded
    course.refresh_from_db()
    assert course.enrolled_count == len(enrolled) <= 10
