"""Token sign-in and the public OpenAPI documents."""

import pytest
import yaml
from rest_framework.authtoken.models import Token

from school.tests.problems import assert_problem, error_fields

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def test_a_token_for_the_right_password_then_the_token_reads(api_client, django_user_model):
    user = django_user_model.objects.create_user("clerk", password="correct horse")
    response = api_client.post(TOKEN_URL, {"username": "clerk", "password": "correct horse"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=user).key
    assert len(token) == 40 and all(c in "0123456789abcdef" for c in token)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/courses/").status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"username": "clerk", "password": "wrong"}, {"username": "nobody", "password": "x"}],
)
def test_wrong_credentials_are_400_validation_error(api_client, django_user_model, body):
    django_user_model.objects.create_user("clerk", password="correct horse")
    assert_problem(api_client.post(TOKEN_URL, body, format="json"), 400, "validation_error")


def test_missing_credentials_name_the_fields(api_client):
    body = assert_problem(api_client.post(TOKEN_URL, {}, format="json"), 400, "validation_error")
    assert error_fields(body) == {"username", "password"}


def test_the_token_endpoint_takes_json_only(api_client):
    response = api_client.post(TOKEN_URL, {"username": "a", "password": "b"})  # multipart form
    assert_problem(response, 415, "unsupported_media_type")


def test_schema_is_public_yaml_and_json(api_client):
    response = api_client.get("/api/v1/schema/")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.")
    assert "/api/v1/courses/{id}/" in document["paths"]
    as_json = api_client.get("/api/v1/schema/", {"format": "json"})
    assert as_json.status_code == 200
    assert as_json.json()["paths"].keys() == document["paths"].keys()


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_documentation_pages_are_public_and_use_local_assets(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn" not in page.lower()


def test_request_bodies_are_json_only_with_writable_fields(api_client):
    """JSON everywhere, but CSV imports: a multipart upload of one file."""
    document = api_client.get("/api/v1/schema/", {"format": "json"}).json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                media = "multipart/form-data" if path.startswith("/api/v1/imports/") else "application/json"
                assert set(operation["requestBody"]["content"]) == {media}, (path, method)
    course_request = document["components"]["schemas"]["CourseRequest"]["properties"]
    assert {"id", "created_at", "updated_at"}.isdisjoint(course_request)


def test_every_operation_documents_its_problem_responses(api_client):
    document = api_client.get("/api/v1/schema/", {"format": "json"}).json()
    paths = document["paths"]
    assert {"401", "403", "400", "404"} <= set(paths["/api/v1/courses/{id}/"]["patch"]["responses"])
    assert "403" not in paths["/api/v1/courses/"]["get"]["responses"]
    assert "401" not in paths["/api/v1/auth/token/"]["post"]["responses"]
    problem = paths["/api/v1/courses/"]["post"]["responses"]["400"]["content"]["application/problem+json"]
    assert problem["schema"]["$ref"] == "#/components/schemas/Problem"


def test_enrolling_is_documented_with_examples_and_its_real_responses(api_client):
    document = api_client.get("/api/v1/schema/", {"format": "json"}).json()
    enroll = document["paths"]["/api/v1/students/{student_id}/courses/"]["post"]
    assert enroll["requestBody"]["content"]["application/json"]["examples"]
    responses = enroll["responses"]
    assert {"200", "201", "400", "401", "403", "404", "409"} <= set(responses)
    # The answer is a plain list, not a page.
    assert responses["201"]["content"]["application/json"]["schema"]["type"] == "array"
    for status, code in [("400", "unknown_course"), ("409", "course_full")]:
        examples = responses[status]["content"]["application/problem+json"]["examples"]
        assert [e["value"]["code"] for e in examples.values()] == [code]
    parameters = {(p["name"], p["in"]): p["schema"]["type"] for p in enroll.get("parameters", [])}
    assert parameters == {("student_id", "path"): "integer", ("Idempotency-Key", "header"): "string"}
    assert responses["201"]["headers"].keys() >= {"Location", "Idempotent-Replayed"}
