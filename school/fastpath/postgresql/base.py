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

And a rollback keeps the prepared statements that the transaction it ends did not prepare.
psycopg's `rollback()` forgets every statement the connection has prepared, and deallocates them
on the server, in case the transaction changed something one of them uses. With
`prepare_threshold`, every refused write (a full course, a full waitlist, a closed window: the
service raises, the transaction rolls back) then cost the requests after it their prepared
statements, each parsed and planned again five times before it is prepared again: in a
registration rush, most requests. A statement prepared before the transaction began refers to
the database as it was then, which the rollback restores, so it stays; one prepared inside the
transaction may refer to something the rollback undid (a table it created, a column it altered),
so it goes, as psycopg would have it.
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

    def _set_autocommit(self, autocommit):
        # Django turns autocommit off when a transaction begins (the outermost atomic block):
        # remember what is prepared by then.
        self._prepared_before = None if autocommit else set(self.connection._prepared._names)
        super()._set_autocommit(autocommit)

    def _rollback(self):
        connection, before = self.connection, getattr(self, "_prepared_before", None)
        if before is None or connection.pgconn.transaction_status == pq.TransactionStatus.IDLE:
            return super()._rollback()
        prepared = connection._prepared  # psycopg's PrepareManager: what rollback() would clear
        with self.wrap_database_errors:
            connection.wait(connection._exec_command(b"ROLLBACK"))
            for key in [key for key in prepared._names if key not in before]:
                prepared._to_flush.append(prepared._names.pop(key))  # deallocated just below
            connection.wait(prepared.maintain_gen(connection))
