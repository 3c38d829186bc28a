"""Revoking tokens: `DELETE auth/token/` ends the caller's, a new password every one of its
user's; nothing else does, and signing in needs no credentials."""

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from school.tests.problems import assert_problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"


def test_a_new_password_revokes_the_users_tokens(make_user, client_for):
    user, other = make_user(), make_user()
    client, other_client = client_for(user), client_for(other)
    assert client.get("/api/v1/courses/").status_code == 200
    user.set_password("a-new-long-password-1")
    user.save()
    assert_problem(client.get("/api/v1/courses/"), 401, "not_authenticated")
    assert not Token.objects.filter(user=user).exists()
    assert other_client.get("/api/v1/courses/").status_code == 200


def test_changepassword_through_the_admin_revokes_tokens(make_user, client_for, admin_client_logged_in):
    user = make_user()
    client = client_for(user)
    response = admin_client_logged_in.post(
        f"/admin/auth/user/{user.pk}/password/",
        {
            "password1": "another-long-password-2",
            "password2": "another-long-password-2",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content[:300]
    assert_problem(client.get("/api/v1/courses/"), 401, "not_authenticated")


def test_other_saves_and_signing_in_keep_tokens(make_user, client_for, api_client, django_user_model):
    user = make_user()
    client = client_for(user)
    user.first_name = "Renamed"
    user.save()
    response = api_client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": "pw"}, format="json"
    )
    assert response.status_code == 200
    assert client.get("/api/v1/courses/").status_code == 200


def test_the_changepassword_command_revokes_tokens(make_user, client_for, monkeypatch):
    user = make_user()
    client = client_for(user)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a-third-long-password-3")
    call_command("changepassword", user.username, stdout=None)
    assert_problem(client.get("/api/v1/courses/"), 401, "not_authenticated")


def test_delete_revokes_the_callers_token_and_only_theirs(make_user, client_for):
    user, other = make_user(), make_user()
    client, other_client = client_for(user), client_for(other)
    assert client.delete(URL).status_code == 204
    assert_problem(client.get("/api/v1/courses/"), 401, "not_authenticated")
    assert not Token.objects.filter(user=user).exists()
    assert other_client.get("/api/v1/courses/").status_code == 200


def test_signing_in_again_gives_a_fresh_working_token(make_user, client_for, api_client):
    user = make_user()
    old = client_for(user)
    old_key = Token.objects.get(user=user).key
    assert old.delete(URL).status_code == 204
    response = api_client.post(URL, {"username": user.username, "password": "pw"}, format="json")
    assert response.status_code == 200
    assert response.json()["token"] != old_key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api_client.get("/api/v1/courses/").status_code == 200


def test_delete_without_credentials_is_401(api_client):
    response = api_client.delete(URL)
    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_a_stale_token_sent_along_does_not_stop_a_sign_in(make_user, api_client):
    user = make_user()
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = api_client.post(URL, {"username": user.username, "password": "pw"}, format="json")
    assert response.status_code == 200
