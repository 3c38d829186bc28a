"""A rollback keeps the statements prepared before its transaction began, and forgets, here and on
the server, those prepared inside it (school/fastpath/postgresql/base.py)."""

import pytest
from django.db import connection, transaction

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend"),
    pytest.mark.skipif(
        connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold") is None,
        reason="statements are not prepared here (behind a transaction pooler)",
    ),
    pytest.mark.django_db(transaction=True),
]


class Refused(Exception):
    pass


def run(sql, times=6):
    """Run `sql` often enough to be prepared (prepare_threshold is 5); its last row."""
    with connection.cursor() as cursor:
        for _ in range(times):
            cursor.execute(sql)
            row = cursor.fetchone()
    return row


def execute(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)


def prepared_here():
    return set(connection.connection._prepared._names)


def prepared_on_the_server():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def test_a_refused_transaction_keeps_what_was_prepared_before_it():
    run("SELECT 41 + 1")
    before_here, before_there = prepared_here(), prepared_on_the_server()
    assert any("41 + 1" in statement for statement in before_there)
    with pytest.raises(Refused), transaction.atomic():
        run("SELECT 41 + 1", times=1)
        raise Refused
    assert prepared_here() == before_here
    assert prepared_on_the_server() == before_there


def test_what_a_rolled_back_transaction_prepared_is_forgotten():
    run("SELECT 41 + 1")
    with pytest.raises(Refused), transaction.atomic():
        run("SELECT 40 + 2")
        assert any("40 + 2" in statement for statement in prepared_on_the_server())
        raise Refused
    assert not any("40 + 2" in statement for statement in prepared_on_the_server())
    assert any("41 + 1" in statement for statement in prepared_on_the_server())
    assert len(prepared_here()) == len(prepared_on_the_server())


def test_a_statement_prepared_on_a_rolled_back_table_is_not_used_again():
    """The case psycopg's rollback() guards against: the table a statement was prepared on goes
    with the rollback, and a table of another shape takes its name."""
    with pytest.raises(Refused), transaction.atomic():
        execute("CREATE TEMPORARY TABLE shape ON COMMIT DROP AS SELECT 7 AS x")
        assert run("SELECT x FROM shape") == (7,)
        raise Refused
    with transaction.atomic():
        execute("CREATE TEMPORARY TABLE shape ON COMMIT DROP AS SELECT 'seven'::text AS x")
        assert run("SELECT x FROM shape") == ("seven",)
