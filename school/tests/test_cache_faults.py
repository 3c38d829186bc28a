"""A Redis that is down: sign-in fails closed with 503 (no attempt goes uncounted), the rest of
the API works on."""

import socket

import pytest
from django.test import override_settings

from school.tests.problems import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    with override_settings(CACHES={"default": cache}):
        yield


def test_sign_in_fails_closed_with_503_when_redis_is_down(api_client, django_user_model, redis_down):
    django_user_model.objects.create_user("clerk", password="right")
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "clerk", "password": "right"}, format="json"
    )
    problem = assert_problem(response, 503, "service_unavailable")
    assert int(response["Retry-After"]) > 0
    assert "redis" not in str(problem).lower()


def test_the_admin_login_is_503_not_500_when_redis_is_down(client, redis_down):
    response = client.post("/admin/login/", {"username": "clerk", "password": "right"})
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0


def test_other_endpoints_work_without_redis(reader, redis_down):
    assert reader.get("/api/v1/courses/").status_code == 200
