"""DJANGO_TOKEN_TTL: an older token is 401 token_expired; signing in again gives a fresh key."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from school.tests.problems import assert_problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"


def age(token, **delta):
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(**delta))


def test_an_expired_token_is_401_token_expired_and_sign_in_renews_it(make_user, api_client, settings):
    settings.TOKEN_TTL = timedelta(hours=12)
    user = make_user()
    old = Token.objects.create(user=user)
    age(old, hours=13)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {old.key}")
    response = api_client.get("/api/v1/courses/")
    assert_problem(response, 401, "token_expired")
    assert response["WWW-Authenticate"] == "Token"
    answer = api_client.post(URL, {"username": user.username, "password": "pw"}, format="json")
    assert answer.status_code == 200
    fresh = answer.json()["token"]
    assert fresh != old.key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {fresh}")
    assert api_client.get("/api/v1/courses/").status_code == 200


def test_a_token_within_its_lifetime_works_and_signing_in_keeps_it(make_user, api_client, settings):
    settings.TOKEN_TTL = timedelta(hours=12)
    user = make_user()
    token = Token.objects.create(user=user)
    age(token, hours=11)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get("/api/v1/courses/").status_code == 200
    answer = api_client.post(URL, {"username": user.username, "password": "pw"}, format="json")
    assert answer.json()["token"] == token.key


def test_tokens_do_not_expire_without_a_lifetime(make_user, api_client, settings):
    settings.TOKEN_TTL = None
    token = Token.objects.create(user=make_user())
    age(token, days=3650)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get("/api/v1/courses/").status_code == 200
