"""Token authentication answers as DRF's does: 401 for an unknown, malformed or inactive token."""

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from school.tests.problems import assert_problem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("header", ["Token " + "0" * 40, "Token " + "A" * 40, "Token abc"])
def test_an_unknown_or_malformed_token_is_401_invalid_token(api_client, header):
    body = assert_problem(
        api_client.get("/api/v1/courses/", HTTP_AUTHORIZATION=header), 401, "not_authenticated"
    )
    assert body["detail"] == "Invalid token."


def test_an_inactive_users_token_is_401(make_user, client_for):
    user = make_user()
    client = client_for(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    body = assert_problem(client.get("/api/v1/students/"), 401, "not_authenticated")
    assert body["detail"] == "User inactive or deleted."


def test_the_request_carries_the_user_and_the_token(make_user, client_for):
    user = make_user()
    response = client_for(user).get("/api/v1/courses/")
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == user.pk
    assert response.wsgi_request.auth.key == Token.objects.get(user=user).key
