"""The hand-written hot reads read exactly what the ORM reads (school/fastpath/sql.py)."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.db import DataError, connection
from django.utils import timezone

from courses.models import Course
from courses.tests.factories import CourseFactory
from school.fastpath.sql import BINARY, FieldQuery, binary_rows, column_list

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"
TIMESTAMPTZ_OID = 1184


def test_a_field_query_converts_values_as_the_orm_does():
    CourseFactory(capacity=None, description="")
    CourseFactory(capacity=12, description="With text")
    user = User.objects.create_user("someone", last_login=timezone.now())
    course_fields = Course._meta.concrete_fields
    sql = f"SELECT {column_list('c', course_fields)} FROM courses_course c ORDER BY c.id"
    names = [field.attname for field in course_fields]
    assert [dict(zip(names, row, strict=True)) for row in FieldQuery(sql, course_fields).rows([])] == list(
        Course.objects.order_by("id").values(*names)
    )
    user_fields = User._meta.concrete_fields
    sql = f"SELECT {column_list('u', user_fields)} FROM auth_user u WHERE u.id = %s"
    (row,) = FieldQuery(sql, user_fields).rows([user.pk])
    expected = User.objects.values_list(*[f.attname for f in user_fields]).get(pk=user.pk)
    assert tuple(row) == expected
    # Aware datetimes and real booleans on every database (SQLite's raw cursor gives neither).
    values = dict(zip([f.attname for f in user_fields], row, strict=True))
    assert values["date_joined"].tzinfo is not None and values["is_active"] is True


def test_columns_after_the_fields_are_left_as_they_are():
    CourseFactory()
    fields = Course._meta.concrete_fields[:1]
    (row,) = FieldQuery(f"SELECT {column_list('c', fields)}, 41 + 1 FROM courses_course c", fields).rows([])
    assert row[-1] == 42


@pytest.mark.skipif(not POSTGRESQL, reason="PostgreSQL's timestamptz loader")
@pytest.mark.parametrize(
    "text",
    [
        "2026-11-27 09:30:00+00",
        "2026-11-27 09:30:00.5+00",
        "2026-11-27 09:30:00.123456+00",
        "0001-01-01 00:00:00+00",
        "9999-12-31 23:59:59.999999+00",
        "2026-11-27 09:30:00+05:30",  # another offset (not this project's): Django's loader reads it
    ],
)
def test_the_faster_timestamptz_loader_reads_what_djangos_reads(text):
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    class DjangoUtcLoader(BaseTzLoader):
        timezone = UTC

    connection.ensure_connection()
    from psycopg.pq import Format

    loader_class = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert loader_class.__name__ == "UtcTimestamptzLoader"
    ours, django = loader_class(TIMESTAMPTZ_OID), DjangoUtcLoader(TIMESTAMPTZ_OID)
    data = memoryview(text.encode())
    assert ours.load(data) == django.load(data)
    assert ours.load(data).tzinfo is django.load(data).tzinfo is UTC
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", [datetime.fromisoformat(text.replace(" ", "T"))])
        assert cursor.fetchone()[0] == django.load(data)


@pytest.mark.skipif(not POSTGRESQL, reason="PostgreSQL's timestamptz loader")
def test_infinity_is_refused_as_django_refuses_it():
    with connection.cursor() as cursor, pytest.raises(DataError, match="after year 10K"):
        cursor.execute("SELECT 'infinity'::timestamptz")
        cursor.fetchone()


@pytest.mark.skipif(not POSTGRESQL, reason="PostgreSQL's binary rows")
def test_a_django_cursor_gives_binary_rows_when_asked():
    """FieldQuery asks for binary rows by setting psycopg's `format` on the cursor Django wraps."""
    assert binary_rows(connection)
    with connection.cursor() as cursor:
        cursor.cursor.format = BINARY
        cursor.execute("SELECT %s::bigint, now()", [42])
        assert cursor.cursor.pgresult.fformat(0) == cursor.cursor.pgresult.fformat(1) == BINARY
        value, now = cursor.fetchone()
    assert value == 42 and now.tzinfo is UTC


@pytest.mark.skipif(not POSTGRESQL, reason="PostgreSQL's cursor classes")
@pytest.mark.django_db(transaction=True)
def test_without_server_side_binding_rows_come_as_text_and_read_the_same():
    """Django gives a client-side-binding cursor then, which refuses binary rows: FieldQuery reads
    text rows instead, with the same values."""
    CourseFactory(capacity=None)
    CourseFactory(capacity=3, description="x")
    fields = Course._meta.concrete_fields
    query = FieldQuery(f"SELECT {column_list('c', fields)} FROM courses_course c ORDER BY c.id", fields)
    binary = query.rows([])
    options = connection.settings_dict["OPTIONS"]
    connection.close()
    connection.settings_dict["OPTIONS"] = {k: v for k, v in options.items() if k != "server_side_binding"}
    try:
        assert not binary_rows(connection)
        assert query.rows([]) == binary
    finally:
        connection.close()
        connection.settings_dict["OPTIONS"] = options
