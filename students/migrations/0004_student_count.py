"""An exact count of students, kept by the database, for the unfiltered `students/` list.

Every page of `students/` answers the total `count`. Without a filter that was `COUNT(*)` over
the whole table on every request: 15-30 ms at 200,000 students on the bench machine, and growing
with the table. The one-row table `student_count` holds the number instead, kept by triggers in
the same transaction as every insert and delete (on PostgreSQL one update per statement, and
TRUNCATE resets it; on SQLite one per row), so it is exact at every commit, whoever writes: the
API, the admin, `seed_demo` or a hand-written SQL statement. Concurrent student inserts wait for
each other on that row until commit; students are created far less often than they are listed.

It is not a model: `flush` (the test suite's reset) empties the students table, and the triggers
bring the count to 0 with it.
"""

from django.db import migrations

POSTGRESQL_CREATE = [
    "CREATE TABLE student_count (id smallint PRIMARY KEY CHECK (id = 1), students bigint NOT NULL)",
    # No student may come or go between counting them and the triggers taking over.
    "LOCK TABLE students_student IN SHARE ROW EXCLUSIVE MODE",
    "INSERT INTO student_count SELECT 1, COUNT(*) FROM students_student",
    """CREATE FUNCTION student_count_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE student_count SET students = students + (SELECT COUNT(*) FROM changed_rows);
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION student_count_subtract() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE student_count SET students = students - (SELECT COUNT(*) FROM changed_rows);
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION student_count_reset() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE student_count SET students = 0;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER student_count_insert AFTER INSERT ON students_student
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION student_count_add()""",
    """CREATE TRIGGER student_count_delete AFTER DELETE ON students_student
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION student_count_subtract()""",
    """CREATE TRIGGER student_count_truncate AFTER TRUNCATE ON students_student
    FOR EACH STATEMENT EXECUTE FUNCTION student_count_reset()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS student_count_truncate ON students_student",
    "DROP TRIGGER IF EXISTS student_count_delete ON students_student",
    "DROP TRIGGER IF EXISTS student_count_insert ON students_student",
    "DROP FUNCTION IF EXISTS student_count_reset()",
    "DROP FUNCTION IF EXISTS student_count_subtract()",
    "DROP FUNCTION IF EXISTS student_count_add()",
    "DROP TABLE IF EXISTS student_count",
]
# SQLite: the migration runs in a transaction that holds the write lock, and row triggers.
OTHER_CREATE = [
    "CREATE TABLE student_count (id smallint PRIMARY KEY CHECK (id = 1), students bigint NOT NULL)",
    "INSERT INTO student_count SELECT 1, COUNT(*) FROM students_student",
    """CREATE TRIGGER student_count_insert AFTER INSERT ON students_student
    BEGIN UPDATE student_count SET students = students + 1; END""",
    """CREATE TRIGGER student_count_delete AFTER DELETE ON students_student
    BEGIN UPDATE student_count SET students = students - 1; END""",
]
OTHER_DROP = [
    "DROP TRIGGER IF EXISTS student_count_delete",
    "DROP TRIGGER IF EXISTS student_count_insert",
    "DROP TABLE IF EXISTS student_count",
]


def run(statements_by_vendor):
    def operation(apps, schema_editor):
        postgresql, other = statements_by_vendor
        for statement in postgresql if schema_editor.connection.vendor == "postgresql" else other:
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("students", "0003_search_trigram_indexes")]
    operations = [
        migrations.RunPython(run((POSTGRESQL_CREATE, OTHER_CREATE)), run((POSTGRESQL_DROP, OTHER_DROP)))
    ]
