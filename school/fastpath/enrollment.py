"""The reads of an enrollment's transaction, each one statement written once: rows locked by id,
a student's enrollments or waitlist places among some courses, and a waitlist entry's place.

students.services applies its rules to what these return. The ORM built and compiled the same
statements on every request, which cost more than running them (on the bench machine: 0.25 ms for
the student's lock, 0.36 ms for the courses' seat rows, 0.47 ms for the enrollments among them,
1.25 ms for an entry's place in line, each run in well under that); here each is one fixed SQL text per
shape, so PostgreSQL also gets it prepared. Each returns what the ORM's queryset returns
(school/tests/test_fastpath_enrollment.py); `FOR UPDATE` is left out where the database has no
row locks (SQLite, whose IMMEDIATE transactions serialize writers), as Django leaves it out.
"""

from functools import cache, lru_cache

from django.db import connection, models

from school.fastpath.sql import FieldQuery, column_list
from students.models import WaitlistEntry


def _placeholders(how_many):
    return ", ".join(["%s"] * how_many)


@lru_cache(maxsize=128)
def _rows_by_id_query(model, names, how_many, lock):
    fields = [
        model._meta.pk if name in ("pk", model._meta.pk.name) else model._meta.get_field(name)
        for name in names
    ]
    quote = connection.ops.quote_name
    pk = f"t.{quote(model._meta.pk.column)}"
    locked = " FOR UPDATE" if lock and connection.features.has_select_for_update else ""
    sql = (
        f"SELECT {column_list('t', fields)} FROM {quote(model._meta.db_table)} t "
        f"WHERE {pk} IN ({_placeholders(how_many)}) ORDER BY {pk}{locked}"
    )
    return FieldQuery(sql, fields)


def rows_by_id(model: type[models.Model], names: tuple[str, ...], ids: list[int], *, lock: bool = False):
    """`model.objects.filter(pk__in=ids).order_by("pk").values_list(*names)`, as a list; with
    `lock`, `select_for_update()`: the rows stay locked, in id order, until the transaction ends."""
    if not ids:
        return []
    return _rows_by_id_query(model, names, len(ids), lock).rows(list(ids))


@lru_cache(maxsize=128)
def _courses_among_sql(model, how_many):
    quote = connection.ops.quote_name
    student = quote(model._meta.get_field("student").column)
    course = quote(model._meta.get_field("course").column)
    return (
        f"SELECT {course} FROM {quote(model._meta.db_table)} "
        f"WHERE {student} = %s AND {course} IN ({_placeholders(how_many)})"
    )


def courses_among(model: type[models.Model], student_id: int, course_ids: list[int]) -> set[int]:
    """The ids among `course_ids` of the courses where the student has a row of `model`
    (Enrollment: enrolled; WaitlistEntry: waiting)."""
    if not course_ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(_courses_among_sql(model, len(course_ids)), [student_id, *course_ids])
        return {row[0] for row in cursor.fetchall()}


@cache
def _place_in_line_query():
    quote = connection.ops.quote_name
    table = quote(WaitlistEntry._meta.db_table)
    joined_at = WaitlistEntry._meta.get_field("joined_at")
    student, course = (quote(WaitlistEntry._meta.get_field(name).column) for name in ("student", "course"))
    pk = quote(WaitlistEntry._meta.pk.column)
    sql = (
        f"SELECT {column_list('w', [joined_at])}, (SELECT COUNT(*) FROM {table} a "
        f"WHERE a.{course} = w.{course} AND a.{pk} <= w.{pk}) FROM {table} w "
        f"WHERE w.{student} = %s AND w.{course} = %s"
    )
    return FieldQuery(sql, [joined_at])


def place_in_line(student_id: int, course_id: int):
    """(joined_at, position) of the student's waitlist entry for the course (1 = next in line),
    as `students.selectors.student_waitlist()` reads them; None when they are not waiting."""
    rows = _place_in_line_query().rows([student_id, course_id])
    return (rows[0][0], rows[0][1]) if rows else None
