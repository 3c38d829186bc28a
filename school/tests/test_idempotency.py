"""Safe retries: Idempotency-Key on every POST under /api/v1/ (except signing in)."""

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from courses.models import Course
from courses.tests.factories import CourseFactory
from school.idempotency import IdempotentPostMixin
from school.models import IdempotencyRecord
from school.tests.problems import assert_problem, error_fields
from school.tests.urlconf import api_views
from students.models import Enrollment
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

COURSES = "/api/v1/courses/"
NEW = {"code": "IDEM-1", "title": "Retried"}


def post(client, path, body, key, **headers):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key, **headers)


def test_a_retry_answers_the_first_answer_and_changes_nothing(registrar):
    first = post(registrar, COURSES, NEW, "create-idem-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    again = post(registrar, COURSES, NEW, "create-idem-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert again["Location"] == first["Location"]
    assert again["Content-Type"] == first["Content-Type"]
    assert Course.objects.filter(code="IDEM-1").count() == 1


def test_without_a_key_a_repeat_runs_again(registrar):
    registrar.post(COURSES, NEW, format="json")
    assert_problem(registrar.post(COURSES, NEW, format="json"), 400, "validation_error")


def test_an_enrollment_retried_still_answers_201(registrar):
    student, course = StudentFactory(), CourseFactory(capacity=1)
    url = f"/api/v1/students/{student.pk}/courses/"
    first = post(registrar, url, {"course_ids": [course.pk]}, "enroll-1")
    again = post(registrar, url, {"course_ids": [course.pk]}, "enroll-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Enrollment.objects.count() == 1


def test_a_problem_answer_is_kept_too(registrar):
    first = post(registrar, COURSES, {"title": "no code"}, "bad-1")
    assert_problem(first, 400, "validation_error")
    again = post(registrar, COURSES, {"title": "no code"}, "bad-1")
    assert_problem(again, 400, "validation_error")
    assert again["Idempotent-Replayed"] == "true" and again.content == first.content


@pytest.mark.parametrize(
    "change",
    [
        {"body": {**NEW, "title": "Other"}},
        {"path": "/api/v1/students/"},
        {"path": COURSES + "?x=1"},
    ],
)
def test_the_same_key_for_another_request_is_422(registrar, change):
    post(registrar, COURSES, NEW, "reuse-1")
    response = post(registrar, change.get("path", COURSES), change.get("body", NEW), "reuse-1")
    assert_problem(response, 422, "idempotency_key_reused")
    assert Course.objects.count() == 1


def test_keys_belong_to_their_user(make_user, client_for):
    first, second = client_for(make_user(superuser=True)), client_for(make_user(superuser=True))
    assert post(first, COURSES, NEW, "shared").status_code == 201
    other = post(second, COURSES, {**NEW, "code": "IDEM-2"}, "shared")
    assert other.status_code == 201 and "Idempotent-Replayed" not in other


def claimed_but_unanswered(**changes):
    """Make the kept answer look like a request still running (claimed, no answer yet)."""
    IdempotencyRecord.objects.update(status=None, body="", content_type="", location="", **changes)


def test_a_request_still_running_is_409_in_use(registrar):
    post(registrar, COURSES, NEW, "running")
    claimed_but_unanswered()
    assert_problem(post(registrar, COURSES, NEW, "running"), 409, "idempotency_key_in_use")
    # Another request with that key is refused as reused, running or not.
    assert_problem(post(registrar, COURSES, {**NEW, "code": "X-2"}, "running"), 422, "idempotency_key_reused")
    assert Course.objects.count() == 1


def test_an_abandoned_claim_is_taken_over(registrar):
    post(registrar, COURSES, NEW, "dead")
    Course.objects.all().delete()  # as if the first request had died before its write
    claimed_but_unanswered(created_at=timezone.now() - timedelta(minutes=2))
    assert post(registrar, COURSES, NEW, "dead").status_code == 201
    assert post(registrar, COURSES, NEW, "dead")["Idempotent-Replayed"] == "true"


def test_after_24_hours_a_key_is_new_again_and_the_command_purges(registrar):
    assert post(registrar, COURSES, NEW, "old").status_code == 201
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    again = post(registrar, COURSES, {**NEW, "code": "IDEM-3"}, "old")  # a new request may use it
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    post(registrar, COURSES, {**NEW, "code": "IDEM-4"}, "fresh")
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    out = StringIO()
    call_command("purge_idempotency_keys", stdout=out)
    assert "deleted 1 " in out.getvalue()
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]


def test_a_server_error_releases_the_key_so_a_retry_runs(registrar):
    with mock.patch("courses.api.views.course_create", side_effect=RuntimeError("boom")):
        assert post(registrar, COURSES, NEW, "flaky").status_code == 500
    assert not IdempotencyRecord.objects.exists()
    assert post(registrar, COURSES, NEW, "flaky").status_code == 201


def test_a_refused_request_claims_nothing(plain_user):
    assert_problem(post(plain_user, COURSES, NEW, "refused"), 403, "permission_denied")
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "tab\there"])
def test_a_malformed_key_is_400_naming_the_header(registrar, key):
    body = assert_problem(post(registrar, COURSES, NEW, key), 400, "validation_error")
    assert error_fields(body) == {"Idempotency-Key"}
    assert not Course.objects.exists()


def test_signing_in_ignores_the_header(api_client, make_user):
    user = make_user()
    for _ in range(2):
        response = api_client.post(
            "/api/v1/auth/token/",
            {"username": user.username, "password": "pw"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="sign-in",
        )
        assert response.status_code == 200 and "Idempotent-Replayed" not in response
    assert not IdempotencyRecord.objects.exists()


def post_views():
    """(URL name, view class) of every view under /api/v1/ that has a POST."""
    return [(name, view) for name, view, methods in api_views() if "POST" in methods]


def test_every_post_but_signing_in_honours_the_key():
    views = post_views()
    assert {name for name, _ in views} >= {"course-list", "student-list", "student-course-list", "auth-token"}
    for name, view in views:
        assert issubclass(view, IdempotentPostMixin) is (name != "auth-token"), name
