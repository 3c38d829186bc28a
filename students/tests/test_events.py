"""The enrollment history: an event for every change, by every writer, kept by the database;
a student's history and the change feed through the API."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from courses.tests.factories import CourseFactory
from school.tests.problems import assert_problem, error_fields
from students.events import writing_as
from students.models import Enrollment, EnrollmentEvent
from students.services import enrollment_create, enrollment_delete, student_delete
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

FEED = "/api/v1/enrollment-events/"


def events(**filters):
    return list(EnrollmentEvent.objects.filter(**filters).values_list("student_id", "course_id", "action"))


def replay():
    """The enrollments the events say exist, replayed from the first."""
    enrolled = set()
    for student_id, course_id, action in EnrollmentEvent.objects.order_by("id").values_list(
        "student_id", "course_id", "action"
    ):
        if action == "enrolled":
            enrolled.add((student_id, course_id))
        elif action == "dropped":
            enrolled.discard((student_id, course_id))
    return enrolled


def enrollments():
    return set(Enrollment.objects.values_list("student_id", "course_id"))


def test_the_service_records_enrolled_and_dropped_with_the_writer():
    student, first, second = StudentFactory(), CourseFactory(), CourseFactory()
    with writing_as("registrar", "admin"):
        enrollment_create(student=student, course_ids=[second.pk, first.pk])
    enrollment_delete(student=student, course_id=first.pk)
    rows = list(EnrollmentEvent.objects.values_list("course_id", "action", "actor", "source"))
    assert rows == [
        (first.pk, "enrolled", "registrar", "admin"),
        (second.pk, "enrolled", "registrar", "admin"),
        (first.pk, "dropped", None, "system"),
    ]
    assert replay() == enrollments()


def test_enrolling_again_records_nothing():
    enrollment = EnrollmentFactory()
    before = EnrollmentEvent.objects.count()
    enrollment_create(student=enrollment.student, course_ids=[enrollment.course_id])
    assert EnrollmentEvent.objects.count() == before


def test_every_other_writer_is_recorded_too():
    student, other = StudentFactory(), StudentFactory()
    courses = CourseFactory.create_batch(4)
    student.courses.add(*courses[:3])  # the ORM's many-to-many
    student.courses.remove(courses[0])
    Enrollment.objects.filter(course=courses[1]).delete()  # a queryset delete
    Enrollment.objects.filter(course=courses[2]).update(student=other)  # a move
    with connection.cursor() as cursor:  # raw SQL
        cursor.execute(
            "INSERT INTO student_courses (student_id, course_id, enrolled_at) VALUES (%s, %s, %s)",
            [student.pk, courses[3].pk, "2026-01-01 00:00:00"],
        )
    assert events(student_id=student.pk) == [
        (student.pk, courses[0].pk, "enrolled"),
        (student.pk, courses[1].pk, "enrolled"),
        (student.pk, courses[2].pk, "enrolled"),
        (student.pk, courses[0].pk, "dropped"),
        (student.pk, courses[1].pk, "dropped"),
        (student.pk, courses[2].pk, "dropped"),
        (student.pk, courses[3].pk, "enrolled"),
    ]
    assert events(student_id=other.pk) == [(other.pk, courses[2].pk, "enrolled")]
    assert set(EnrollmentEvent.objects.values_list("source", flat=True)) == {"system"}
    assert replay() == enrollments()


def test_deleting_a_student_drops_each_enrollment_and_the_history_stays():
    student = StudentFactory()
    courses = CourseFactory.create_batch(2)
    enrollment_create(student=student, course_ids=[c.pk for c in courses])
    student_pk = student.pk
    student_delete(student=student)
    assert [action for _, _, action in events(student_id=student_pk)] == [
        "enrolled",
        "enrolled",
        "dropped",
        "dropped",
    ]
    # A cascade from the ORM, too.
    other = StudentFactory()
    enrollment_create(student=other, course_ids=[courses[0].pk])
    other_pk = other.pk
    other.delete()
    assert events(student_id=other_pk)[-1] == (other_pk, courses[0].pk, "dropped")
    assert replay() == enrollments() == set()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE enrollment_events SET action = 'dropped'",
        "DELETE FROM enrollment_events",
    ],
)
def test_the_history_cannot_be_changed_or_deleted(statement):
    EnrollmentFactory()
    before = events()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert events() == before


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite cannot tell a trigger's insert from another"
)
def test_only_the_triggers_append_on_postgresql():
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO enrollment_events (student_id, course_id, action, at, source) "
            "VALUES (1, 1, 'enrolled', now(), 'api')"
        )
    assert not EnrollmentEvent.objects.exists()


def test_a_refused_enrollment_leaves_no_event():
    course = CourseFactory(capacity=1)
    EnrollmentFactory(course=course)
    before = EnrollmentEvent.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - the domain error, or the database's refusal
        enrollment_create(student=StudentFactory(), course_ids=[course.pk])
    assert EnrollmentEvent.objects.count() == before


def test_the_api_records_the_signed_in_user_and_source_api(make_user, client_for):
    user = make_user(superuser=True)
    student, course = StudentFactory(), CourseFactory()
    client = client_for(user)
    client.post(f"/api/v1/students/{student.pk}/courses/", {"course_ids": [course.pk]}, format="json")
    client.delete(f"/api/v1/students/{student.pk}/courses/{course.pk}/")
    rows = list(EnrollmentEvent.objects.values_list("action", "actor", "source"))
    assert rows == [("enrolled", user.username, "api"), ("dropped", user.username, "api")]


def test_a_student_reads_their_history_oldest_first(make_user, client_for, reader):
    student = StudentFactory(user=make_user())
    courses = CourseFactory.create_batch(2)
    enrollment_create(student=student, course_ids=[c.pk for c in courses])
    enrollment_delete(student=student, course_id=courses[0].pk)
    EnrollmentFactory()  # someone else's
    body = client_for(student.user).get(f"/api/v1/students/{student.pk}/events/").json()
    assert body["count"] == 3
    assert [(e["course_id"], e["action"]) for e in body["results"]] == [
        (courses[0].pk, "enrolled"),
        (courses[1].pk, "enrolled"),
        (courses[0].pk, "dropped"),
    ]
    assert set(body["results"][0]) == {"id", "student_id", "course_id", "action", "at", "actor", "source"}
    assert body["results"][0]["at"].endswith("Z")
    assert reader.get(f"/api/v1/students/{student.pk}/events/").json()["count"] == 3


def test_the_history_of_an_unknown_student_is_404(reader):
    assert_problem(reader.get("/api/v1/students/999999/events/"), 404, "not_found")


def test_the_feed_follows_the_cursor_and_filters(reader):
    students, courses = StudentFactory.create_batch(2), CourseFactory.create_batch(3)
    for student in students:
        enrollment_create(student=student, course_ids=[c.pk for c in courses])
    enrollment_delete(student=students[0], course_id=courses[1].pk)
    every = list(EnrollmentEvent.objects.order_by("id").values_list("id", flat=True))
    assert len(every) == 7
    seen, after = [], 0
    while True:
        body = reader.get(FEED, {"after": after, "limit": 3}).json()
        assert len(body["results"]) <= 3
        seen += [event["id"] for event in body["results"]]
        if not body["results"]:
            assert body["next_after"] == after
            break
        after = body["next_after"]
        assert after == body["results"][-1]["id"]
    assert seen == every
    only = reader.get(FEED, {"student": students[0].pk, "course": courses[1].pk}).json()["results"]
    assert [(e["student_id"], e["course_id"], e["action"]) for e in only] == [
        (students[0].pk, courses[1].pk, "enrolled"),
        (students[0].pk, courses[1].pk, "dropped"),
    ]
    assert reader.get(FEED, {"after": every[-1]}).json() == {"results": [], "next_after": every[-1]}


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("after", "-1"),
        ("after", "x"),
        ("after", "1.5"),
        ("after", str(2**63)),
        ("limit", "0"),
        ("limit", "1001"),
        ("limit", "ten"),
        ("student", "0"),
        ("course", "-3"),
    ],
)
def test_bad_feed_parameters_are_400_naming_them(reader, param, value):
    body = assert_problem(reader.get(FEED, {param: value}), 400, "validation_error")
    assert error_fields(body) == {param}


def test_the_feed_costs_the_same_queries_whatever_its_length(reader, django_assert_max_num_queries):
    student = StudentFactory()
    enrollment_create(student=student, course_ids=[c.pk for c in CourseFactory.create_batch(50)])
    with django_assert_max_num_queries(4):  # token, the user's permissions (2), the events
        assert len(reader.get(FEED, {"limit": 1000}).json()["results"]) == 50


@pytest.mark.django_db(transaction=True)
def test_the_migration_writes_an_enrolled_event_for_every_existing_enrollment():
    from django.core.management import call_command

    call_command("migrate", "students", "0007", verbosity=0)
    try:
        student, courses = StudentFactory(), CourseFactory.create_batch(2)
        with connection.cursor() as cursor:
            for course, when in zip(courses, ["2026-02-01 10:00:00", "2026-01-01 09:00:00"], strict=True):
                cursor.execute(
                    "INSERT INTO student_courses (student_id, course_id, enrolled_at) VALUES (%s, %s, %s)",
                    [student.pk, course.pk, when],
                )
        assert not EnrollmentEvent.objects.exists()  # no triggers before the migration
    finally:
        call_command("migrate", verbosity=0)
    rows = list(EnrollmentEvent.objects.values_list("course_id", "action", "actor", "source", "at"))
    assert [row[:4] for row in rows] == [
        (courses[1].pk, "enrolled", None, "system"),  # the earlier enrollment first
        (courses[0].pk, "enrolled", None, "system"),
    ]
    assert rows[0][4].isoformat().startswith("2026-01-01T09:00:00")
    assert replay() == enrollments()
