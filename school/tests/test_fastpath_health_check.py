"""The PostgreSQL backend's health check asks the socket, and catches what Django's SELECT 1 catches
(school/fastpath/postgresql/base.py)."""

import time

import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def own_connection():
    """A second connection to the test database, as a request in another thread would have."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def terminate(wrapper):
    """What a PostgreSQL restart or an idle timeout does to a connection: the server ends it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [wrapper.connection.info.backend_pid])
    for _ in range(50):  # the backend says goodbye and closes the socket
        time.sleep(0.02)
        if not wrapper.is_usable():
            return
    raise AssertionError("the terminated connection still looks usable")


def test_a_healthy_connection_is_usable(own_connection):
    assert type(own_connection).__module__ == "school.fastpath.postgresql.base"
    assert own_connection.is_usable()
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert own_connection.is_usable()


def test_a_connection_the_server_ended_is_not_usable_and_is_replaced(own_connection):
    terminate(own_connection)
    assert not own_connection.is_usable()
    # What Django does before a request's first query, with CONN_HEALTH_CHECKS on.
    own_connection.health_check_enabled, own_connection.health_check_done = True, False
    own_connection.close_if_health_check_failed()
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        assert cursor.fetchone() == (42,)


def test_a_closed_connection_is_not_usable(own_connection):
    own_connection.connection.close()
    assert not own_connection.is_usable()
