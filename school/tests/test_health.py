"""The liveness and readiness probes, and their exemption from the HTTPS redirect."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_says_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_says_ok_when_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_is_503_when_the_database_is_unreachable(client):
    with mock.patch("school.health.connection.cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "connection refused" not in response.content.decode()


@override_settings(SECURE_SSL_REDIRECT=True)
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_over_plain_http_when_https_is_enforced(client, path):
    assert client.get(path).status_code == 200


@override_settings(SECURE_SSL_REDIRECT=True)
def test_other_paths_redirect_to_https_when_enforced(client):
    response = client.get("/admin/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_responses_carry_security_headers(client):
    response = client.get("/healthz")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
