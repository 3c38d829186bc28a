"""Browser clients on other origins: only the configured ones, only with a token, never cookies."""

import pytest

pytestmark = pytest.mark.django_db

PORTAL = "https://portal.example.edu"


@pytest.fixture(autouse=True)
def allowed_origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [PORTAL]


def preflight(client, origin, method="POST"):
    return client.options(
        "/api/v1/students/1/courses/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )


def test_a_preflight_from_an_allowed_origin_is_200_without_credentials(client):
    response = preflight(client, PORTAL)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == PORTAL
    assert {"authorization", "content-type"} <= {
        header.strip() for header in response["Access-Control-Allow-Headers"].split(",")
    }
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response


def test_an_allowed_origin_reads_with_a_token(reader):
    response = reader.get("/api/v1/courses/", HTTP_ORIGIN=PORTAL)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == PORTAL
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.parametrize("origin", ["https://evil.example.com", "http://portal.example.edu", "null"])
def test_other_origins_get_no_cors_headers(client, reader, origin):
    response = preflight(client, origin)
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in reader.get("/api/v1/courses/", HTTP_ORIGIN=origin)


def test_no_origin_is_allowed_unless_configured(client, settings):
    settings.CORS_ALLOWED_ORIGINS = []
    assert "Access-Control-Allow-Origin" not in preflight(client, PORTAL)


def test_pages_outside_the_api_get_no_cors_headers(client):
    response = client.get("/healthz", HTTP_ORIGIN=PORTAL)
    assert "Access-Control-Allow-Origin" not in response
