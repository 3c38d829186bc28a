"""The token and its user from one hand-written query are DRF's ORM lookup's (school/fastpath/auth.py)."""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.authtoken.models import Token

from school.fastpath.auth import token_with_user

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
