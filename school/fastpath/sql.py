"""Hand-written SQL read exactly as the ORM reads it, and a faster `timestamptz` text loader.

`FieldQuery` runs a fixed SELECT whose first columns are model fields and converts them with the
ORM's own converters, so the hot reads skip building and compiling a queryset on every request;
on PostgreSQL it asks for rows in binary form, which psycopg reads with its C loaders.

Django reads every `timestamptz` in text form through psycopg's pure-Python parser (a regular
expression per value) and then sets the connection's time zone on the result: on a page of 100
students, 200 values and about a tenth of the request's work. Python's `datetime.fromisoformat`
(C) reads PostgreSQL's text form directly; anything it does not read as a UTC value (another
offset, 'infinity', a year past 9999) goes to Django's own loader, so the result is always what
Django would have produced. See README.md in this folder.
"""

from datetime import UTC, datetime, timedelta
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.signals import connection_created
from django.dispatch import receiver

ZERO = timedelta(0)
BINARY = 1  # psycopg.pq.Format.BINARY, without importing psycopg where it is not installed


@cache
def utc_timestamptz_loader(base):
    """A subclass of Django's time-zone loader class `base` that reads UTC text in C."""

    class UtcTimestamptzLoader(base):
        timezone = UTC  # Django's create_cursor() compares this with the connection's zone

        def load(self, data):
            try:
                value = datetime.fromisoformat(str(data, "ascii"))
            except ValueError:
                return super().load(data)
            if value.utcoffset() != ZERO:
                return super().load(data)
            return value.replace(tzinfo=UTC)

    return UtcTimestamptzLoader


@receiver(connection_created, dispatch_uid="school.fastpath.faster_timestamptz")
def faster_timestamptz(sender, connection, **kwargs):
    """On a PostgreSQL (psycopg 3) connection whose time zone is UTC, the only one this project
    configures, read `timestamptz` text with the faster loader. (Connected when the app loads:
    school/apps.py imports this module.)"""
    if connection.vendor != "postgresql" or connection.timezone is not UTC:
        return
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    if not is_psycopg3:
        return
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID
    from psycopg.pq import Format

    adapters = connection.connection.adapters
    current = adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    adapters.register_loader("timestamptz", utc_timestamptz_loader(current))


def binary_rows(connection):
    """Whether `connection` can be asked for binary rows: PostgreSQL with server-side binding
    (Django then gives psycopg's server-binding cursor; its client-side cursor refuses binary
    results). Django's own test for which cursor class to use."""
    return (
        connection.vendor == "postgresql"
        and connection.settings_dict["OPTIONS"].get("server_side_binding") is True
    )


def column_list(alias, fields, *, using=DEFAULT_DB_ALIAS):
    """`alias.column, ...` for the model fields `fields`, quoted for the database `using`."""
    quote = connections[using].ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in fields)


class FieldQuery:
    """A hand-written SELECT whose first columns are the model fields `fields`, for a hot read
    whose query the ORM would rebuild and recompile on every request.

    `rows(params)` runs it and converts those columns exactly as the ORM converts them (the same
    backend and field converters: an aware datetime from SQLite's text, say); later columns are
    left as the driver reads them."""

    def __init__(self, sql, fields):
        self.sql = sql
        self.fields = tuple(fields)

    def rows(self, params, *, using=DEFAULT_DB_ALIAS):
        connection = connections[using]
        with connection.cursor() as cursor:
            if binary_rows(connection):
                # Rows in PostgreSQL's binary format: psycopg reads every column with its C loaders
                # (timestamps too: the connection's time zone is UTC, the zone Django gives them).
                cursor.cursor.format = BINARY
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        converters = self._converters(connection)
        if not converters:  # PostgreSQL: psycopg already gives the ORM's Python values
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for index, functions, column in converters:
                for function in functions:
                    row[index] = function(row[index], column, connection)
            converted.append(row)
        return converted

    def _converters(self, connection):
        """[(index, converter functions, column)] for the fields that have converters on this
        connection (none on PostgreSQL); worked out once per connection."""
        cache = connection.__dict__.setdefault("_field_query_converters", {})
        if self not in cache:
            found = []
            for index, field in enumerate(self.fields):
                column = field.get_col(field.model._meta.db_table)
                functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
                if functions:
                    found.append((index, functions, column))
            cache[self] = found
        return cache[self]
