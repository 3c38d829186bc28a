"""Django's PostgreSQL backend with a health check that costs no round trip.

With CONN_HEALTH_CHECKS, Django checks a persistent connection before a request first uses it
by running `SELECT 1`: one round trip per request, a third of the round trips of the API's
hottest read (what skipping it buys, measured: school/fastpath/README.md). This backend asks the
socket instead: an idle connection that PostgreSQL has closed (a restart, `pg_terminate_backend`,
an idle timeout, a proxy hanging up) has data waiting (the server's goodbye, then end of file),
and a healthy idle connection has none. So a connection is usable when psycopg has not marked it
broken, libpq's status is OK and nothing is waiting to be read; otherwise Django closes it and
connects afresh, as with `SELECT 1`.

It also keeps a frozen or silently cut-off server from hanging requests: Django runs its
`SELECT 1` on the raw driver connection, outside the per-query deadline of school.availability,
so that wait would have no end. A connection to such a server passes the socket check, and its
first query then meets the deadline (school/tests/test_faults.py fails without this backend).
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
