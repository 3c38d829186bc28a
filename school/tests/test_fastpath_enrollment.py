"""An enrollment's reads, written once, read what the ORM's querysets read (school/fastpath/enrollment.py)."""

from datetime import UTC, datetime

import psycopg
import pytest
from django.db import connection, transaction

from courses.models import Course
from courses.tests.factories import CourseFactory
from school.fastpath.enrollment import _rows_by_id_query, courses_among, place_in_line, rows_by_id
from students.models import Enrollment, Student, WaitlistEntry
from students.selectors import student_waitlist
from students.services import SEAT_ROW_FIELDS, waitlist_join
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"


def test_rows_by_id_are_the_orms_values_list_in_id_order():
    courses = [
        CourseFactory(capacity=None, waitlist_capacity=None),
        CourseFactory(capacity=3, enrollment_opens_at=datetime(2027, 1, 10, 8, tzinfo=UTC)),
        CourseFactory(capacity=9, waitlist_capacity=2, enrollment_closes_at=datetime(2027, 2, 1, tzinfo=UTC)),
    ]
    EnrollmentFactory(course=courses[1])
    ids = [courses[2].pk, 10**9, courses[0].pk, courses[1].pk]
    expected = list(Course.objects.filter(pk__in=ids).order_by("pk").values_list(*SEAT_ROW_FIELDS))
    with transaction.atomic():
        for lock in (False, True):
            assert [tuple(row) for row in rows_by_id(Course, SEAT_ROW_FIELDS, ids, lock=lock)] == expected
    assert expected[1][2] == 1 and expected[1][5].tzinfo is not None  # a count, an aware datetime
    student = StudentFactory()
    assert [tuple(row) for row in rows_by_id(Student, ("pk",), [student.pk])] == [(student.pk,)]
    assert rows_by_id(Student, ("pk",), [10**9]) == rows_by_id(Course, SEAT_ROW_FIELDS, []) == []


def test_rows_are_locked_for_update_where_the_database_has_row_locks():
    sql = _rows_by_id_query(Course, SEAT_ROW_FIELDS, 2, True).sql
    assert sql.endswith(" FOR UPDATE") == connection.features.has_select_for_update == POSTGRESQL
    assert "FOR UPDATE" not in _rows_by_id_query(Course, SEAT_ROW_FIELDS, 2, False).sql


@pytest.mark.skipif(not POSTGRESQL, reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_locked_row_stays_locked_until_the_transaction_ends():
    course = CourseFactory()
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432, user=settings["USER"] or "root",
        dbname=settings["NAME"], autocommit=True,
    )  # fmt: skip
    try:
        with transaction.atomic():
            rows_by_id(Course, SEAT_ROW_FIELDS, [course.pk], lock=True)
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("SELECT 1 FROM courses_course WHERE id = %s FOR UPDATE NOWAIT", [course.pk])
        other.execute("SELECT 1 FROM courses_course WHERE id = %s FOR UPDATE NOWAIT", [course.pk])
    finally:
        other.close()


def test_courses_among_are_the_orms():
    student, someone = StudentFactory(), StudentFactory()
    courses = CourseFactory.create_batch(4, capacity=1, waitlist_capacity=5)
    EnrollmentFactory(student=student, course=courses[0])
    EnrollmentFactory(student=student, course=courses[2])
    EnrollmentFactory(student=someone, course=courses[1])
    waitlist_join(student=student, course_id=courses[1].pk)
    ids = [course.pk for course in courses] + [10**9]
    for model in (Enrollment, WaitlistEntry):
        expected = set(
            model.objects.filter(student=student, course_id__in=ids).values_list("course_id", flat=True)
        )
        assert courses_among(model, student.pk, ids) == expected
    assert courses_among(Enrollment, student.pk, ids) == {courses[0].pk, courses[2].pk}
    assert courses_among(WaitlistEntry, student.pk, ids) == {courses[1].pk}
    assert courses_among(Enrollment, student.pk, []) == set()


def test_a_place_in_line_is_the_selectors():
    course = CourseFactory(capacity=1, waitlist_capacity=5)
    EnrollmentFactory(course=course)
    first, second, third = StudentFactory.create_batch(3)
    for student in (first, second, third):
        waitlist_join(student=student, course_id=course.pk)
    WaitlistEntry.objects.filter(student=first).delete()
    for student in (second, third):
        entry = student_waitlist(student_id=student.pk).get(course_id=course.pk)
        assert place_in_line(student.pk, course.pk) == (entry.joined_at, entry.position)
    assert place_in_line(third.pk, course.pk)[1] == 2
    assert place_in_line(first.pk, course.pk) is None
