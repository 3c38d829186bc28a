"""A student's courses read by hand-written SQL are the ORM's list, page by page, and the bench's
floor runs the same statements (school/fastpath/student_courses.py, bench/floor.py)."""

import json
from datetime import UTC

import pytest
from django.db import connection

from courses.tests.factories import CourseFactory
from school.fastpath.student_courses import (
    _instructors_query,
    _student_course_page_query,
    student_course_page,
    student_courses_among,
)
from students.api.serializers import StudentCourseSerializer
from students.selectors import student_course_list
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

# A row holds what the API renders for one of a student's courses.
FIELDS = StudentCourseSerializer.Meta.fields


def orm_rows(courses):
    """What the ORM's list gives for each name the API renders (instructors from its prefetch)."""
    return [{name: getattr(course, name) for name in FIELDS} for course in courses]


def test_each_page_is_a_slice_of_the_orms_list_with_the_total(make_user):
    student, other = StudentFactory(), StudentFactory()
    courses = [*CourseFactory.create_batch(7, capacity=None), CourseFactory(capacity=3, description="x")]
    for course in reversed(courses):
        EnrollmentFactory(student=student, course=course)
    EnrollmentFactory(student=other, course=courses[0])
    teacher, assistant = make_user(), make_user()
    courses[0].instructors.set([teacher, assistant])
    courses[3].instructors.set([assistant])
    expected = orm_rows(student_course_list(student_id=student.pk))
    assert len(expected) == 8 and expected[0]["enrolled_count"] == 2
    assert expected[0]["instructor_usernames"] == sorted([teacher.username, assistant.username])
    for offset, limit in [(0, 1), (0, 3), (3, 3), (6, 3), (0, 100)]:
        total, rows = student_course_page(student_id=student.pk, offset=offset, limit=limit)
        assert total == 8
        assert rows == expected[offset : offset + limit]
        assert all(row[name].tzinfo is UTC for row in rows for name in ("created_at", "enrolled_at"))


def test_the_courses_among_some_ids_are_the_orms_by_id(make_user):
    student = StudentFactory()
    courses = CourseFactory.create_batch(6)
    courses[3].instructors.set([make_user()])
    for course in courses[:4]:
        EnrollmentFactory(student=student, course=course)
    wanted = [courses[3].pk, courses[0].pk, courses[5].pk, 10**9]  # one not enrolled, one no course
    expected = orm_rows(student_course_list(student_id=student.pk).filter(pk__in=wanted))
    assert [row["id"] for row in expected] == sorted([courses[0].pk, courses[3].pk])
    assert student_courses_among(student_id=student.pk, course_ids=wanted) == expected
    assert student_courses_among(student_id=student.pk, course_ids=[]) == []
    many = [course.pk for course in courses[:4]] + list(range(10**9, 10**9 + 96))  # 100 ids
    assert len(student_courses_among(student_id=student.pk, course_ids=many)) == 4


def test_an_empty_page_has_no_total():
    student = StudentFactory()
    assert student_course_page(student_id=student.pk, offset=0, limit=20) == (None, [])
    EnrollmentFactory(student=student)
    assert student_course_page(student_id=student.pk, offset=1, limit=20) == (None, [])
    assert student_course_page(student_id=student.pk + 1000, offset=0, limit=20) == (None, [])


def normalized(sql):
    return " ".join(sql.split())


def test_the_bench_floor_runs_the_services_statements():
    """bench/floor.py is the bare floor the service is measured against: the same SQL, word for word."""
    from bench import floor
    from school.fastpath.auth import token_query

    assert normalized(floor.PAGE_SQL) == normalized(_student_course_page_query()[1].sql)
    assert normalized(floor.TOKEN_SQL) == normalized(token_query()[-1].sql)
    assert normalized(floor.INSTRUCTORS_SQL.format(placeholders="%s, %s, %s")) == normalized(
        _instructors_query(3)
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the floor speaks to PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("query", ["page_size=2", "page_size=2&page=2", "page=3&page_size=2"])
def test_the_bench_floor_answers_what_the_service_answers(monkeypatch, reader, make_user, query):
    from bench import floor

    student = StudentFactory()
    teachers = [make_user(), make_user()]
    for course in CourseFactory.create_batch(5):
        EnrollmentFactory(student=student, course=course)
        course.instructors.set(teachers[: course.pk % 3])
    settings = connection.settings_dict
    monkeypatch.setenv(
        "BENCH_DATABASE_URL",
        f"postgres://{settings['USER'] or 'root'}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}",
    )
    monkeypatch.setattr(floor, "_connection", None)
    path = f"/api/v1/students/{student.pk}/courses/"
    ours = reader.get(f"{path}?{query}")
    environ = {
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REQUEST_METHOD": "GET",
        "HTTP_HOST": "testserver",
        "HTTP_AUTHORIZATION": reader._credentials["HTTP_AUTHORIZATION"],
    }
    statuses = []
    body = b"".join(floor.application(environ, lambda status, headers: statuses.append(status)))
    floor.connection().close()
    assert statuses == ["200 OK"] and ours.status_code == 200
    assert json.loads(body) == ours.json()
