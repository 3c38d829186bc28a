"""Fixtures shared by every app's tests."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient


def pytest_configure(config):
    # Tests render admin and API-docs pages without running collectstatic first: serve the
    # source files (the hashed, compressed storage is exercised by the gunicorn smoke test).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.STATIC_ROOT = None


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root-user", "root@example.edu", "pw-root-user")


@pytest.fixture
def admin_client_logged_in(client, superuser):
    client.force_login(superuser)
    return client
