"""The courses resource: /api/v1/courses/ and /api/v1/courses/{id}/."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Course
from courses.tests.factories import CourseFactory
from school.tests.problems import assert_problem, error_fields

pytestmark = pytest.mark.django_db

URL = "/api/v1/courses/"
VALID = {"code": "cs-101", "title": "Computing", "description": "Bits.", "credits": 5, "capacity": 30}
FIELDS = {"id", "code", "title", "description", "credits", "capacity", "created_at", "updated_at"}


def detail_url(course):
    return f"{URL}{course.pk}/"


def test_create_stores_the_code_upper_case_and_returns_every_field(registrar):
    response = registrar.post(URL, VALID, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= FIELDS
    assert body["code"] == "CS-101"
    assert Course.objects.get(pk=body["id"]).code == "CS-101"
    assert body["created_at"].endswith("Z") or body["created_at"].endswith("+00:00")


def test_create_applies_the_defaults(registrar):
    body = registrar.post(URL, {"code": "MIN1", "title": "Minimal"}, format="json").json()
    assert body["description"] == ""
    assert body["credits"] == 0
    assert body["capacity"] is None


def test_read_only_and_unknown_fields_are_ignored(registrar):
    payload = {**VALID, "id": 999, "created_at": "2000-01-01T00:00:00Z", "enrolled_count": 7, "colour": "red"}
    body = registrar.post(URL, payload, format="json").json()
    assert body["id"] != 999
    assert not body["created_at"].startswith("2000")
    assert "colour" not in body


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": None}, "code"),
        ({"code": ""}, "code"),
        ({"code": "A" * 21}, "code"),
        ({"code": "CS 101"}, "code"),
        ({"code": "CS/101"}, "code"),
        ({"title": ""}, "title"),
        ({"title": "T" * 201}, "title"),
        ({"credits": -1}, "credits"),
        ({"credits": 61}, "credits"),
        ({"credits": "many"}, "credits"),
        ({"credits": 2.5}, "credits"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": -3}, "capacity"),
        ({"description": None}, "description"),
    ],
)
def test_invalid_fields_are_400_naming_the_field(registrar, changes, field):
    response = registrar.post(URL, {**VALID, **changes}, format="json")
    body = assert_problem(response, 400, "validation_error")
    assert field in error_fields(body)
    assert not Course.objects.exists()


@pytest.mark.parametrize("missing", ["code", "title"])
def test_required_fields(registrar, missing):
    payload = {k: v for k, v in VALID.items() if k != missing}
    body = assert_problem(registrar.post(URL, payload, format="json"), 400, "validation_error")
    assert error_fields(body) == {missing}


def test_every_bad_field_is_named(registrar):
    response = registrar.post(URL, {"code": "bad code", "credits": 99, "capacity": 0}, format="json")
    body = assert_problem(response, 400, "validation_error")
    assert error_fields(body) == {"code", "title", "credits", "capacity"}
    assert all(error["code"] and error["detail"] for error in body["errors"])


def test_limits_are_accepted(registrar):
    payload = {"code": "A" * 20, "title": "T" * 200, "credits": 60, "capacity": 1}
    assert registrar.post(URL, payload, format="json").status_code == 201


def test_duplicate_code_ignoring_case_is_400_naming_code(registrar):
    CourseFactory(code="CS-101")
    body = assert_problem(registrar.post(URL, VALID, format="json"), 400, "validation_error")
    assert error_fields(body) == {"code"}
    assert Course.objects.count() == 1


def test_updating_a_course_may_keep_its_own_code_but_not_take_another(registrar):
    course = CourseFactory(code="KEEP1")
    CourseFactory(code="TAKEN1")
    assert registrar.patch(detail_url(course), {"code": "keep1"}, format="json").status_code == 200
    response = registrar.patch(detail_url(course), {"code": "taken1"}, format="json")
    assert error_fields(assert_problem(response, 400, "validation_error")) == {"code"}


def test_retrieve(reader):
    course = CourseFactory(code="GET1", capacity=10)
    body = reader.get(detail_url(course)).json()
    assert body["id"] == course.pk
    assert body["code"] == "GET1"
    assert body["capacity"] == 10


def test_put_replaces_and_patch_updates(registrar):
    course = CourseFactory(code="OLD1", title="Old", credits=2)
    response = registrar.put(
        detail_url(course), {"code": "new1", "title": "New", "credits": 4}, format="json"
    )
    assert response.status_code == 200
    course.refresh_from_db()
    assert (course.code, course.title, course.credits) == ("NEW1", "New", 4)
    assert registrar.patch(detail_url(course), {"capacity": 12}, format="json").json()["capacity"] == 12
    assert registrar.patch(detail_url(course), {"capacity": None}, format="json").json()["capacity"] is None


def test_put_without_required_fields_is_400(registrar):
    course = CourseFactory()
    response = registrar.put(detail_url(course), {"title": "Only a title"}, format="json")
    assert error_fields(assert_problem(response, 400, "validation_error")) == {"code"}


def test_delete(registrar):
    course = CourseFactory()
    assert registrar.delete(detail_url(course)).status_code == 204
    assert not Course.objects.exists()


@pytest.mark.parametrize("path", ["999999/", "abc/", "99999999999999999999999/"])
def test_unknown_course_is_404(reader, path):
    assert_problem(reader.get(URL + path), 404, "not_found")


def test_default_order_is_by_id_and_pages_have_the_documented_shape(reader):
    courses = [CourseFactory(code=f"Z{i:02d}") for i in range(25)]
    body = reader.get(URL).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 25
    assert len(body["results"]) == 20
    assert [c["id"] for c in body["results"]] == [c.pk for c in courses[:20]]
    assert body["previous"] is None and "page=2" in body["next"]
    second = reader.get(body["next"]).json()
    assert [c["id"] for c in second["results"]] == [c.pk for c in courses[20:]]
    assert second["next"] is None


def test_page_size_is_honoured_and_capped_at_100(reader):
    Course.objects.bulk_create([Course(code=f"P{i:03d}", title="Paged") for i in range(105)])
    assert len(reader.get(URL, {"page_size": 7}).json()["results"]) == 7
    assert len(reader.get(URL, {"page_size": 500}).json()["results"]) == 100


def test_a_page_past_the_end_is_404(reader):
    CourseFactory()
    assert_problem(reader.get(URL, {"page": 2}), 404, "not_found")


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("page", "abc"),
        ("page", "0"),
        ("page", "-1"),
        ("page_size", "abc"),
        ("page_size", "0"),
        ("page", "1.5"),
    ],
)
def test_malformed_paging_parameters_are_400(reader, param, value):
    body = assert_problem(reader.get(URL, {param: value}), 400, "validation_error")
    assert error_fields(body) == {param}


def test_search_matches_code_and_title_ignoring_case(reader):
    CourseFactory(code="ALG1", title="Algebra")
    CourseFactory(code="BIO1", title="Biology of algae")
    CourseFactory(code="CHEM1", title="Chemistry")
    codes = {c["code"] for c in reader.get(URL, {"search": "ALG"}).json()["results"]}
    assert codes == {"ALG1", "BIO1"}
    assert [c["code"] for c in reader.get(URL, {"search": "chem1"}).json()["results"]] == ["CHEM1"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [("code", ["A1", "B1", "C1"]), ("-code", ["C1", "B1", "A1"]), ("title", ["C1", "A1", "B1"])],
)
def test_ordering(reader, ordering, expected):
    CourseFactory(code="B1", title="Zoology")
    CourseFactory(code="C1", title="Art")
    CourseFactory(code="A1", title="Music")
    results = reader.get(URL, {"ordering": ordering}).json()["results"]
    assert [c["code"] for c in results] == expected


def test_ordering_by_created_at_breaks_ties_by_id(reader):
    Course.objects.bulk_create([Course(code=f"T{i}", title="Tie") for i in range(5)])
    Course.objects.update(created_at=Course.objects.first().created_at)
    ids = [c["id"] for c in reader.get(URL, {"ordering": "-created_at"}).json()["results"]]
    assert ids == sorted(ids)


@pytest.mark.parametrize("ordering", ["description", "password", "code;drop"])
def test_unknown_ordering_is_400(reader, ordering):
    body = assert_problem(reader.get(URL, {"ordering": ordering}), 400, "validation_error")
    assert error_fields(body) == {"ordering"}


def test_a_registrar_sets_the_instructors_by_username(registrar, make_user):
    first, second = make_user(), make_user()
    body = registrar.post(
        URL,
        {**VALID, "instructor_usernames": [second.username, first.username, second.username]},
        format="json",
    ).json()
    assert body["instructor_usernames"] == sorted([first.username, second.username])
    course = Course.objects.get(pk=body["id"])
    assert set(course.instructors.all()) == {first, second}
    response = registrar.patch(detail_url(course), {"instructor_usernames": [first.username]}, format="json")
    assert response.json()["instructor_usernames"] == [first.username]
    assert list(course.instructors.all()) == [first]
    # A change that does not name them leaves them as they are.
    registrar.patch(detail_url(course), {"title": "Renamed"}, format="json")
    assert list(course.instructors.all()) == [first]
    assert registrar.patch(detail_url(course), {"instructor_usernames": []}, format="json").status_code == 200
    assert not course.instructors.exists()


def test_unknown_instructors_are_400_naming_the_field_and_each_username(registrar, make_user):
    known = make_user()
    body = assert_problem(
        registrar.post(
            URL, {**VALID, "instructor_usernames": [known.username, "ghost", "phantom"]}, format="json"
        ),
        400,
        "validation_error",
    )
    assert error_fields(body) == {"instructor_usernames"}
    assert "'ghost'" in body["errors"][0]["detail"] and "'phantom'" in body["errors"][0]["detail"]
    assert not Course.objects.exists()


@pytest.mark.parametrize("usernames", ["someone", [5], [None], ["x" * 151], [f"u{n}" for n in range(51)]])
def test_malformed_instructor_lists_are_400(registrar, usernames):
    body = assert_problem(
        registrar.post(URL, {**VALID, "instructor_usernames": usernames}, format="json"),
        400,
        "validation_error",
    )
    # An item's error names its place: instructor_usernames.0
    assert all(field.split(".")[0] == "instructor_usernames" for field in error_fields(body))


def test_the_instructor_list_costs_the_same_queries_whatever_its_length(registrar, make_user):
    usernames = [make_user().username for _ in range(50)]

    def queries(count):
        with CaptureQueriesContext(connection) as captured:
            body = {**VALID, "code": f"LEN-{count}", "instructor_usernames": usernames[:count]}
            assert registrar.post(URL, body, format="json").status_code == 201
        return len(captured)

    assert queries(1) == queries(50)


def test_a_created_course_is_located(registrar):
    response = registrar.post(URL, VALID, format="json")
    assert response.status_code == 201
    assert response["Location"] == f"http://testserver{URL}{response.json()['id']}/"
    assert registrar.get(response["Location"]).json() == response.json()
