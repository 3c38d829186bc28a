"""A student's courses, read with hand-written SQL: the API's hottest read and an enrollment's answer.

Both return what `students.selectors.student_course_list()` (the ORM's query) returns, as dict
rows of the course's fields, `enrolled_at` and `instructor_usernames` (sorted; one more query for
the whole page, as the ORM's prefetch), by course id. The ORM spent more time building and
compiling these queries than the database spent answering them (what that buys, measured:
README.md in this folder).
"""

from functools import cache, lru_cache

from django.contrib.auth import get_user_model
from django.db import connection

from courses.models import Course
from school.fastpath.sql import FieldQuery, column_list
from students.models import Enrollment


@cache
def _student_course_fields():
    """The columns of a student's course: the course's fields, then the enrollment's `enrolled_at`."""
    fields = [*Course._meta.concrete_fields, Enrollment._meta.get_field("enrolled_at")]
    return fields, [field.attname for field in fields]


def _student_course_sql(*, window="", condition="", tail=""):
    """SELECT a student's courses (`_student_course_fields()`, then `window`) WHERE the student is
    %s (and `condition`), ORDER BY course id (then `tail`)."""
    fields, _ = _student_course_fields()
    quote = connection.ops.quote_name
    course_id = f"c.{quote(Course._meta.pk.column)}"
    return (
        f"SELECT {column_list('c', fields[:-1])}, {column_list('e', fields[-1:])}{window} "
        f"FROM {quote(Course._meta.db_table)} c INNER JOIN {quote(Enrollment._meta.db_table)} e "
        f"ON e.{quote(Enrollment._meta.get_field('course').column)} = {course_id} "
        f"WHERE e.{quote(Enrollment._meta.get_field('student').column)} = %s"
        f"{condition.format(course_id=course_id)} ORDER BY {course_id}{tail}"
    )


@cache
def _student_course_page_query():
    fields, names = _student_course_fields()
    sql = _student_course_sql(window=", COUNT(*) OVER ()", tail=" LIMIT %s OFFSET %s")
    return names, FieldQuery(sql, fields)


def student_course_page(*, student_id, offset, limit):
    """One page of `student_course_list()` and the length of the whole list, in one query:
    `(total, rows)`, each row a dict of the course's fields and `enrolled_at`; `(None, [])` when
    the page is empty (past the end, no courses, or no such student: the caller decides)."""
    names, query = _student_course_page_query()
    rows = query.rows([student_id, limit, offset])
    if not rows:
        return None, []
    return rows[0][-1], _with_instructors([dict(zip(names, row[:-1], strict=True)) for row in rows])


@lru_cache(maxsize=128)
def _student_courses_among_query(how_many):
    fields, names = _student_course_fields()
    placeholders = ", ".join(["%s"] * how_many)
    sql = _student_course_sql(condition=f" AND {{course_id}} IN ({placeholders})")
    return names, FieldQuery(sql, fields)


def student_courses_among(*, student_id, course_ids):
    """`student_course_list()` restricted to `course_ids` (at most 100: one request's courses), as
    dict rows: what an enrollment request answers. One query, no model instances."""
    if not course_ids:
        return []
    names, query = _student_courses_among_query(len(course_ids))
    return _with_instructors(
        [dict(zip(names, row, strict=True)) for row in query.rows([student_id, *course_ids])]
    )


@lru_cache(maxsize=128)
def _instructors_query(how_many):
    """(course id, username) of every instructor of `how_many` courses."""
    user_model = get_user_model()
    teaching = Course.instructors.through
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * how_many)
    course_column = quote(teaching._meta.get_field("course").column)
    return (
        f"SELECT t.{course_column}, u.{quote(user_model._meta.get_field('username').column)} "
        f"FROM {quote(teaching._meta.db_table)} t INNER JOIN {quote(user_model._meta.db_table)} u "
        f"ON u.{quote(user_model._meta.pk.column)} = t.{quote(teaching._meta.get_field('user').column)} "
        f"WHERE t.{course_column} IN ({placeholders})"
    )


def _with_instructors(rows):
    """`rows` (courses as dicts), each given its sorted `instructor_usernames`, in one query."""
    if not rows:
        return rows
    taught_by = {row["id"]: [] for row in rows}
    with connection.cursor() as cursor:
        cursor.execute(_instructors_query(len(taught_by)), list(taught_by))
        for course_id, username in cursor.fetchall():
            taught_by[course_id].append(username)
    for row in rows:
        row["instructor_usernames"] = sorted(taught_by[row["id"]])
    return rows
