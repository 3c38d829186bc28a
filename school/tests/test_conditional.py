"""Conditional requests on courses and students: ETag, If-None-Match (304), If-Match (412)."""

import threading

import pytest
from django.db import connection

from courses.models import Course
from courses.tests.factories import CourseFactory
from school.tests.problems import assert_problem
from students.models import Student
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

CHANGES = {"course": {"title": "Renamed"}, "student": {"last_name": "Renamed"}}


@pytest.fixture(params=["course", "student"])
def item(request):
    """(kind, URL, model) of one course or one student."""
    if request.param == "course":
        course = CourseFactory()
        return "course", f"/api/v1/courses/{course.pk}/", Course, course.pk
    student = StudentFactory()
    return "student", f"/api/v1/students/{student.pk}/", Student, student.pk


def test_a_read_answers_an_etag_and_304_when_it_still_matches(registrar, item):
    _, url, _, _ = item
    first = registrar.get(url)
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert registrar.get(url)["ETag"] == etag  # stable while nothing changes
    again = registrar.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert registrar.get(url, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304
    assert registrar.get(url, HTTP_IF_NONE_MATCH="*").status_code == 304
    assert registrar.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_the_etag_changes_with_the_representation(registrar, item):
    kind, url, _, _ = item
    etag = registrar.get(url)["ETag"]
    response = registrar.patch(url, CHANGES[kind], format="json")
    assert response["ETag"] != etag
    assert registrar.get(url)["ETag"] == response["ETag"]
    assert registrar.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_enrolling_changes_a_courses_etag(registrar):
    course = CourseFactory()
    url = f"/api/v1/courses/{course.pk}/"
    etag = registrar.get(url)["ETag"]
    EnrollmentFactory(course=course)
    assert registrar.get(url)["ETag"] != etag


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_stale_if_match_is_412_and_writes_nothing(registrar, item, method):
    """The lost update prevented: B read, A changed it, B's write with B's ETag is refused."""
    kind, url, model, pk = item
    stale = registrar.get(url)["ETag"]
    registrar.patch(url, CHANGES[kind], format="json")  # someone else's change
    before = model.objects.filter(pk=pk).values().get()
    body = {**registrar.get(url).json(), "title": "Mine", "last_name": "Mine"} if method != "delete" else None
    response = getattr(registrar, method)(url, body, format="json", HTTP_IF_MATCH=stale)
    assert_problem(response, 412, "precondition_failed")
    assert model.objects.filter(pk=pk).values().get() == before


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_a_current_if_match_writes(registrar, item, method):
    kind, url, model, pk = item
    etag = registrar.get(url)["ETag"]
    body = CHANGES[kind] if method == "patch" else None
    response = getattr(registrar, method)(url, body, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == (200 if method == "patch" else 204)
    assert model.objects.filter(pk=pk).exists() is (method == "patch")


def test_if_match_star_and_lists(registrar, item):
    kind, url, _, _ = item
    etag = registrar.get(url)["ETag"]
    assert registrar.patch(url, CHANGES[kind], format="json", HTTP_IF_MATCH="*").status_code == 200
    current = registrar.get(url)["ETag"]
    assert (
        registrar.patch(url, CHANGES[kind], format="json", HTTP_IF_MATCH=f"{etag}, {current}").status_code
        == 200
    )
    # A weak tag never matches If-Match (strong comparison).
    current = registrar.get(url)["ETag"]
    weak = registrar.patch(url, CHANGES[kind], format="json", HTTP_IF_MATCH=f"W/{current}")
    assert_problem(weak, 412, "precondition_failed")


def test_without_if_match_the_last_write_wins(registrar, item):
    kind, url, _, _ = item
    registrar.get(url)
    registrar.patch(url, CHANGES[kind], format="json")
    assert registrar.patch(url, CHANGES[kind], format="json").status_code == 200


def test_if_match_on_an_unknown_object_is_404(registrar):
    assert_problem(
        registrar.patch("/api/v1/courses/999999/", {}, format="json", HTTP_IF_MATCH="*"), 404, "not_found"
    )


def test_a_student_reading_their_own_record_gets_an_etag(make_user, client_for):
    student = StudentFactory(user=make_user())
    client = client_for(student.user)
    etag = client.get(f"/api/v1/students/{student.pk}/")["ETag"]
    assert client.get(f"/api/v1/students/{student.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(5))
def test_two_writers_with_the_same_if_match_at_once_one_wins(make_user, client_for, attempt):
    course = CourseFactory()
    url = f"/api/v1/courses/{course.pk}/"
    user = make_user(superuser=True)
    etag = client_for(user).get(url)["ETag"]
    clients = [client_for(user), client_for(user)]
    barrier, answers = threading.Barrier(2), [None, None]

    def write(index):
        try:
            barrier.wait(timeout=30)
            answers[index] = clients[index].patch(
                url, {"title": f"Writer {index}"}, format="json", HTTP_IF_MATCH=etag
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 412]
    winner = next(answer for answer in answers if answer.status_code == 200)
    course.refresh_from_db()
    assert course.title == winner.json()["title"]
