"""Token authentication: one hand-written query, the same user and token as DRF's ORM lookup."""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.authtoken.models import Token

from school.authentication import token_with_user
from school.tests.problems import assert_problem

pytestmark = pytest.mark.django_db


def model_values(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_token_and_its_user_are_the_orms(make_user):
    user = make_user("courses.add_course")
    User.objects.filter(pk=user.pk).update(last_name="Lovelace", is_staff=True, last_login=timezone.now())
    key = Token.objects.create(user=user).key
    expected = Token.objects.select_related("user").get(key=key)
    token = token_with_user(key)
    assert model_values(token) == model_values(expected)
    assert model_values(token.user) == model_values(expected.user)
    assert token.user.has_perm("courses.add_course") and token.user.last_name == "Lovelace"
    assert token_with_user("0" * 40) is None


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
