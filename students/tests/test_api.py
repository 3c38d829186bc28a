"""The students resource: /api/v1/students/ and /api/v1/students/{id}/."""

import pytest
from django.db import connection

from school.tests.problems import assert_problem, error_fields
from students.models import Student
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/students/"
VALID = {"first_name": "Ada", "last_name": "Lovelace", "email": "Ada.Lovelace@Example.EDU"}
FIELDS = {"id", "first_name", "last_name", "email", "username", "created_at", "updated_at"}


def detail_url(student):
    return f"{URL}{student.pk}/"


def test_create_stores_the_email_lower_case_and_returns_every_field(registrar):
    response = registrar.post(URL, VALID, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == FIELDS
    assert body["email"] == "ada.lovelace@example.edu"
    assert Student.objects.get().email == "ada.lovelace@example.edu"


def test_read_only_and_unknown_fields_are_ignored(registrar):
    payload = {**VALID, "id": 999, "updated_at": "2000-01-01T00:00:00Z", "courses": [1], "nickname": "A"}
    body = registrar.post(URL, payload, format="json").json()
    assert body["id"] != 999
    assert not body["updated_at"].startswith("2000")
    assert set(body) == FIELDS


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"first_name": "a" * 101}, "first_name"),
        ({"first_name": None}, "first_name"),
        ({"last_name": ""}, "last_name"),
        ({"last_name": "a" * 101}, "last_name"),
        ({"email": ""}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"email": 42}, "email"),
    ],
)
def test_invalid_fields_are_400_naming_the_field(registrar, changes, field):
    body = assert_problem(registrar.post(URL, {**VALID, **changes}, format="json"), 400, "validation_error")
    assert field in error_fields(body)
    assert not Student.objects.exists()


def test_every_missing_field_is_named(registrar):
    body = assert_problem(registrar.post(URL, {}, format="json"), 400, "validation_error")
    assert error_fields(body) == {"first_name", "last_name", "email"}


def test_duplicate_email_ignoring_case_is_400_naming_email(registrar):
    StudentFactory(email="ada.lovelace@example.edu")
    body = assert_problem(registrar.post(URL, VALID, format="json"), 400, "validation_error")
    assert error_fields(body) == {"email"}


def test_updating_a_student_may_keep_its_own_email(registrar):
    student = StudentFactory(email="keep@example.edu")
    response = registrar.patch(
        detail_url(student), {"email": "KEEP@example.edu", "first_name": "K"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["email"] == "keep@example.edu"


def test_retrieve_put_patch_delete(registrar):
    student = StudentFactory()
    assert registrar.get(detail_url(student)).json()["id"] == student.pk
    response = registrar.put(detail_url(student), {**VALID, "first_name": "Augusta"}, format="json")
    assert response.status_code == 200
    assert (
        registrar.patch(detail_url(student), {"last_name": "King"}, format="json").json()["last_name"]
        == "King"
    )
    student.refresh_from_db()
    assert (student.first_name, student.last_name) == ("Augusta", "King")
    assert registrar.delete(detail_url(student)).status_code == 204
    assert not Student.objects.exists()


def test_unknown_student_is_404(reader):
    assert_problem(reader.get(f"{URL}424242/"), 404, "not_found")


def test_default_order_is_by_id_with_pagination(reader):
    students = StudentFactory.create_batch(22)
    body = reader.get(URL).json()
    assert body["count"] == 22
    assert [s["id"] for s in body["results"]] == [s.pk for s in students[:20]]
    assert len(reader.get(URL, {"page": 2}).json()["results"]) == 2


def test_search_matches_names_and_email(reader):
    StudentFactory(first_name="Grace", last_name="Hopper", email="grace@example.edu")
    StudentFactory(first_name="Ada", last_name="Lovelace", email="countess@example.edu")
    StudentFactory(first_name="Alan", last_name="Turing", email="alan@example.edu")

    def found(term):
        return {s["last_name"] for s in reader.get(URL, {"search": term}).json()["results"]}

    assert found("grace") == {"Hopper"}
    assert found("LOVE") == {"Lovelace"}
    assert found("countess@") == {"Lovelace"}
    assert found("a") == {"Hopper", "Lovelace", "Turing"}


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("last_name", ["Hopper", "Lovelace", "Turing"]),
        ("-last_name", ["Turing", "Lovelace", "Hopper"]),
        ("first_name", ["Lovelace", "Turing", "Hopper"]),
        ("email", ["Turing", "Lovelace", "Hopper"]),
    ],
)
def test_ordering(reader, ordering, expected):
    StudentFactory(first_name="Grace", last_name="Hopper", email="grace@example.edu")
    StudentFactory(first_name="Ada", last_name="Lovelace", email="countess@example.edu")
    StudentFactory(first_name="Alan", last_name="Turing", email="alan@example.edu")
    results = reader.get(URL, {"ordering": ordering}).json()["results"]
    assert [s["last_name"] for s in results] == expected


def test_unknown_ordering_is_400(reader):
    body = assert_problem(reader.get(URL, {"ordering": "id;"}), 400, "validation_error")
    assert error_fields(body) == {"ordering"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
def test_search_can_use_the_trigram_indexes():
    """The indexes of migration 0003 match the SQL the search filter generates, column by column
    (with sequential scans priced out, as they would be on a large table)."""
    from students.api.filters import StudentFilter

    StudentFactory.create_batch(3)
    matches = StudentFilter({"search": "lopez"}, queryset=Student.objects.order_by("id")).qs
    sql, params = matches.order_by().query.sql_with_params()  # as the page's count runs it
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN SELECT COUNT(*) FROM ({sql}) AS page", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for column in ("first_name", "last_name", "email"):
        assert f"Bitmap Index Scan on student_{column}_trgm" in plan, plan


def test_a_registrar_links_and_unlinks_a_students_account(registrar, make_user):
    user = make_user()
    response = registrar.post(URL, {**VALID, "username": user.username}, format="json")
    assert response.status_code == 201
    assert response.json()["username"] == user.username
    student = Student.objects.get(pk=response.json()["id"])
    assert student.user == user
    assert registrar.get(detail_url(student)).json()["username"] == user.username
    response = registrar.patch(detail_url(student), {"username": None}, format="json")
    assert response.json()["username"] is None
    student.refresh_from_db()
    assert student.user is None


def test_a_student_without_an_account_reads_username_null(reader):
    student = StudentFactory()
    assert reader.get(detail_url(student)).json()["username"] is None


@pytest.mark.parametrize("username", ["nobody", "", 5, ["x"], "x" * 151])
def test_an_unknown_or_malformed_username_is_400_naming_username(registrar, username):
    body = assert_problem(
        registrar.post(URL, {**VALID, "username": username}, format="json"), 400, "validation_error"
    )
    assert error_fields(body) == {"username"}
    assert not Student.objects.exists()


def test_an_account_linked_to_another_student_is_400_naming_username(registrar, make_user):
    user = make_user()
    linked, student = StudentFactory(user=user), StudentFactory()
    body = assert_problem(
        registrar.patch(detail_url(student), {"username": user.username}, format="json"),
        400,
        "validation_error",
    )
    assert error_fields(body) == {"username"}
    assert "already linked" in body["errors"][0]["detail"]
    student.refresh_from_db()
    assert student.user is None
    # Its own student may keep it.
    assert registrar.patch(detail_url(linked), {"username": user.username}, format="json").status_code == 200


def test_username_is_listed_for_every_student(reader, make_user):
    StudentFactory(user=make_user())
    StudentFactory()
    results = reader.get(URL).json()["results"]
    assert [bool(student["username"]) for student in results] == [True, False]


def test_a_created_student_is_located(registrar):
    response = registrar.post(URL, VALID, format="json")
    assert response["Location"] == f"http://testserver{URL}{response.json()['id']}/"
    assert registrar.get(response["Location"]).json() == response.json()
