"""CSV export of `students/` and of a course's roster: every row, streamed in keyset chunks, for
exactly those who may read the JSON list."""

import csv
import datetime
import io

import pytest
from django.db.models import Q

from courses.tests.factories import CourseFactory
from school import csv_export
from school.csv_export import after, ordering_of
from school.tests.problems import assert_problem
from students.models import Enrollment, Student
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

STUDENTS = "/api/v1/students/"
CSV = {"HTTP_ACCEPT": "text/csv"}
STUDENT_HEADER = ["id", "first_name", "last_name", "email"]
ROSTER_HEADER = [*STUDENT_HEADER, "enrolled_at"]


def roster_url(course_id):
    return f"/api/v1/courses/{course_id}/students/"


def body_of(response):
    """The whole streamed body, checked to be a streamed CSV answer."""
    assert response.status_code == 200, response
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content)


def rows_of(response):
    return list(csv.reader(io.StringIO(body_of(response).decode(), newline="")))


def student_row(student):
    return [str(student.pk), student.first_name, student.last_name, student.email]


def json_rows(client, url, params=None):
    """The JSON list's rows as the CSV writes them, in the JSON list's order (every page)."""
    results = client.get(url, {**(params or {}), "page_size": 100}).json()["results"]
    assert len(results) < 100, "the comparison needs the whole list on one page"
    columns = ROSTER_HEADER if "enrolled_at" in (results[0] if results else {}) else STUDENT_HEADER
    return [[str(entry[column]) for column in columns] for entry in results]


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 3 rows, so a handful of students cross several chunk borders."""
    monkeypatch.setattr(csv_export, "CHUNK_SIZE", 3)


@pytest.fixture
def student_user(make_user, client_for):
    """A student user's client and their student."""
    user = make_user()
    return client_for(user), StudentFactory(user=user)


class TestStudentsCSV:
    @pytest.mark.parametrize(
        "ask", [{"headers": CSV}, {"query": {"format": "csv"}}], ids=["accept", "format"]
    )
    def test_every_student_by_id_with_a_header_row(self, reader, ask):
        students = [StudentFactory() for _ in range(3)]
        response = reader.get(STUDENTS, ask.get("query"), **ask.get("headers", {}))
        assert response["Content-Disposition"] == 'attachment; filename="students.csv"'
        body = body_of(response)
        expected = "".join(",".join(row) + "\r\n" for row in [STUDENT_HEADER, *map(student_row, students)])
        assert body == expected.encode()

    def test_every_row_not_one_page(self, reader, small_chunks):
        StudentFactory.create_batch(25)
        rows = rows_of(reader.get(STUDENTS, {"page_size": 2, "page": 3}, **CSV))
        assert [int(row[0]) for row in rows[1:]] == list(
            Student.objects.order_by("id").values_list("id", flat=True)
        )

    def test_utf8_without_bom_and_text_as_stored(self, reader):
        StudentFactory(first_name="Zoë", last_name="O'Brien, Jr.", email="zoe@example.edu")
        body = body_of(reader.get(STUDENTS, **CSV))
        assert not body.startswith(b"\xef\xbb\xbf")
        assert b'"O\'Brien, Jr."' in body
        assert rows_of(reader.get(STUDENTS, **CSV))[1][1:] == ["Zoë", "O'Brien, Jr.", "zoe@example.edu"]

    def test_cells_a_spreadsheet_would_run_are_neutralised(self, reader):
        StudentFactory(first_name="=cmd|' /C calc'!A0", last_name="+1-2", email="eve@example.edu")
        StudentFactory(first_name="@SUM(A1)", last_name="-3", email="mallory@example.edu")
        rows = rows_of(reader.get(STUDENTS, **CSV))
        assert [row[1:3] for row in rows[1:]] == [["'=cmd|' /C calc'!A0", "'+1-2"], ["'@SUM(A1)", "'-3"]]

    @pytest.mark.parametrize(
        "ordering", [None, "last_name", "-last_name", "first_name", "-created_at", "created_at"]
    )
    def test_rows_cross_chunk_borders_neither_lost_nor_repeated(self, reader, small_chunks, ordering):
        # Few distinct names and creation times: many rows tie on the ordering field, so chunk
        # borders fall inside runs of equal values, where only the id tells rows apart.
        for n in range(14):
            StudentFactory(last_name=["Smith", "Jones", "Brown"][n % 3], first_name=["Ann", "Bo"][n % 2])
        moments = [datetime.datetime(2026, 9, 1, 8, 0, second, tzinfo=datetime.UTC) for second in (0, 0, 1)]
        for student, moment in zip(Student.objects.order_by("id"), moments * 5, strict=False):
            Student.objects.filter(pk=student.pk).update(created_at=moment)
        params = {"ordering": ordering} if ordering else {}
        rows = rows_of(reader.get(STUDENTS, params, **CSV))
        assert rows[0] == STUDENT_HEADER
        assert rows[1:] == json_rows(reader, STUDENTS, params)
        assert len({row[0] for row in rows[1:]}) == Student.objects.count() == 14

    @pytest.mark.parametrize(
        "params", [{"search": "smith"}, {"search": "EXAMPLE.ORG"}, {"ordering": "-email"}]
    )
    def test_filters_and_ordering_as_the_json_list(self, reader, small_chunks, params):
        for n in range(8):
            StudentFactory(
                last_name="Smith" if n % 2 else "Jones", email=f"s{n}@example.{'org' if n < 5 else 'edu'}"
            )
        rows = rows_of(reader.get(STUDENTS, params, **CSV))
        assert rows[1:] == json_rows(reader, STUDENTS, params)
        assert len(rows) > 1

    def test_course_filter_gives_the_course_students(self, reader, small_chunks):
        course = CourseFactory()
        enrolled = [EnrollmentFactory(course=course).student for _ in range(5)]
        StudentFactory.create_batch(3)
        rows = rows_of(reader.get(STUDENTS, {"course": course.pk, "format": "csv"}))
        assert rows[1:] == [student_row(student) for student in enrolled]

    def test_a_student_user_gets_only_their_own_row(self, student_user):
        client, me = student_user
        StudentFactory.create_batch(4)
        assert rows_of(client.get(STUDENTS, **CSV)) == [STUDENT_HEADER, student_row(me)]

    def test_a_plain_user_is_refused_with_a_problem(self, plain_user):
        assert_problem(plain_user.get(STUDENTS, **CSV), 403, "permission_denied")
        assert_problem(plain_user.get(STUDENTS, {"format": "csv"}), 403, "permission_denied")

    def test_anonymous_is_401_problem(self, api_client):
        response = api_client.get(STUDENTS, {"format": "csv"})
        assert_problem(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == "Token"
        assert_problem(api_client.get(STUDENTS, **CSV), 401, "not_authenticated")

    @pytest.mark.parametrize(
        "params", [{"ordering": "password"}, {"course": "abc"}, {"course": "0"}, {"search": "x" * 201}]
    )
    def test_bad_query_parameters_are_400_problems(self, reader, params):
        assert_problem(reader.get(STUDENTS, params, **CSV), 400, "validation_error")

    def test_json_stays_the_default_and_says_it_varies_by_accept(self, reader):
        StudentFactory()
        response = reader.get(STUDENTS)
        assert response["Content-Type"] == "application/json"
        assert response.json()["count"] == 1
        assert "Accept" in reader.get(STUDENTS, **CSV)["Vary"]


class TestRosterCSV:
    def test_header_and_rows_by_student_id_with_enrolled_at_as_the_json_writes_it(self, reader, small_chunks):
        course = CourseFactory(code="CS-101")
        students = [EnrollmentFactory(course=course).student for _ in range(7)]
        EnrollmentFactory()  # another course's
        # One moment with microseconds, one without: the JSON drops a zero fraction.
        Enrollment.objects.filter(student=students[0]).update(
            enrolled_at=datetime.datetime(2026, 11, 27, 9, 30, 0, 123456, tzinfo=datetime.UTC)
        )
        Enrollment.objects.filter(student=students[1]).update(
            enrolled_at=datetime.datetime(2026, 11, 27, 9, 30, tzinfo=datetime.UTC)
        )
        response = reader.get(roster_url(course.pk), **CSV)
        assert response["Content-Disposition"] == 'attachment; filename="course-CS-101-roster.csv"'
        rows = rows_of(response)
        assert rows[0] == ROSTER_HEADER
        assert rows[1:] == json_rows(reader, roster_url(course.pk))
        assert [int(row[0]) for row in rows[1:]] == sorted(student.pk for student in students)
        assert rows[1][4] == "2026-11-27T09:30:00.123456Z"
        assert rows[2][4] == "2026-11-27T09:30:00Z"

    def test_an_empty_roster_is_the_header_alone(self, reader):
        course = CourseFactory()
        assert (
            body_of(reader.get(roster_url(course.pk), {"format": "csv"}))
            == b"id,first_name,last_name,email,enrolled_at\r\n"
        )

    def test_every_row_not_one_page(self, reader, small_chunks):
        course = CourseFactory()
        for _ in range(10):
            EnrollmentFactory(course=course)
        rows = rows_of(reader.get(roster_url(course.pk), {"page_size": 1}, **CSV))
        assert len(rows) == 11

    def test_the_course_instructor_reads_it_and_nobody_else(self, make_user, client_for, student_user):
        instructor = make_user()
        taught, other = CourseFactory(), CourseFactory()
        taught.instructors.add(instructor)
        enrollment = EnrollmentFactory(course=taught)
        teacher = client_for(instructor)
        rows = rows_of(teacher.get(roster_url(taught.pk), **CSV))
        assert [row[0] for row in rows[1:]] == [str(enrollment.student_id)]
        assert_problem(teacher.get(roster_url(other.pk), **CSV), 403, "permission_denied")
        client, _ = student_user
        assert_problem(client.get(roster_url(taught.pk), {"format": "csv"}), 403, "permission_denied")

    def test_an_unknown_course_is_404_problem(self, reader):
        assert_problem(reader.get(roster_url(999999), **CSV), 404, "not_found")
        assert_problem(reader.get(roster_url(999999), {"format": "csv"}), 404, "not_found")

    def test_anonymous_is_401_problem(self, api_client):
        assert_problem(api_client.get(roster_url(CourseFactory().pk), **CSV), 401, "not_authenticated")


class TestStreaming:
    @pytest.mark.parametrize("count", [0, 2, 3, 7, 9])
    def test_one_query_per_chunk_while_the_body_is_read(
        self, reader, small_chunks, count, django_assert_num_queries
    ):
        StudentFactory.create_batch(count)
        response = reader.get(STUDENTS, **CSV)
        assert response.streaming
        # Full chunks, then the one that comes back short (perhaps empty) and ends the export.
        with django_assert_num_queries(count // 3 + 1):
            body = b"".join(response.streaming_content)
        assert body.count(b"\r\n") == count + 1

    def test_a_roster_reads_in_chunks_too(self, reader, small_chunks, django_assert_num_queries):
        course = CourseFactory()
        for _ in range(7):
            EnrollmentFactory(course=course)
        response = reader.get(roster_url(course.pk), **CSV)
        with django_assert_num_queries(3):
            b"".join(response.streaming_content)


class TestOnlyTheListsAnswerCSV:
    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/courses/",
            "/api/v1/courses/{course}/",
            "/api/v1/courses/{course}/waitlist/",
            "/api/v1/students/{student}/",
            "/api/v1/students/{student}/courses/",
            "/api/v1/students/{student}/waitlist/",
            "/api/v1/students/{student}/events/",
            "/api/v1/enrollment-events/",
        ],
    )
    def test_other_reads_are_406(self, registrar, path):
        enrollment = EnrollmentFactory()
        url = path.format(course=enrollment.course_id, student=enrollment.student_id)
        assert_problem(registrar.get(url, **CSV), 406, "not_acceptable")

    def test_enrolling_students_in_bulk_is_406(self, registrar):
        course, student = CourseFactory(), StudentFactory()
        response = registrar.post(roster_url(course.pk), {"student_ids": [student.pk]}, format="json", **CSV)
        assert_problem(response, 406, "not_acceptable")
        assert not Enrollment.objects.exists()

    def test_creating_a_student_is_406(self, registrar):
        response = registrar.post(
            STUDENTS, {"first_name": "A", "last_name": "B", "email": "ab@example.edu"}, format="json", **CSV
        )
        assert_problem(response, 406, "not_acceptable")
        assert not Student.objects.exists()


class TestKeyset:
    def test_ordering_of_reads_the_queryset_order(self):
        students = Student.objects.order_by("-created_at", "last_name", "pk", "id")
        assert ordering_of(students) == [("created_at", True), ("last_name", False), ("id", False)]
        assert ordering_of(Student.objects.all()) == [("id", False)]  # the model's ordering

    def test_after_nests_the_fields_and_reverses_descending_ones(self):
        condition = after([("last_name", False), ("created_at", True), ("id", False)], ["Smith", "t", 7])
        expected = Q(last_name__gt="Smith") | (
            Q(last_name="Smith") & (Q(created_at__lt="t") | (Q(created_at="t") & Q(id__gt=7)))
        )
        assert condition == expected

    @pytest.mark.parametrize(
        "order", [("last_name", "first_name", "id"), ("-last_name", "id"), ("first_name", "-id")]
    )
    def test_after_each_row_come_exactly_the_rows_that_follow_it(self, order):
        for n in range(9):
            StudentFactory(last_name="AB"[n % 2], first_name="XYZ"[n % 3])
        students = Student.objects.order_by(*order)
        ordering = ordering_of(students)
        fields = [field for field, _ in ordering]
        rows = list(students.values_list(*fields))
        for position, row in enumerate(rows):
            assert list(students.filter(after(ordering, row)).values_list(*fields)) == rows[position + 1 :]
