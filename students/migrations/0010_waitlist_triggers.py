"""Waitlists kept by the database: counts, events, and promotion whenever a seat frees.

- `courses_course.waitlist_count` follows the rows of `waitlist_entries` (triggers, as
  `enrolled_count` does); the check `course_waitlist_within_capacity` then refuses a full
  waitlist. An entry never moves to another student or course (refused).
- Events: `waitlisted` for a new entry; `left_waitlist` for a removed one, unless it was removed
  because the student got the seat (promotion, or enrolling).
- Promotion: after anything that may free seats in a course (enrollments deleted or moved away,
  its capacity changed, an entry added), the first waiting students in joining order are
  enrolled until the seats are taken or nobody waits, in the same statement: a `promoted` event,
  then the enrollment (and its `enrolled` event), then the entry goes. Every writer gets it, so
  no course keeps a free seat while someone waits; on PostgreSQL a constraint trigger checks
  that at commit too (`course_no_free_seat_while_waiting`). Seats are counted from the rows,
  not from `enrolled_count`, so the order in which triggers fire does not matter for the count.
- SQLite fires a table's triggers newest first: the enrollment count and event triggers are
  made again after the promotion triggers, so that on a drop the count and the `dropped` event
  come before the promotion. The rebuild of `courses_course` by courses/0005 dropped its
  count guards on SQLite: they are made again here.
"""

import importlib

from django.db import migrations

counts = importlib.import_module("students.migrations.0005_enrolled_count_triggers")
events = importlib.import_module("students.migrations.0008_enrollment_event_triggers")
LOCK = events.EVENTS_LOCK_KEY

WHO_PG = """
    who text := NULLIF(current_setting('school.actor', true), '');
    via text := COALESCE(NULLIF(current_setting('school.source', true), ''), 'system');"""

POSTGRESQL_CREATE = [
    """CREATE FUNCTION waitlist_count_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE courses_course c SET waitlist_count = c.waitlist_count + n.added
        FROM (SELECT course_id, COUNT(*) AS added FROM changed_rows GROUP BY course_id) n
        WHERE c.id = n.course_id;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION waitlist_count_subtract() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE courses_course c SET waitlist_count = c.waitlist_count - n.removed
        FROM (SELECT course_id, COUNT(*) AS removed FROM changed_rows GROUP BY course_id) n
        WHERE c.id = n.course_id;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION waitlist_count_reset() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE courses_course SET waitlist_count = 0 WHERE waitlist_count <> 0;
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION waitlist_events_append() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE {WHO_PG}
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NOT EXISTS (SELECT 1 FROM new_rows) THEN RETURN NULL; END IF;
            PERFORM pg_advisory_xact_lock({LOCK});
            INSERT INTO enrollment_events (student_id, course_id, action, at, actor, source)
            SELECT student_id, course_id, 'waitlisted', clock_timestamp(), who, via FROM new_rows ORDER BY id;
        ELSIF TG_OP = 'DELETE' THEN
            IF NOT EXISTS (
                SELECT 1 FROM old_rows o WHERE NOT EXISTS (
                    SELECT 1 FROM student_courses e WHERE e.student_id = o.student_id AND e.course_id = o.course_id)
            ) THEN RETURN NULL; END IF;
            PERFORM pg_advisory_xact_lock({LOCK});
            INSERT INTO enrollment_events (student_id, course_id, action, at, actor, source)
            SELECT o.student_id, o.course_id, 'left_waitlist', clock_timestamp(), who, via FROM old_rows o
            WHERE NOT EXISTS (
                SELECT 1 FROM student_courses e WHERE e.student_id = o.student_id AND e.course_id = o.course_id)
            ORDER BY o.id;
        ELSE  -- TRUNCATE, before it happens
            PERFORM pg_advisory_xact_lock({LOCK});
            INSERT INTO enrollment_events (student_id, course_id, action, at, actor, source)
            SELECT student_id, course_id, 'left_waitlist', clock_timestamp(), who, via
            FROM waitlist_entries ORDER BY id;
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION waitlist_promote(course_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
        chosen bigint[]; {WHO_PG}
    BEGIN
        SELECT array_agg(r.id ORDER BY r.id) INTO chosen
        FROM (
            SELECT w.id, w.course_id, row_number() OVER (PARTITION BY w.course_id ORDER BY w.id) AS n
            FROM waitlist_entries w WHERE w.course_id = ANY(course_ids)
        ) r JOIN courses_course c ON c.id = r.course_id
        WHERE c.capacity IS NULL
           OR r.n <= c.capacity - (SELECT COUNT(*) FROM student_courses e WHERE e.course_id = c.id);
        IF chosen IS NULL THEN RETURN; END IF;
        PERFORM pg_advisory_xact_lock({LOCK});
        INSERT INTO enrollment_events (student_id, course_id, action, at, actor, source)
        SELECT student_id, course_id, 'promoted', clock_timestamp(), who, via
        FROM waitlist_entries WHERE id = ANY(chosen) ORDER BY id;
        INSERT INTO student_courses (student_id, course_id, enrolled_at)
        SELECT student_id, course_id, now() FROM waitlist_entries WHERE id = ANY(chosen) ORDER BY id;
        DELETE FROM waitlist_entries WHERE id = ANY(chosen);
    END $$""",
    """CREATE FUNCTION waitlist_promote_after_drop() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM waitlist_promote(ARRAY(SELECT DISTINCT course_id FROM old_rows));
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION waitlist_promote_after_join() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM waitlist_promote(ARRAY(SELECT DISTINCT course_id FROM new_rows));
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION waitlist_promote_after_capacity() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM waitlist_promote(ARRAY[NEW.id]);
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION waitlist_entry_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'a waitlist entry keeps its student and course: leave and join instead'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'waitlist_entry_fixed';
    END $$""",
    """CREATE FUNCTION course_no_free_seat_while_waiting() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM courses_course c WHERE c.id = NEW.id AND c.waitlist_count > 0
            AND (c.capacity IS NULL OR c.enrolled_count < c.capacity)
        ) THEN
            RAISE EXCEPTION 'course % would have a free seat while students wait', NEW.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'course_no_free_seat_while_waiting';
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER waitlist_count_insert AFTER INSERT ON waitlist_entries
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION waitlist_count_add()""",
    """CREATE TRIGGER waitlist_count_delete AFTER DELETE ON waitlist_entries
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION waitlist_count_subtract()""",
    """CREATE TRIGGER waitlist_count_truncate AFTER TRUNCATE ON waitlist_entries
    FOR EACH STATEMENT EXECUTE FUNCTION waitlist_count_reset()""",
    """CREATE TRIGGER waitlist_events_insert AFTER INSERT ON waitlist_entries
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION waitlist_events_append()""",
    """CREATE TRIGGER waitlist_events_delete AFTER DELETE ON waitlist_entries
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION waitlist_events_append()""",
    """CREATE TRIGGER waitlist_events_truncate BEFORE TRUNCATE ON waitlist_entries
    FOR EACH STATEMENT EXECUTE FUNCTION waitlist_events_append()""",
    """CREATE TRIGGER waitlist_entry_fixed BEFORE UPDATE OF student_id, course_id ON waitlist_entries
    FOR EACH ROW EXECUTE FUNCTION waitlist_entry_fixed()""",
    # Statement triggers of one event fire in name order: these come after the counts and events.
    """CREATE TRIGGER waitlist_promote_on_drop AFTER DELETE ON student_courses
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION waitlist_promote_after_drop()""",
    """CREATE TRIGGER waitlist_promote_on_move AFTER UPDATE ON student_courses
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION waitlist_promote_after_drop()""",
    """CREATE TRIGGER waitlist_promote_on_join AFTER INSERT ON waitlist_entries
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION waitlist_promote_after_join()""",
    """CREATE TRIGGER waitlist_promote_on_capacity AFTER UPDATE OF capacity ON courses_course
    FOR EACH ROW WHEN (NEW.capacity IS DISTINCT FROM OLD.capacity)
    EXECUTE FUNCTION waitlist_promote_after_capacity()""",
    """CREATE CONSTRAINT TRIGGER course_no_free_seat_while_waiting AFTER INSERT OR UPDATE ON courses_course
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION course_no_free_seat_while_waiting()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS course_no_free_seat_while_waiting ON courses_course",
    "DROP TRIGGER IF EXISTS waitlist_promote_on_capacity ON courses_course",
    "DROP TRIGGER IF EXISTS waitlist_promote_on_join ON waitlist_entries",
    "DROP TRIGGER IF EXISTS waitlist_promote_on_move ON student_courses",
    "DROP TRIGGER IF EXISTS waitlist_promote_on_drop ON student_courses",
    "DROP TRIGGER IF EXISTS waitlist_entry_fixed ON waitlist_entries",
    "DROP TRIGGER IF EXISTS waitlist_events_truncate ON waitlist_entries",
    "DROP TRIGGER IF EXISTS waitlist_events_delete ON waitlist_entries",
    "DROP TRIGGER IF EXISTS waitlist_events_insert ON waitlist_entries",
    "DROP TRIGGER IF EXISTS waitlist_count_truncate ON waitlist_entries",
    "DROP TRIGGER IF EXISTS waitlist_count_delete ON waitlist_entries",
    "DROP TRIGGER IF EXISTS waitlist_count_insert ON waitlist_entries",
    "DROP FUNCTION IF EXISTS course_no_free_seat_while_waiting()",
    "DROP FUNCTION IF EXISTS waitlist_entry_fixed()",
    "DROP FUNCTION IF EXISTS waitlist_promote_after_capacity()",
    "DROP FUNCTION IF EXISTS waitlist_promote_after_join()",
    "DROP FUNCTION IF EXISTS waitlist_promote_after_drop()",
    "DROP FUNCTION IF EXISTS waitlist_promote(bigint[])",
    "DROP FUNCTION IF EXISTS waitlist_events_append()",
    "DROP FUNCTION IF EXISTS waitlist_count_reset()",
    "DROP FUNCTION IF EXISTS waitlist_count_subtract()",
    "DROP FUNCTION IF EXISTS waitlist_count_add()",
]

NOW = events.SQLITE_NOW
WHO = events.SQLITE_WHO


def sqlite_promote(course):
    """Statements enrolling the first waiting students of `course` (an SQL expression) into its
    free seats: `promoted` events, the enrollments, then their entries go."""
    seats = (
        "(SELECT CASE WHEN c.capacity IS NULL THEN -1 ELSE MAX(c.capacity - "
        "(SELECT COUNT(*) FROM student_courses e WHERE e.course_id = c.id), 0) END "
        f"FROM courses_course c WHERE c.id = {course})"
    )
    first = f"FROM waitlist_entries w WHERE w.course_id = {course} ORDER BY w.id LIMIT {seats}"
    return (
        "INSERT INTO enrollment_events (student_id, course_id, action, at, actor, source) "
        f"SELECT w.student_id, w.course_id, 'promoted', {NOW}, {WHO} {first}; "
        "INSERT INTO student_courses (student_id, course_id, enrolled_at) "
        f"SELECT w.student_id, w.course_id, {NOW} {first}; "
        f"DELETE FROM waitlist_entries WHERE course_id = {course} AND EXISTS (SELECT 1 FROM student_courses e "
        "WHERE e.student_id = waitlist_entries.student_id AND e.course_id = waitlist_entries.course_id);"
    )


WAITING = "EXISTS (SELECT 1 FROM waitlist_entries WHERE course_id = {course})"
SQLITE_PROMOTE = [
    f"""CREATE TRIGGER waitlist_promote_on_drop AFTER DELETE ON student_courses
    WHEN {WAITING.format(course="OLD.course_id")} BEGIN {sqlite_promote("OLD.course_id")} END""",
    f"""CREATE TRIGGER waitlist_promote_on_move AFTER UPDATE OF course_id ON student_courses
    WHEN OLD.course_id <> NEW.course_id AND {WAITING.format(course="OLD.course_id")}
    BEGIN {sqlite_promote("OLD.course_id")} END""",
    f"""CREATE TRIGGER waitlist_promote_on_join AFTER INSERT ON waitlist_entries
    BEGIN {sqlite_promote("NEW.course_id")} END""",
    f"""CREATE TRIGGER waitlist_promote_on_capacity AFTER UPDATE OF capacity ON courses_course
    WHEN NEW.capacity IS NOT OLD.capacity AND {WAITING.format(course="NEW.id")}
    BEGIN {sqlite_promote("NEW.id")} END""",
]
SQLITE_WAITLIST = [
    # Made after the promotion triggers: SQLite fires the newest first.
    f"""CREATE TRIGGER waitlist_events_insert AFTER INSERT ON waitlist_entries
    BEGIN INSERT INTO enrollment_events (student_id, course_id, action, at, actor, source)
    VALUES (NEW.student_id, NEW.course_id, 'waitlisted', {NOW}, {WHO}); END""",
    f"""CREATE TRIGGER waitlist_events_delete AFTER DELETE ON waitlist_entries
    WHEN NOT EXISTS (SELECT 1 FROM student_courses e WHERE e.student_id = OLD.student_id AND e.course_id = OLD.course_id)
    BEGIN INSERT INTO enrollment_events (student_id, course_id, action, at, actor, source)
    VALUES (OLD.student_id, OLD.course_id, 'left_waitlist', {NOW}, {WHO}); END""",
    """CREATE TRIGGER waitlist_count_insert AFTER INSERT ON waitlist_entries
    BEGIN UPDATE courses_course SET waitlist_count = waitlist_count + 1 WHERE id = NEW.course_id; END""",
    """CREATE TRIGGER waitlist_count_delete AFTER DELETE ON waitlist_entries
    BEGIN UPDATE courses_course SET waitlist_count = waitlist_count - 1 WHERE id = OLD.course_id; END""",
    """CREATE TRIGGER waitlist_entry_fixed BEFORE UPDATE OF student_id, course_id ON waitlist_entries
    BEGIN SELECT RAISE(ABORT, 'waitlist_entry_fixed: a waitlist entry keeps its student and course'); END""",
]


def sqlite_remade(prefix, source):
    """The statements of `source` (a list) that create the triggers named `prefix...`."""
    return [s for s in source if s.startswith(f"CREATE TRIGGER {prefix}")]


# The enrollment triggers, made again after the promotion: counts first, then events, then promotion.
SQLITE_ENROLLMENT_AGAIN = [
    *sqlite_remade("enrollment_events_delete", events.SQLITE_TRIGGERS),
    *sqlite_remade("enrollment_events_update", events.SQLITE_TRIGGERS),
    *sqlite_remade("enrolled_count_delete", counts.SQLITE_CREATE),
    *sqlite_remade("enrolled_count_update", counts.SQLITE_CREATE),
]
SQLITE_GUARDS = sqlite_remade("enrolled_count_guard", counts.SQLITE_CREATE)
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS waitlist_entry_fixed",
    "DROP TRIGGER IF EXISTS waitlist_count_delete",
    "DROP TRIGGER IF EXISTS waitlist_count_insert",
    "DROP TRIGGER IF EXISTS waitlist_events_delete",
    "DROP TRIGGER IF EXISTS waitlist_events_insert",
    "DROP TRIGGER IF EXISTS waitlist_promote_on_capacity",
    "DROP TRIGGER IF EXISTS waitlist_promote_on_join",
    "DROP TRIGGER IF EXISTS waitlist_promote_on_move",
    "DROP TRIGGER IF EXISTS waitlist_promote_on_drop",
]


def trigger_name(statement):
    return statement.split()[2]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL_CREATE:
            schema_editor.execute(statement, None)
        return
    for statement in SQLITE_GUARDS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger_name(statement)}")
        schema_editor.execute(statement, None)
    for statement in [*SQLITE_PROMOTE, *SQLITE_WAITLIST]:
        schema_editor.execute(statement, None)
    for statement in SQLITE_ENROLLMENT_AGAIN:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger_name(statement)}")
        schema_editor.execute(statement, None)


def drop(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRESQL_DROP if postgresql else SQLITE_DROP:
        schema_editor.execute(statement, None)


class Migration(migrations.Migration):
    dependencies = [("students", "0009_waitlist_entries")]
    operations = [migrations.RunPython(create, drop)]
