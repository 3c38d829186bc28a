"""The seat invariants hold whoever writes: a course's enrolled_count equals its enrollment rows,
and no course has more enrolled students than its capacity. Every writer here goes around the
enrollment service on purpose (the many-to-many manager, queryset deletes, cascades, raw SQL)."""

import importlib
from contextlib import contextmanager
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from courses.models import Course
from courses.tests.factories import CourseFactory
from students import services
from students.exceptions import CoursesFull
from students.models import Enrollment, Student
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

triggers = importlib.import_module("students.migrations.0005_enrolled_count_triggers")


def assert_counts_exact():
    for course in Course.objects.all():
        assert course.enrolled_count == Enrollment.objects.filter(course=course).count(), course.code
        assert course.capacity is None or course.enrolled_count <= course.capacity, course.code


def count(course):
    return Course.objects.get(pk=course.pk).enrolled_count


def execute(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@contextmanager
def count_triggers_bypassed():
    """What an operator could do by hand: write enrollments with the count triggers off."""
    if connection.vendor == "postgresql":
        execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE needs no deferred checks pending
        execute("ALTER TABLE student_courses DISABLE TRIGGER USER")
        yield
        execute("SET CONSTRAINTS ALL IMMEDIATE")
        execute("ALTER TABLE student_courses ENABLE TRIGGER USER")
        execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        for statement in triggers.SQLITE_DROP[2:]:  # the enrollment triggers, not the guard
            execute(statement)
        yield
        for statement in triggers.SQLITE_CREATE[:3]:
            execute(statement)


def test_the_many_to_many_manager_keeps_counts():
    courses = CourseFactory.create_batch(3, capacity=5)
    student = StudentFactory()
    student.courses.add(*courses)
    assert [count(c) for c in courses] == [1, 1, 1]
    student.courses.remove(courses[0])
    student.courses.set([courses[1]])
    assert [count(c) for c in courses] == [0, 1, 0]
    courses[2].students.add(*StudentFactory.create_batch(2))
    student.courses.clear()
    assert [count(c) for c in courses] == [0, 0, 2]
    assert_counts_exact()


def test_the_many_to_many_manager_cannot_put_two_students_in_a_one_seat_course():
    course = CourseFactory(capacity=1)
    StudentFactory().courses.add(course)
    with pytest.raises(IntegrityError), transaction.atomic():
        StudentFactory().courses.add(course)
    assert Enrollment.objects.filter(course=course).count() == 1
    assert_counts_exact()


def test_a_queryset_delete_of_students_gives_their_seats_back():
    course = CourseFactory(capacity=3)
    EnrollmentFactory.create_batch(3, course=course, student__last_name="Leaving")
    Student.objects.filter(last_name="Leaving").delete()
    assert count(course) == 0
    assert_counts_exact()
    EnrollmentFactory.create_batch(3, course=course)  # every seat is free again


def test_a_queryset_delete_of_enrollments_and_a_cascade_keep_counts():
    courses = CourseFactory.create_batch(2, capacity=4)
    students = StudentFactory.create_batch(3)
    for student in students:
        student.courses.add(*courses)
    Enrollment.objects.filter(course=courses[0], student__in=students[:2]).delete()
    students[2].delete()  # the cascade deletes its enrollments
    assert [count(c) for c in courses] == [0, 2]
    assert_counts_exact()


def test_raw_sql_inserts_deletes_and_moves_keep_counts():
    first, second = CourseFactory(capacity=2), CourseFactory(capacity=2)
    students = StudentFactory.create_batch(2)
    execute(
        "INSERT INTO student_courses (student_id, course_id, enrolled_at) VALUES (%s, %s, %s), (%s, %s, %s)",
        [students[0].pk, first.pk, "2026-01-01", students[1].pk, first.pk, "2026-01-01"],
    )
    assert count(first) == 2
    execute("UPDATE student_courses SET course_id = %s WHERE student_id = %s", [second.pk, students[0].pk])
    assert (count(first), count(second)) == (1, 1)
    execute("DELETE FROM student_courses WHERE course_id = %s", [second.pk])
    assert (count(first), count(second)) == (1, 0)
    assert_counts_exact()


def test_raw_sql_cannot_over_fill_a_course():
    course = CourseFactory(capacity=1)
    students = StudentFactory.create_batch(2)
    with pytest.raises(IntegrityError), transaction.atomic():
        execute(
            "INSERT INTO student_courses (student_id, course_id, enrolled_at) VALUES (%s, %s, %s), (%s, %s, %s)",
            [students[0].pk, course.pk, "2026-01-01", students[1].pk, course.pk, "2026-01-01"],
        )
    assert count(course) == 0 and not Enrollment.objects.exists()


@pytest.mark.parametrize("value", [0, 2, 7])
def test_the_database_refuses_a_count_written_by_hand(value):
    course = CourseFactory(capacity=10)
    EnrollmentFactory(course=course)
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.filter(pk=course.pk).update(enrolled_count=value)
    with pytest.raises(IntegrityError), transaction.atomic():
        execute(
            "INSERT INTO courses_course (code, title, description, credits, enrolled_count, created_at, "
            "updated_at) VALUES ('HAND-1', 'By hand', '', 0, %s, %s, %s)",
            [value + 1, "2026-01-01", "2026-01-01"],
        )
    assert count(course) == 1


def test_saving_a_stale_course_never_writes_its_count():
    course = CourseFactory(capacity=10)
    stale = Course.objects.get(pk=course.pk)
    EnrollmentFactory.create_batch(2, course=course)
    stale.title = "Renamed"
    stale.save()
    assert count(course) == 2
    assert Course.objects.get(pk=course.pk).title == "Renamed"


def test_when_the_service_check_is_skipped_the_database_still_answers_course_full(registrar):
    course = CourseFactory(capacity=1)
    EnrollmentFactory(course=course)
    student = StudentFactory()
    with mock.patch.object(services, "_seats_left", return_value={}):
        response = registrar.post(
            f"/api/v1/students/{student.pk}/courses/", {"course_ids": [course.pk]}, format="json"
        )
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "course_full"
    assert response.json()["full_course_ids"] == [course.pk]
    assert count(course) == 1
    assert_counts_exact()


def test_recount_repairs_counts_left_wrong_by_bypassed_triggers():
    course = CourseFactory(capacity=5)
    EnrollmentFactory(course=course)
    extra = StudentFactory()
    with count_triggers_bypassed():
        Enrollment.objects.create(student=extra, course=course)
        Enrollment.objects.filter(student__in=Student.objects.exclude(pk=extra.pk)).delete()
    other = EnrollmentFactory(course=CourseFactory()).course
    assert count(course) == 1 and Enrollment.objects.filter(course=course).count() == 1
    with count_triggers_bypassed():
        Enrollment.objects.create(student=StudentFactory(), course=course)
    out = StringIO()
    call_command("recount_enrollments", stdout=out)
    assert f"repaired {course.code}: enrolled_count 1 -> 2" in out.getvalue()
    assert "1 course had a wrong count; 1 repaired, 0 over-full." in out.getvalue()
    assert count(other) == 1
    assert_counts_exact()


def test_recount_reports_an_over_full_course_repairs_the_rest_and_fails():
    full = CourseFactory(code="FULL-1", title="Crowded", capacity=2)
    EnrollmentFactory.create_batch(2, course=full)
    drifted = CourseFactory(code="DRIFT-1", capacity=None)
    with count_triggers_bypassed():
        Enrollment.objects.create(student=StudentFactory(), course=full)
        Enrollment.objects.create(student=StudentFactory(), course=drifted)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 course is over-full"):
        call_command("recount_enrollments", stdout=out, stderr=err)
    assert "OVER-FULL FULL-1 (Crowded): 3 students enrolled, 2 seats; its count stays at 2." in err.getvalue()
    assert "Unenroll 1 or raise its capacity to 3" in err.getvalue()
    assert "repaired DRIFT-1: enrolled_count 0 -> 1" in out.getvalue()
    assert count(drifted) == 1 and count(full) == 2
    # It stays full: nobody else gets in while a person decides.
    with pytest.raises(CoursesFull):
        services.enrollment_create(student=StudentFactory(), course_ids=[full.pk])


def test_recount_finds_nothing_wrong_when_every_writer_went_through_the_database():
    EnrollmentFactory.create_batch(2)
    out = StringIO()
    call_command("recount_enrollments", stdout=out)
    assert "0 courses had a wrong count" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_trigger_migration_repairs_counts_and_stops_at_an_over_full_course():
    course = CourseFactory(code="SEM-1", capacity=2)
    EnrollmentFactory.create_batch(2, course=course)
    third = StudentFactory()  # made now: the students table of 0004 lacks later columns
    call_command("migrate", "students", "0004", verbosity=0)
    # Without the triggers, as before them, a count could drift.
    Course.objects.filter(pk=course.pk).update(enrolled_count=0)
    call_command("migrate", verbosity=0)
    assert count(course) == 2

    call_command("migrate", "students", "0004", verbosity=0)
    late = Enrollment.objects.create(student=third, course=course)
    with pytest.raises(triggers.OverFullCourses, match="SEM-1: 3 students, 2 seats"):
        call_command("migrate", verbosity=0)
    late.delete()
    call_command("migrate", verbosity=0)
    assert_counts_exact()
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(student=StudentFactory(), course=course)


def installed_triggers():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {name for (name,) in cursor.fetchall()}


def test_every_count_and_event_trigger_is_installed():
    """A later migration that rebuilds one of these tables (SQLite rebuilds a table for most
    field changes, dropping its triggers) must create them again: this test says so."""
    expected = {
        "enrolled_count_insert",
        "enrolled_count_delete",
        "enrolled_count_update",
        "student_count_insert",
        "student_count_delete",
        "enrollment_events_insert",
        "enrollment_events_delete",
        "enrollment_events_update",
    }
    if connection.vendor == "postgresql":
        expected |= {"enrolled_count_truncate", "enrolled_count_guard", "student_count_truncate"}
        expected |= {
            "enrollment_events_truncate",
            "enrollment_events_append_only",
            "enrollment_events_only_from_triggers",
        }
    else:
        expected |= {"enrolled_count_guard_insert", "enrolled_count_guard_update"}
        expected |= {"enrollment_events_no_update", "enrollment_events_no_delete"}
    assert expected <= installed_triggers()


@pytest.mark.django_db(transaction=True)
def test_migrations_that_rebuild_the_students_table_keep_its_triggers():
    call_command("migrate", "students", "0005", verbosity=0)
    assert {"student_count_insert", "student_count_delete"} <= installed_triggers()
    call_command("migrate", verbosity=0)
    assert {"student_count_insert", "student_count_delete"} <= installed_triggers()
    StudentFactory.create_batch(2)
    Student.objects.filter(pk=Student.objects.first().pk).delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT students FROM student_count")
        assert cursor.fetchone()[0] == Student.objects.count() == 1
