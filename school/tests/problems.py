"""Assertions about RFC 9457 problem responses, shared by the API tests."""

import json

from school.problems import PROBLEM_CONTENT_TYPE


def assert_problem(response, status, code):
    """The response is a problem+json body with this status and code; returns the body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = json.loads(response.content)
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(code)
    assert body["title"] and body["detail"]
    return body


def error_fields(body):
    return {error["field"] for error in body["errors"]}
