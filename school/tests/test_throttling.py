"""The sign-in throttle: at most 10 attempts in any 60 seconds per client address, and as many
per username, whichever door (`auth/token/`, the admin's login page) they come through."""

import pytest
from django.test import override_settings

from school.tests.problems import assert_problem

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
ADMIN_LOGIN = "/admin/login/"


def attempt(client, ip="10.1.1.1", password="wrong", username="clerk", **extra):
    return client.post(
        TOKEN_URL, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip, **extra
    )


def admin_attempt(client, ip="10.1.1.1", password="wrong", username="clerk"):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def clerk(django_user_model):
    django_user_model.objects.create_user("typist", password="right")
    return django_user_model.objects.create_user("clerk", password="right", is_staff=True)


def test_every_attempt_counts_and_the_eleventh_is_429(api_client, clerk):
    statuses = [attempt(api_client, password="right" if i % 2 else "wrong").status_code for i in range(10)]
    assert statuses == [400, 200] * 5
    response = attempt(api_client, password="right")
    assert_problem(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 60


def test_malformed_attempts_count_too(api_client, clerk):
    for _ in range(10):
        api_client.generic("POST", TOKEN_URL, "{", content_type="application/json", REMOTE_ADDR="10.1.1.2")
    assert attempt(api_client, ip="10.1.1.2", password="right").status_code == 429


def test_each_client_address_has_its_own_count(api_client, clerk):
    for _ in range(10):
        attempt(api_client, ip="10.2.2.2", username="typist")
    assert attempt(api_client, ip="10.2.2.2", username="typist").status_code == 429
    assert attempt(api_client, ip="10.2.2.3", username="clerk", password="right").status_code == 200


def test_each_username_has_its_own_count_from_any_address(api_client, clerk):
    for i in range(10):
        assert attempt(api_client, ip=f"10.5.5.{i}").status_code == 400
    response = attempt(api_client, ip="10.5.6.1", password="right")
    assert_problem(response, 429, "throttled")
    assert attempt(api_client, ip="10.5.6.2", username="typist", password="right").status_code == 200


def test_the_admin_login_is_throttled_like_the_token_door(client, clerk):
    for _ in range(10):
        assert admin_attempt(client).status_code == 200  # the form again, with its error
    response = admin_attempt(client, password="right")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Too many sign-in attempts" in response.content.decode()
    assert admin_attempt(client, ip="10.9.9.9", username="typist", password="right").status_code == 200


def test_both_doors_share_one_count(api_client, client, clerk):
    for _ in range(5):
        attempt(api_client, ip="10.6.6.6", username="typist")
        admin_attempt(client, ip="10.6.6.6", username="typist")
    assert attempt(api_client, ip="10.6.6.6", username="clerk", password="right").status_code == 429
    assert admin_attempt(client, ip="10.6.6.6", username="clerk", password="right").status_code == 429


def test_a_staff_member_still_signs_in_below_the_limit(client, clerk):
    response = admin_attempt(client, ip="10.7.7.7", password="right")
    assert response.status_code == 302


def test_x_forwarded_for_is_ignored_without_trusted_proxies(api_client, clerk):
    for i in range(10):
        attempt(api_client, ip="10.3.3.3", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    assert attempt(api_client, ip="10.3.3.3", HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


def test_x_forwarded_for_names_the_client_behind_trusted_proxies(api_client, clerk, settings):
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}):
        for _ in range(10):
            attempt(api_client, ip="10.4.4.4", HTTP_X_FORWARDED_FOR="198.51.100.1", username="typist")
        response = attempt(api_client, ip="10.4.4.4", HTTP_X_FORWARDED_FOR="198.51.100.1", username="typist")
        assert response.status_code == 429
        response = attempt(api_client, ip="10.4.4.4", HTTP_X_FORWARDED_FOR="198.51.100.2", password="right")
        assert response.status_code == 200


def test_other_endpoints_are_not_throttled_by_default(reader):
    assert all(reader.get("/api/v1/courses/").status_code == 200 for _ in range(30))
