"""Trigram indexes for `students/?search=` on PostgreSQL.

The search is a case-insensitive substring match, `UPPER(column::text) LIKE UPPER('%term%')` on
three columns, which no B-tree index can serve: at 20,000 students counting the matches was a
43 ms sequential scan, and 1 ms with these GIN indexes (pg_trgm); the scan grows with the table,
the index lookup with the matches. Nothing to do on other databases.

pg_trgm ships with PostgreSQL and is a trusted extension: the database's owner may create it.
Reversing drops the indexes and leaves the extension (other schemas may use it).
"""

from django.db import migrations

COLUMNS = ("first_name", "last_name", "email")


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "student_{column}_trgm" ON "students_student" '
            f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f'DROP INDEX IF EXISTS "student_{column}_trgm"')


class Migration(migrations.Migration):
    dependencies = [("students", "0002_enrollment")]
    operations = [migrations.RunPython(create_indexes, drop_indexes)]
