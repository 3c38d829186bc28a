"""Writes and lookups of many rows at once (CSV imports, bulk rosters), with the values sent to
PostgreSQL as one array per column instead of one bound parameter per value.

Django's `bulk_create` and `__in` make a statement whose text and parameters grow with the rows:
5,000 enrollments are 15,000 parameters to bind, and building the model instances and the SQL
cost more than PostgreSQL's work. Here a chunk of rows is `INSERT ... SELECT * FROM unnest(%s::bigint[],
...)` and a lookup is `col = ANY(%s::type[])`: one parameter per column, whatever the number of
rows. Other databases get the plain ORM calls. Triggers fire as for any INSERT (per statement on
PostgreSQL), so counts and events are the same; fastpath tests pin the rows written to what
`bulk_create` writes.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.db.models.lookups import In

# Rows per INSERT: each statement stays well inside the statement timeout, triggers included.
INSERT_CHUNK = 10_000


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert `rows` (tuples of the values of `fields`, in that order) into the model's table.

    No `save()`, no signals, no defaults filled in: give every column that has no database
    default, `auto_now` ones included, in the form the field stores (normalised)."""
    if not rows:
        return
    columns = [concrete_field(model, name) for name in fields]
    if connection.vendor != "postgresql":
        names = [column.attname for column in columns]  # student_id for student: ids, not objects
        model._default_manager.bulk_create(
            [model(**dict(zip(names, row, strict=True))) for row in rows], batch_size=5000
        )
        return
    quote = connection.ops.quote_name
    arrays = ", ".join(f"%s::{column.db_type(connection)}[]" for column in columns)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(str(column.column)) for column in columns)}) "
        f"SELECT * FROM unnest({arrays})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            cursor.execute(
                sql,
                [
                    [column.get_db_prep_save(row[index], connection) for row in chunk]
                    for index, column in enumerate(columns)
                ],
            )


def concrete_field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field), f"{name} is not a column of {model.__name__}"
    return field


@models.Field.register_lookup
class AnyOf(In):
    """`field__any_of=[...]`: `field IN (...)`, sent to PostgreSQL as `field = ANY(array)`."""

    lookup_name = "any_of"

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection) for value in self.rhs if value is not None]
        # Text as text (not varchar(n)), so an index on lower(column) or upper(column) matches.
        kind = "text" if field.get_internal_type() in TEXT_FIELDS else field.db_type(connection)
        return f"{lhs} = ANY(%s::{kind}[])", [*lhs_params, values]


models.ForeignObject.register_lookup(AnyOf)  # student_id__any_of=[...] on a foreign key's column
TEXT_FIELDS = {"CharField", "EmailField", "TextField", "SlugField"}
