"""Django's PostgreSQL backend with a health check that cannot hang.

With CONN_HEALTH_CHECKS, Django checks a persistent connection before a request first uses it
by running `SELECT 1` on the raw driver connection, outside every query deadline
(school.availability): on a server that is frozen or cut off, that wait has no end, and every
request would hang until gunicorn kills its worker. This backend asks the socket instead, which
answers at once (and saves a round trip): an idle connection that PostgreSQL
has closed (a restart, `pg_terminate_backend`, an idle timeout, a proxy hanging up) has data
waiting (the server's goodbye, then end of file), and a healthy idle connection has none. So a
connection is usable when psycopg has not marked it broken, libpq's status is OK and nothing
is waiting to be read; otherwise Django closes it and connects afresh, as with `SELECT 1`.
(A connection to a silent server passes this check; its first query then meets the deadline.)
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        pgconn = connection.pgconn
        if pgconn.status != pq.ConnStatus.OK:
            return False
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN)
        return not poller.poll(0)
