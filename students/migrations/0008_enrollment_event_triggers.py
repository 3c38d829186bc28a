"""Every change to `student_courses` appends its event to `enrollment_events`, by the database.

- Triggers on `student_courses` append `enrolled` for each new row, `dropped` for each removed
  one (a DELETE, a cascade from a student, a TRUNCATE), both for a row moved to another student
  or course, in the same statement as the change, whoever writes. Who and through which door
  (`actor`, `source`) come from the transaction's settings `school.actor` and `school.source`
  (PostgreSQL; `students.events.recording_events` sets them) or from the one-row table
  `enrollment_event_context` (SQLite); nobody set them: `source` is `system`.
- The events are append-only: UPDATE and DELETE are refused (PostgreSQL also refuses an INSERT
  that does not come from these triggers). TRUNCATE stays possible on PostgreSQL, for an
  operator who wipes the whole database.
- Ids in commit order (the change feed's promise): on PostgreSQL each transaction that appends
  events first takes one transaction-level advisory lock, held until it commits or rolls back,
  so no other transaction takes an id between its first event and its commit, and an id never
  becomes visible after a higher one. SQLite has one writer at a time anyway.

Applying it writes one `enrolled` event (source `system`, at `enrolled_at`) for every existing
enrollment, so replaying the feed from the start rebuilds `student_courses`. Reversing drops
the triggers (the events table goes with the previous migration).
"""

from django.db import migrations

# pg_advisory_xact_lock's key: one lock for every appender of enrollment events.
EVENTS_LOCK_KEY = 7_340_102

POSTGRESQL_APPEND = f"""CREATE FUNCTION enrollment_events_append() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    who text := NULLIF(current_setting('school.actor', true), '');
    via text := COALESCE(NULLIF(current_setting('school.source', true), ''), 'system');
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT 1 FROM new_rows) THEN RETURN NULL; END IF;
        PERFORM pg_advisory_xact_lock({EVENTS_LOCK_KEY});
        INSERT INTO enrollment_events (student_id, course_id, action, at, actor, source)
        SELECT student_id, course_id, 'enrolled', clock_timestamp(), who, via
        FROM new_rows ORDER BY student_id, course_id;
    ELSIF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT 1 FROM old_rows) THEN RETURN NULL; END IF;
        PERFORM pg_advisory_xact_lock({EVENTS_LOCK_KEY});
        INSERT INTO enrollment_events (student_id, course_id, action, at, actor, source)
        SELECT student_id, course_id, 'dropped', clock_timestamp(), who, via
        FROM old_rows ORDER BY student_id, course_id;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NOT EXISTS (
            SELECT student_id, course_id FROM old_rows EXCEPT SELECT student_id, course_id FROM new_rows
        ) THEN RETURN NULL; END IF;
        PERFORM pg_advisory_xact_lock({EVENTS_LOCK_KEY});
        INSERT INTO enrollment_events (student_id, course_id, action, at, actor, source)
        SELECT student_id, course_id, 'dropped', clock_timestamp(), who, via FROM (
            SELECT student_id, course_id FROM old_rows EXCEPT SELECT student_id, course_id FROM new_rows
        ) gone ORDER BY student_id, course_id;
        INSERT INTO enrollment_events (student_id, course_id, action, at, actor, source)
        SELECT student_id, course_id, 'enrolled', clock_timestamp(), who, via FROM (
            SELECT student_id, course_id FROM new_rows EXCEPT SELECT student_id, course_id FROM old_rows
        ) came ORDER BY student_id, course_id;
    ELSE  -- TRUNCATE, before it happens: every enrollment is dropped
        PERFORM pg_advisory_xact_lock({EVENTS_LOCK_KEY});
        INSERT INTO enrollment_events (student_id, course_id, action, at, actor, source)
        SELECT student_id, course_id, 'dropped', clock_timestamp(), who, via
        FROM student_courses ORDER BY student_id, course_id;
    END IF;
    RETURN NULL;
END $$"""
POSTGRESQL_REFUSE = """CREATE FUNCTION enrollment_events_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'enrollment_events is append-only, written by the enrollment triggers (% refused)', TG_OP
        USING ERRCODE = 'check_violation', CONSTRAINT = 'enrollment_events_append_only';
END $$"""
POSTGRESQL_CREATE = [
    POSTGRESQL_APPEND,
    POSTGRESQL_REFUSE,
    """CREATE TRIGGER enrollment_events_insert AFTER INSERT ON student_courses
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION enrollment_events_append()""",
    """CREATE TRIGGER enrollment_events_delete AFTER DELETE ON student_courses
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION enrollment_events_append()""",
    """CREATE TRIGGER enrollment_events_update AFTER UPDATE ON student_courses
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION enrollment_events_append()""",
    """CREATE TRIGGER enrollment_events_truncate BEFORE TRUNCATE ON student_courses
    FOR EACH STATEMENT EXECUTE FUNCTION enrollment_events_append()""",
    """CREATE TRIGGER enrollment_events_append_only BEFORE UPDATE OR DELETE ON enrollment_events
    FOR EACH STATEMENT EXECUTE FUNCTION enrollment_events_refuse()""",
    # Only the triggers above append (they run at trigger depth 1 or more).
    """CREATE TRIGGER enrollment_events_only_from_triggers BEFORE INSERT ON enrollment_events
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION enrollment_events_refuse()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS enrollment_events_only_from_triggers ON enrollment_events",
    "DROP TRIGGER IF EXISTS enrollment_events_append_only ON enrollment_events",
    "DROP TRIGGER IF EXISTS enrollment_events_truncate ON student_courses",
    "DROP TRIGGER IF EXISTS enrollment_events_update ON student_courses",
    "DROP TRIGGER IF EXISTS enrollment_events_delete ON student_courses",
    "DROP TRIGGER IF EXISTS enrollment_events_insert ON student_courses",
    "DROP FUNCTION IF EXISTS enrollment_events_refuse()",
    "DROP FUNCTION IF EXISTS enrollment_events_append()",
]

SQLITE_WHO = (
    "(SELECT actor FROM enrollment_event_context WHERE id = 1), "
    "COALESCE((SELECT source FROM enrollment_event_context WHERE id = 1), 'system')"
)
SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def sqlite_append(row, action):
    return (
        "INSERT INTO enrollment_events (student_id, course_id, action, at, actor, source) "
        f"VALUES ({row}.student_id, {row}.course_id, '{action}', {SQLITE_NOW}, {SQLITE_WHO});"
    )


SQLITE_REFUSE = "SELECT RAISE(ABORT, 'enrollment_events_append_only: enrollment_events is append-only');"
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER enrollment_events_insert AFTER INSERT ON student_courses
    BEGIN {sqlite_append("NEW", "enrolled")} END""",
    f"""CREATE TRIGGER enrollment_events_delete AFTER DELETE ON student_courses
    BEGIN {sqlite_append("OLD", "dropped")} END""",
    f"""CREATE TRIGGER enrollment_events_update AFTER UPDATE OF student_id, course_id ON student_courses
    WHEN OLD.student_id <> NEW.student_id OR OLD.course_id <> NEW.course_id
    BEGIN {sqlite_append("OLD", "dropped")} {sqlite_append("NEW", "enrolled")} END""",
]
SQLITE_APPEND_ONLY = [
    f"CREATE TRIGGER enrollment_events_no_update BEFORE UPDATE ON enrollment_events BEGIN {SQLITE_REFUSE} END",
    f"CREATE TRIGGER enrollment_events_no_delete BEFORE DELETE ON enrollment_events BEGIN {SQLITE_REFUSE} END",
]
SQLITE_CREATE = [
    # Who is writing, for the triggers: set and cleared inside each write transaction.
    """CREATE TABLE enrollment_event_context (
        id INTEGER PRIMARY KEY CHECK (id = 1), actor TEXT NULL, source TEXT NULL
    )""",
    "INSERT INTO enrollment_event_context (id) VALUES (1)",
    *SQLITE_TRIGGERS,
    *SQLITE_APPEND_ONLY,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS enrollment_events_no_delete",
    "DROP TRIGGER IF EXISTS enrollment_events_no_update",
    "DROP TRIGGER IF EXISTS enrollment_events_update",
    "DROP TRIGGER IF EXISTS enrollment_events_delete",
    "DROP TRIGGER IF EXISTS enrollment_events_insert",
    "DROP TABLE IF EXISTS enrollment_event_context",
]
BACKFILL = """INSERT INTO enrollment_events (student_id, course_id, action, at, actor, source)
SELECT student_id, course_id, 'enrolled', enrolled_at, NULL, 'system' FROM student_courses
ORDER BY enrolled_at, id"""


def create(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        # No enrollment may come or go between the backfill and the triggers taking over.
        schema_editor.execute("LOCK TABLE student_courses IN SHARE ROW EXCLUSIVE MODE")
    schema_editor.execute(BACKFILL)
    for statement in POSTGRESQL_CREATE if postgresql else SQLITE_CREATE:
        schema_editor.execute(statement, None)  # no parameters: '%' is the text's own


def drop(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRESQL_DROP if postgresql else SQLITE_DROP:
        schema_editor.execute(statement, None)


class Migration(migrations.Migration):
    dependencies = [("students", "0007_enrollment_events")]
    operations = [migrations.RunPython(create, drop)]
