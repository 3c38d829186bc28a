"""CSV imports through the API: POST /api/v1/imports/{students,courses,enrollments}/."""

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from courses.models import Course
from courses.tests.factories import CourseFactory
from school.tests.problems import assert_problem
from students.exceptions import MAX_IMPORT_BYTES
from students.imports import MAX_IMPORT_ROWS, csv_import
from students.models import Enrollment, EnrollmentEvent, Student, WaitlistEntry
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


def upload(client, kind, content, *, query="", **extra):
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        f"/api/v1/imports/{kind}/{query}",
        {"file": SimpleUploadedFile("rows.csv", data)},
        format="multipart",
        **extra,
    )


def snapshot():
    return (
        list(Student.objects.order_by("pk").values_list("email", "first_name", "last_name")),
        list(
            Course.objects.order_by("pk").values_list("code", "title", "description", "credits", "capacity")
        ),
        sorted(Enrollment.objects.values_list("student_id", "course_id")),
        sorted(WaitlistEntry.objects.values_list("student_id", "course_id")),
        EnrollmentEvent.objects.count(),
    )


def row_errors(response):
    body = assert_problem(response, 400, "import_invalid")
    return [(error["row"], error["field"], error["code"]) for error in body["errors"]]


class TestStudents:
    def test_creates_updates_and_counts_what_did_not_change(self, registrar):
        StudentFactory(email="ada@example.edu", first_name="Ada", last_name="Byron")
        StudentFactory(email="alan@example.edu", first_name="Alan", last_name="Turing")
        csv = (
            "email,first_name,last_name\n"
            "ADA@example.edu,Ada,Lovelace\n"  # emails compare ignoring case
            "alan@example.edu,Alan,Turing\n"
            "grace@example.edu,Grace,Hopper\n"
        )
        response = upload(registrar, "students", csv)
        assert response.status_code == 201, response.content
        assert response["Location"].endswith("/api/v1/students/")
        assert response.json() == {
            "rows": 3,
            "created": 1,
            "updated": 1,
            "enrolled": 0,
            "dropped": 0,
            "unchanged": 1,
            "dry_run": False,
        }
        assert Student.objects.get(email="ada@example.edu").last_name == "Lovelace"
        assert Student.objects.get(email="grace@example.edu").first_name == "Grace"

    def test_importing_the_same_file_again_changes_nothing_and_is_200(self, registrar):
        csv = "email,first_name,last_name\nada@example.edu,Ada,Lovelace\n"
        assert upload(registrar, "students", csv).status_code == 201
        again = upload(registrar, "students", csv)
        assert again.status_code == 200
        assert again.json()["unchanged"] == 1

    def test_a_dry_run_answers_what_would_change_and_writes_nothing(self, registrar):
        before = snapshot()
        response = upload(
            registrar, "students", "email,first_name,last_name\na@x.edu,A,B\n", query="?dry_run=true"
        )
        assert response.status_code == 200
        assert response.json()["created"] == 1
        assert response.json()["dry_run"] is True
        assert snapshot() == before

    def test_column_order_is_free_extra_columns_are_ignored_and_a_bom_is_allowed(self, registrar):
        csv = "\ufeffnotes,Last_Name, email ,first_name\nhello,Lovelace,ada@example.edu,Ada\n"
        assert upload(registrar, "students", csv).status_code == 201
        assert Student.objects.get(email="ada@example.edu").last_name == "Lovelace"

    def test_every_wrong_row_is_listed_with_its_line_and_nothing_is_written(self, registrar):
        StudentFactory()
        before = snapshot()
        csv = (
            "email,first_name,last_name\n"
            "good@example.edu,Good,Row\n"
            "not-an-email,Bad,Email\n"
            "\n"  # a blank line is no row, but it counts as a line
            "blank@example.edu,,Name\n"
            "good@example.edu,Twice,Listed\n"
        )
        assert row_errors(upload(registrar, "students", csv)) == [
            (3, "email", "validation_error"),
            (5, "first_name", "validation_error"),
            (6, "email", "duplicate"),
        ]
        assert snapshot() == before

    def test_line_numbers_count_the_newlines_inside_quoted_cells(self, registrar):
        csv = 'email,first_name,last_name\n"a@example.edu","Multi\nLine","Name"\nbad,X,Y\n'
        assert row_errors(upload(registrar, "students", csv)) == [(4, "email", "validation_error")]

    def test_a_neutralised_formula_cell_is_read_back_as_its_text(self, registrar):
        upload(registrar, "students", "email,first_name,last_name\na@example.edu,'=cmd|' /C calc'!A0,X\n")
        assert Student.objects.get().first_name == "=cmd|' /C calc'!A0"

    def test_the_events_of_an_enrollment_import_say_import_and_who(self, make_user, client_for):
        user = make_user(group="Registrar")
        student, course = StudentFactory(), CourseFactory()
        upload(client_for(user), "enrollments", f"student_email,course_code\n{student.email},{course.code}\n")
        event = EnrollmentEvent.objects.get()
        assert (event.action, event.source, event.actor) == ("enrolled", "import", user.username)


class TestHostileFiles:
    @pytest.mark.parametrize(
        ("content", "expected"),
        [
            (
                "email,first_name,last_name\nada@example.edu,Ad\xe9,X\n".encode("latin-1"),
                (2, None, "encoding"),
            ),
            ("email,first_name,last_name\n".encode("utf-16"), (1, None, "encoding")),
            (b"", (1, None, "missing_header")),
            (b"\n\n", (1, None, "missing_header")),
            (b"email,first_name\na@x.edu,A\n", (1, "last_name", "missing_column")),
            (b"email,email,first_name,last_name\na@x.edu,b@x.edu,A,B\n", (1, "email", "duplicate_column")),
            (b"email,first_name,last_name\na@x.edu,A\x00,B\n", (2, None, "malformed")),
            (b'email,first_name,last_name\n"a@x.edu,A,B\n', (2, None, "malformed")),
            (b"email,first_name,last_name\na@x.edu," + b"A" * 200_000 + b",B\n", (2, None, "malformed")),
        ],
        ids=[
            "latin-1",
            "utf-16",
            "empty",
            "blank-lines",
            "missing",
            "duplicated",
            "nul",
            "open-quote",
            "huge-cell",
        ],
    )
    def test_a_file_that_is_not_what_it_should_be_is_one_clear_problem(self, registrar, content, expected):
        before = snapshot()
        errors = row_errors(upload(registrar, "students", content))
        assert errors[0] == expected, errors
        assert snapshot() == before

    def test_a_million_rows_stop_at_the_limit_without_reading_on(self, registrar):
        content = b"email,first_name,last_name\n" + b"a@x.edu,A,B\n" * 1_000_000
        started = time.monotonic()
        errors = row_errors(upload(registrar, "students", content))
        assert errors == [(MAX_IMPORT_ROWS + 2, None, "too_many_rows")]
        assert Student.objects.count() == 0
        assert time.monotonic() - started < 60  # a guard against an endless loop, not a benchmark

    def test_a_file_one_byte_over_the_limit_is_413_and_writes_nothing(self, registrar):
        content = b"email,first_name,last_name\n" + b"x" * (MAX_IMPORT_BYTES + 1 - 27)
        assert len(content) == MAX_IMPORT_BYTES + 1
        assert_problem(upload(registrar, "students", content), 413, "request_too_large")
        assert Student.objects.count() == 0

    def test_a_file_of_exactly_the_limit_is_read(self, registrar):
        content = b"email,first_name,last_name\n" + b"x" * (MAX_IMPORT_BYTES - 27)
        assert upload(registrar, "students", content).status_code == 400  # read, and wrong

    def test_a_declared_body_far_over_the_limit_is_refused_unread(self, registrar):
        response = registrar.generic(
            "POST",
            "/api/v1/imports/students/",
            b"",
            content_type="multipart/form-data; boundary=x",
            CONTENT_LENGTH=str(MAX_IMPORT_BYTES * 2),
        )
        assert_problem(response, 413, "request_too_large")

    def test_the_importer_itself_stops_reading_past_the_limit(self):
        row = b"a@x.edu,A,B," + b"n" * 100_000 + b"\n"  # an ignored column: few, long rows
        content = io.BytesIO(b"email,first_name,last_name,notes\n" + row * (MAX_IMPORT_BYTES // len(row) + 1))
        with pytest.raises(Exception, match="larger than"):
            csv_import(kind="students", file=content)

    def test_a_json_body_is_415(self, registrar):
        response = registrar.post("/api/v1/imports/students/", {"file": "x"}, format="json")
        assert_problem(response, 415, "unsupported_media_type")

    def test_no_file_is_a_validation_error_naming_it(self, registrar):
        response = registrar.post("/api/v1/imports/students/", {"other": "x"}, format="multipart")
        body = assert_problem(response, 400, "validation_error")
        assert body["errors"][0]["field"] == "file"

    def test_a_bad_dry_run_value_is_a_validation_error(self, registrar):
        body = assert_problem(
            upload(registrar, "students", "email,first_name,last_name\n", query="?dry_run=maybe"),
            400,
            "validation_error",
        )
        assert body["errors"][0]["field"] == "dry_run"

    def test_many_wrong_rows_are_listed_up_to_a_bound_then_counted(self, registrar):
        content = "email,first_name,last_name\n" + "bad,A,B\n" * 1500
        body = assert_problem(upload(registrar, "students", content), 400, "import_invalid")
        assert len(body["errors"]) == 1001
        assert body["errors"][-1]["code"] == "more_errors"
        assert "500 more" in body["errors"][-1]["detail"]


class TestCourses:
    def test_creates_and_updates_by_code_ignoring_case(self, registrar):
        CourseFactory(code="CS-101", title="Old", credits=3, capacity=10, description="Kept")
        csv = "code,title,credits,capacity\ncs-101,New title,5,\nMA-1,Maths,,30\n"
        response = upload(registrar, "courses", csv)
        assert response.status_code == 201, response.content
        assert (response.json()["created"], response.json()["updated"]) == (1, 1)
        updated = Course.objects.get(code="CS-101")
        assert (updated.title, updated.credits, updated.capacity, updated.description) == (
            "New title",
            5,
            None,  # an empty capacity is unlimited
            "Kept",  # no description column: kept
        )
        created = Course.objects.get(code="MA-1")
        assert (created.credits, created.capacity) == (0, 30)

    def test_every_wrong_row_is_listed(self, registrar):
        before = snapshot()
        csv = "code,title,credits,capacity\nbad code,,61,0\nOK-1,Fine,1,1\nok-1,Again,x,2\n"
        assert row_errors(upload(registrar, "courses", csv)) == [
            (2, "capacity", "validation_error"),
            (2, "code", "validation_error"),
            (2, "credits", "validation_error"),
            (2, "title", "validation_error"),
            (4, "code", "duplicate"),
            (4, "credits", "validation_error"),
        ]
        assert snapshot() == before

    def test_a_capacity_below_the_enrollment_is_a_row_error(self, registrar):
        course = CourseFactory(code="FULL-1", capacity=5)
        EnrollmentFactory(course=course)
        EnrollmentFactory(course=course)
        before = snapshot()
        csv = "code,title,capacity\nNEW-1,New,3\nfull-1,Full,1\n"
        assert row_errors(upload(registrar, "courses", csv)) == [(3, "capacity", "validation_error")]
        assert snapshot() == before

    def test_raising_a_capacity_promotes_the_first_waiting(self, registrar):
        course = CourseFactory(code="HOT-1", capacity=1, waitlist_capacity=5)
        EnrollmentFactory(course=course)
        first, second = StudentFactory(), StudentFactory()
        WaitlistEntry.objects.create(student=first, course=course)
        WaitlistEntry.objects.create(student=second, course=course)
        upload(registrar, "courses", f"code,title\n{course.code},{course.title}\n")  # unchanged
        assert upload(registrar, "courses", "code,title,capacity\nHOT-1,Hot,2\n").status_code == 201
        assert Enrollment.objects.filter(course=course, student=first).exists()
        assert list(WaitlistEntry.objects.values_list("student_id", flat=True)) == [second.pk]


class TestEnrollments:
    def test_enrolls_and_drops_and_counts(self, registrar):
        a, b, c = StudentFactory.create_batch(3)
        course = CourseFactory(capacity=2)
        EnrollmentFactory(student=a, course=course)
        EnrollmentFactory(student=b, course=course)
        csv = (
            "student_email,course_code,action\n"
            f"{a.email},{course.code},drop\n"
            f"{c.email},{course.code.lower()},\n"  # enroll is the default
            f"{b.email},{course.code},ENROLL\n"  # already: unchanged
        )
        response = upload(registrar, "enrollments", csv)
        assert response.status_code == 201, response.content
        assert response.json() | {"dry_run": None} == {
            "rows": 3,
            "created": 0,
            "updated": 0,
            "enrolled": 1,
            "dropped": 1,
            "unchanged": 1,
            "dry_run": None,
        }
        assert sorted(Enrollment.objects.values_list("student_id", flat=True)) == sorted([b.pk, c.pk])

    def test_unknown_students_and_courses_and_bad_actions_are_each_listed(self, registrar):
        student, course = StudentFactory(), CourseFactory()
        before = snapshot()
        csv = (
            "student_email,course_code,action\n"
            f"nobody@example.edu,{course.code},enroll\n"
            f"{student.email},NO-SUCH,enroll\n"
            f"{student.email},{course.code},explode\n"
            f"{student.email},{course.code},enroll\n"
            f"{student.email},{course.code},drop\n"
            f",{course.code},\n"
        )
        assert row_errors(upload(registrar, "enrollments", csv)) == [
            (2, "student_email", "unknown_student"),
            (3, "course_code", "unknown_course"),
            (4, "action", "validation_error"),
            (6, "course_code", "duplicate"),
            (7, "student_email", "validation_error"),
        ]
        assert snapshot() == before

    def test_rows_beyond_the_seats_are_course_full_and_nothing_is_written(self, registrar):
        course = CourseFactory(capacity=2)
        students = StudentFactory.create_batch(4)
        before = snapshot()
        csv = "student_email,course_code\n" + "".join(f"{s.email},{course.code}\n" for s in students)
        assert row_errors(upload(registrar, "enrollments", csv)) == [
            (4, "course_code", "course_full"),
            (5, "course_code", "course_full"),
        ]
        assert snapshot() == before

    def test_nobody_passes_the_waiting_students(self, registrar):
        course = CourseFactory(capacity=1, waitlist_capacity=5)
        leaving = EnrollmentFactory(course=course).student
        waiting, coming = StudentFactory(), StudentFactory()
        WaitlistEntry.objects.create(student=waiting, course=course)
        before = snapshot()
        csv = (
            f"student_email,course_code,action\n{coming.email},{course.code},enroll\n"
            f"{leaving.email},{course.code},drop\n"
        )
        assert row_errors(upload(registrar, "enrollments", csv)) == [(2, "course_code", "course_full")]
        assert snapshot() == before
        # Only the drop: its seat goes to the first waiting, in the same import.
        upload(
            registrar,
            "enrollments",
            f"student_email,course_code,action\n{leaving.email},{course.code},drop\n",
        )
        assert list(Enrollment.objects.filter(course=course).values_list("student_id", flat=True)) == [
            waiting.pk
        ]
        actions = list(EnrollmentEvent.objects.filter(course_id=course.pk).values_list("action", "source"))
        assert actions[-3:] == [("dropped", "import"), ("promoted", "import"), ("enrolled", "import")]


class TestIdempotency:
    def test_the_same_key_and_file_answers_the_first_answer_again(self, registrar):
        csv = "email,first_name,last_name\nada@example.edu,Ada,Lovelace\n"
        first = upload(registrar, "students", csv, HTTP_IDEMPOTENCY_KEY="import-1")
        again = upload(registrar, "students", csv, HTTP_IDEMPOTENCY_KEY="import-1")
        assert (first.status_code, again.status_code) == (201, 201)
        assert again["Idempotent-Replayed"] == "true"
        assert again.json() == first.json()

    def test_the_same_key_with_another_file_is_422(self, registrar):
        upload(registrar, "students", "email,first_name,last_name\na@x.edu,A,B\n", HTTP_IDEMPOTENCY_KEY="k")
        other = upload(
            registrar, "students", "email,first_name,last_name\nb@x.edu,A,B\n", HTTP_IDEMPOTENCY_KEY="k"
        )
        assert_problem(other, 422, "idempotency_key_reused")


def test_each_kind_needs_its_own_permissions(make_user, client_for):
    may_add_students_only = client_for(make_user("students.add_student"))
    response = upload(may_add_students_only, "students", "email,first_name,last_name\na@x.edu,A,B\n")
    assert_problem(response, 403, "permission_denied")
    both = client_for(make_user("students.add_student", "students.change_student"))
    assert upload(both, "students", "email,first_name,last_name\na@x.edu,A,B\n").status_code == 201
    assert_problem(upload(both, "courses", "code,title\nX-1,X\n"), 403, "permission_denied")


class TestRoundTrip:
    """An export imports back with no change."""

    def test_the_students_export_imports_back_unchanged(self, registrar):
        StudentFactory(first_name="=cmd|' /C calc'!A0", last_name="-2+3", email="formula@example.edu")
        StudentFactory(first_name="'t Hooft", last_name='Quote "and, comma"', email="quote@example.edu")
        StudentFactory(first_name="Multi\nline", last_name="Ünïcödé", email="multi@example.edu")
        StudentFactory.create_batch(5)
        before = snapshot()
        exported = b"".join(registrar.get("/api/v1/students/?format=csv").streaming_content)
        response = upload(registrar, "students", exported)
        assert response.status_code == 200, response.content
        assert response.json()["unchanged"] == response.json()["rows"] == 8
        assert snapshot() == before

    def test_a_roster_export_imports_back_unchanged(self, registrar):
        course = CourseFactory()
        for student in StudentFactory.create_batch(4):
            EnrollmentFactory(student=student, course=course)
        before = snapshot()
        exported = b"".join(
            registrar.get(f"/api/v1/courses/{course.pk}/students/", HTTP_ACCEPT="text/csv").streaming_content
        )
        response = upload(registrar, "students", exported)
        assert response.status_code == 200
        assert response.json()["unchanged"] == 4
        assert snapshot() == before
