"""Reads of students and enrollments that the API and the admin share."""

from functools import cache

from django.db import connection
from django.db.models import F

from courses.models import Course
from school.db import FieldQuery, column_list
from students.models import Enrollment, Student


def student_course_list(*, student_id):
    """The student's courses by course id, each with `enrolled_at` and `enrolled_count`."""
    return (
        Course.objects.filter(enrollments__student_id=student_id)
        .annotate(enrolled_at=F("enrollments__enrolled_at"))
        .order_by("id")
    )


@cache
def _student_course_page_query():
    fields = [*Course._meta.concrete_fields, Enrollment._meta.get_field("enrolled_at")]
    quote = connection.ops.quote_name
    course_id = quote(Course._meta.pk.column)
    sql = (
        f"SELECT {column_list('c', fields[:-1])}, {column_list('e', fields[-1:])}, COUNT(*) OVER () "
        f"FROM {quote(Course._meta.db_table)} c INNER JOIN {quote(Enrollment._meta.db_table)} e "
        f"ON e.{quote(Enrollment._meta.get_field('course').column)} = c.{course_id} "
        f"WHERE e.{quote(Enrollment._meta.get_field('student').column)} = %s "
        f"ORDER BY c.{course_id} LIMIT %s OFFSET %s"
    )
    return [field.attname for field in fields], FieldQuery(sql, fields)


def student_course_page(*, student_id, offset, limit):
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


def student_count():
    """The number of students, from the one-row table the database keeps exact with triggers
    (migration 0004): the unfiltered `students/` list's `count` without counting the table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT students FROM student_count")
        row = cursor.fetchone()
    return Student.objects.count() if row is None else row[0]


def course_roster(*, course):
    """The students of a course by student id, each with `enrolled_at`."""
    return (
        Student.objects.filter(enrollments__course=course)
        .annotate(enrolled_at=F("enrollments__enrolled_at"))
        .order_by("id")
    )
