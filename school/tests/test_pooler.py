"""Behind PgBouncer (DJANGO_DB_POOLER=pgbouncer, transaction pooling): the connection really goes
through the pooler, and nothing the app does outlives a transaction.

CI runs the race, waitlist, feed and two-process tests through PgBouncer with these (.ci/run);
elsewhere this module is skipped.
"""

import pytest
from django.conf import settings
from django.db import connection

from courses.tests.factories import CourseFactory
from students.tests.factories import StudentFactory

pytestmark = [
    pytest.mark.skipif(
        not settings.DB_POOLER, reason="runs through PgBouncer only (DJANGO_DB_POOLER=pgbouncer)"
    ),
    pytest.mark.django_db,
]


def test_the_connection_goes_through_the_pooler():
    with connection.cursor() as cursor:
        cursor.execute("SELECT inet_server_port()")
        server_port = cursor.fetchone()[0]
    assert str(server_port) != str(connection.settings_dict["PORT"]), "connected to PostgreSQL directly"


def test_hot_queries_leave_no_prepared_statement(registrar):
    student = StudentFactory()
    for _ in range(10):  # past psycopg's threshold, were it set
        assert registrar.get(f"/api/v1/students/{student.pk}/courses/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] == 0


def test_the_statement_timeout_is_the_poolers(registrar):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] != "0"


@pytest.mark.django_db(transaction=True)
def test_who_writes_stays_inside_its_transaction(make_user, client_for):
    """The actor is set with set_config(..., true): the next transaction, on whichever server
    connection, does not inherit it."""
    registrar = client_for(make_user(superuser=True))
    course, student = CourseFactory(), StudentFactory()
    path = f"/api/v1/students/{student.pk}/courses/"
    assert registrar.post(path, {"course_ids": [course.pk]}, format="json").status_code == 201
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('school.actor', true)")
        assert cursor.fetchone()[0] in (None, "")
