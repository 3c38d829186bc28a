"""`Course.enrolled_count` kept by the database, whoever writes `student_courses`.

Until now the enrollment service added to and subtracted from the count in Python, so any other
writer (`student.courses.add()`, a queryset `delete()`, raw SQL) let it drift from the real rows,
and the capacity check (`enrolled_count <= capacity`) then guarded a wrong number. Here:

- triggers on `student_courses` change the count in the same statement as the rows (on
  PostgreSQL one UPDATE per statement, from its transition tables; TRUNCATE resets the counts;
  on SQLite one UPDATE per row), so the capacity check guards the real number of rows;
- a guard on `courses_course` refuses any other write of the count (an INSERT or UPDATE that
  sets it) unless the value is the real number of rows: the count can be repaired, never
  broken. On PostgreSQL the guard does not run for the triggers' own updates (trigger depth).

Applying it repairs every count first; a course that already has more students than seats
stops the migration, naming it, for a person to decide. Reversing drops the triggers and
leaves the counts exact (the code before this migration kept them in Python).
"""

from django.db import migrations

POSTGRESQL_CREATE = [
    """CREATE FUNCTION enrolled_count_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE courses_course c SET enrolled_count = c.enrolled_count + n.added
        FROM (SELECT course_id, COUNT(*) AS added FROM changed_rows GROUP BY course_id) n
        WHERE c.id = n.course_id;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION enrolled_count_subtract() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE courses_course c SET enrolled_count = c.enrolled_count - n.removed
        FROM (SELECT course_id, COUNT(*) AS removed FROM changed_rows GROUP BY course_id) n
        WHERE c.id = n.course_id;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION enrolled_count_move() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE courses_course c SET enrolled_count = c.enrolled_count + n.change
        FROM (
            SELECT course_id, SUM(change) AS change FROM (
                SELECT course_id, 1 AS change FROM new_rows
                UNION ALL SELECT course_id, -1 FROM old_rows
            ) moved GROUP BY course_id HAVING SUM(change) <> 0
        ) n
        WHERE c.id = n.course_id;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION enrolled_count_reset() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE courses_course SET enrolled_count = 0 WHERE enrolled_count <> 0;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION enrolled_count_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.enrolled_count <> (SELECT COUNT(*) FROM student_courses WHERE course_id = NEW.id) THEN
            RAISE EXCEPTION 'enrolled_count of course % must equal its enrollments', NEW.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'course_enrolled_count_exact';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER enrolled_count_insert AFTER INSERT ON student_courses
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION enrolled_count_add()""",
    """CREATE TRIGGER enrolled_count_delete AFTER DELETE ON student_courses
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION enrolled_count_subtract()""",
    """CREATE TRIGGER enrolled_count_update AFTER UPDATE ON student_courses
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION enrolled_count_move()""",
    """CREATE TRIGGER enrolled_count_truncate AFTER TRUNCATE ON student_courses
    FOR EACH STATEMENT EXECUTE FUNCTION enrolled_count_reset()""",
    # Only writes from outside a trigger are checked: the triggers above keep the count exact.
    """CREATE TRIGGER enrolled_count_guard BEFORE INSERT OR UPDATE OF enrolled_count ON courses_course
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION enrolled_count_guard()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS enrolled_count_guard ON courses_course",
    "DROP TRIGGER IF EXISTS enrolled_count_truncate ON student_courses",
    "DROP TRIGGER IF EXISTS enrolled_count_update ON student_courses",
    "DROP TRIGGER IF EXISTS enrolled_count_delete ON student_courses",
    "DROP TRIGGER IF EXISTS enrolled_count_insert ON student_courses",
    "DROP FUNCTION IF EXISTS enrolled_count_guard()",
    "DROP FUNCTION IF EXISTS enrolled_count_reset()",
    "DROP FUNCTION IF EXISTS enrolled_count_move()",
    "DROP FUNCTION IF EXISTS enrolled_count_subtract()",
    "DROP FUNCTION IF EXISTS enrolled_count_add()",
]
SQLITE_GUARD = """WHEN NEW.enrolled_count <> (SELECT COUNT(*) FROM student_courses WHERE course_id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'course_enrolled_count_exact: enrolled_count must equal the enrollments'); END"""
SQLITE_CREATE = [
    """CREATE TRIGGER enrolled_count_insert AFTER INSERT ON student_courses
    BEGIN UPDATE courses_course SET enrolled_count = enrolled_count + 1 WHERE id = NEW.course_id; END""",
    """CREATE TRIGGER enrolled_count_delete AFTER DELETE ON student_courses
    BEGIN UPDATE courses_course SET enrolled_count = enrolled_count - 1 WHERE id = OLD.course_id; END""",
    """CREATE TRIGGER enrolled_count_update AFTER UPDATE OF course_id ON student_courses
    WHEN OLD.course_id <> NEW.course_id BEGIN
        UPDATE courses_course SET enrolled_count = enrolled_count - 1 WHERE id = OLD.course_id;
        UPDATE courses_course SET enrolled_count = enrolled_count + 1 WHERE id = NEW.course_id;
    END""",
    # SQLite cannot tell the triggers' own updates apart: the guard counts the rows every time.
    f"CREATE TRIGGER enrolled_count_guard_insert BEFORE INSERT ON courses_course {SQLITE_GUARD}",
    f"CREATE TRIGGER enrolled_count_guard_update BEFORE UPDATE OF enrolled_count ON courses_course {SQLITE_GUARD}",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS enrolled_count_guard_update",
    "DROP TRIGGER IF EXISTS enrolled_count_guard_insert",
    "DROP TRIGGER IF EXISTS enrolled_count_update",
    "DROP TRIGGER IF EXISTS enrolled_count_delete",
    "DROP TRIGGER IF EXISTS enrolled_count_insert",
]
ACTUAL = "(SELECT COUNT(*) FROM student_courses e WHERE e.course_id = courses_course.id)"


class OverFullCourses(Exception):
    pass


def repair_counts(schema_editor):
    """Set every count from its rows; refuse (naming them) courses with more students than seats."""
    if schema_editor.connection.vendor == "postgresql":
        # No enrollment may come or go between counting and the triggers taking over.
        schema_editor.execute("LOCK TABLE student_courses, courses_course IN SHARE ROW EXCLUSIVE MODE")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT code, capacity, {ACTUAL} FROM courses_course "
            f"WHERE capacity IS NOT NULL AND {ACTUAL} > capacity ORDER BY code"
        )
        over_full = cursor.fetchall()
    if over_full:
        names = "; ".join(f"{code}: {n} students, {capacity} seats" for code, capacity, n in over_full)
        raise OverFullCourses(
            f"Courses with more students than seats: {names}. Raise their capacity or unenroll "
            "students (in SQL), then migrate again."
        )
    schema_editor.execute(
        f"UPDATE courses_course SET enrolled_count = {ACTUAL} WHERE enrolled_count <> {ACTUAL}"
    )


def create(apps, schema_editor):
    repair_counts(schema_editor)
    postgresql = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRESQL_CREATE if postgresql else SQLITE_CREATE:
        schema_editor.execute(statement, None)  # no parameters: '%' is the text's own


def drop(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRESQL_DROP if postgresql else SQLITE_DROP:
        schema_editor.execute(statement, None)


class Migration(migrations.Migration):
    dependencies = [
        ("students", "0004_student_count"),
        ("courses", "0002_enrolled_count"),
    ]
    operations = [migrations.RunPython(create, drop)]
