"""Reads of students and enrollments that the API and the admin share."""

from functools import cache, lru_cache
from typing import Any, cast

from django.db import connection
from django.db.models import F, Field, QuerySet

from courses.models import Course
from school.db import FieldQuery, column_list
from students.models import Enrollment, Student


def student_course_list(*, student_id: int) -> QuerySet[Course]:
    """The student's courses by course id, each with `enrolled_at` and `enrolled_count`."""
    return (
        Course.objects.filter(enrollments__student_id=student_id)
        .annotate(enrolled_at=F("enrollments__enrolled_at"))
        .order_by("id")
    )


@cache
def _student_course_fields() -> tuple[list[Field], list[str]]:
    """The columns of a student's course: the course's fields, then the enrollment's `enrolled_at`."""
    fields = [*Course._meta.concrete_fields, Enrollment._meta.get_field("enrolled_at")]
    return fields, [field.attname for field in fields]


def _student_course_sql(*, window: str = "", condition: str = "", tail: str = "") -> str:
    """SELECT a student's courses (`_student_course_fields()`, then `window`) WHERE the student is
    %s (and `condition`), ORDER BY course id (then `tail`)."""
    fields, _ = _student_course_fields()
    quote = connection.ops.quote_name
    course_id = f"c.{quote(cast(str, Course._meta.get_field('id').column))}"
    return (
        f"SELECT {column_list('c', fields[:-1])}, {column_list('e', fields[-1:])}{window} "
        f"FROM {quote(Course._meta.db_table)} c INNER JOIN {quote(Enrollment._meta.db_table)} e "
        f"ON e.{quote(Enrollment._meta.get_field('course').column)} = {course_id} "
        f"WHERE e.{quote(Enrollment._meta.get_field('student').column)} = %s"
        f"{condition.format(course_id=course_id)} ORDER BY {course_id}{tail}"
    )


@cache
def _student_course_page_query() -> tuple[list[str], FieldQuery]:
    fields, names = _student_course_fields()
    sql = _student_course_sql(window=", COUNT(*) OVER ()", tail=" LIMIT %s OFFSET %s")
    return names, FieldQuery(sql, fields)


def student_course_page(
    *, student_id: int, offset: int, limit: int
) -> tuple[int | None, list[dict[str, Any]]]:
    """One page of `student_course_list()` and the length of the whole list, in one query:
    `(total, rows)`, each row a dict of the course's fields and `enrolled_at`; `(None, [])` when
    the page is empty (past the end, no courses, or no such student: the caller decides).

    The student's-courses page is the API's hottest read; the ORM spent more time building and
    compiling this query, and making model instances, than the database spent answering it."""
    names, query = _student_course_page_query()
    rows = query.rows([student_id, limit, offset])
    if not rows:
        return None, []
    return rows[0][-1], [dict(zip(names, row[:-1], strict=True)) for row in rows]


@lru_cache(maxsize=128)
def _student_courses_among_query(how_many: int) -> tuple[list[str], FieldQuery]:
    fields, names = _student_course_fields()
    placeholders = ", ".join(["%s"] * how_many)
    sql = _student_course_sql(condition=f" AND {{course_id}} IN ({placeholders})")
    return names, FieldQuery(sql, fields)


def student_courses_among(*, student_id: int, course_ids: list[int]) -> list[dict[str, Any]]:
    """`student_course_list()` restricted to `course_ids` (at most 100: one request's courses), as
    dict rows: what an enrollment request answers. One query, no model instances."""
    if not course_ids:
        return []
    names, query = _student_courses_among_query(len(course_ids))
    return [dict(zip(names, row, strict=True)) for row in query.rows([student_id, *course_ids])]


def student_count() -> int:
    """The number of students, from the one-row table the database keeps exact with triggers
    (migration 0004): the unfiltered `students/` list's `count` without counting the table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT students FROM student_count")
        row = cursor.fetchone()
    return Student.objects.count() if row is None else row[0]


def course_roster(*, course: Course) -> QuerySet[Student]:
    """The students of a course by student id, each with `enrolled_at`."""
    return (
        Student.objects.filter(enrollments__course=course)
        .annotate(enrolled_at=F("enrollments__enrolled_at"))
        .order_by("id")
    )
