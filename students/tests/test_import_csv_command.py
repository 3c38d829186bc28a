"""`manage.py import_csv`: the importer from the command line."""

import io

import pytest
from django.core.management import CommandError, call_command

from courses.tests.factories import CourseFactory
from students.models import Enrollment, EnrollmentEvent, Student
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_csv", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_imports_a_file_showing_progress_and_counts(tmp_path):
    path = tmp_path / "students.csv"
    path.write_text("email,first_name,last_name\n" + "".join(f"s{n}@x.edu,S,{n}\n" for n in range(12_000)))
    out, _ = run("students", str(path))
    assert "reading [" in out and "12,000 rows" in out
    assert "Imported students: 12,000 rows, 12,000 created" in out
    assert Student.objects.count() == 12_000


def test_a_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "courses.csv"
    path.write_text("code,title\nCS-1,One\n")
    out, _ = run("courses", str(path), "--dry-run")
    assert "Would import courses: 1 rows, 1 created" in out
    assert "Nothing was written" in out


def test_wrong_rows_are_reported_by_line_and_the_exit_status_is_1(tmp_path):
    student = StudentFactory()
    course = CourseFactory(capacity=1)
    path = tmp_path / "enrollments.csv"
    path.write_text(
        f"student_email,course_code\n{student.email},{course.code}\nnobody@x.edu,{course.code}\n{student.email},NOPE\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 rows are wrong") as failed:
        call_command("import_csv", "enrollments", str(path), stdout=io.StringIO(), stderr=err)
    assert failed.value.returncode == 1
    assert "line 3, student_email: unknown_student" in err.getvalue()
    assert "line 4, course_code: unknown_course" in err.getvalue()
    assert Enrollment.objects.count() == 0


def test_events_of_a_command_import_say_import(tmp_path):
    student, course = StudentFactory(), CourseFactory()
    path = tmp_path / "enrollments.csv"
    path.write_text(f"student_email,course_code\n{student.email},{course.code}\n")
    run("enrollments", str(path))
    assert list(EnrollmentEvent.objects.values_list("action", "source", "actor")) == [
        ("enrolled", "import", None)
    ]


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("students", str(tmp_path / "nope.csv"))
