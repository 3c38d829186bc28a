"""Fixtures shared by every app's tests."""

import importlib
import itertools

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

_usernames = itertools.count(1)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell a failed test (screenshots)."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def pytest_configure(config):
    # Tests render admin and API-docs pages without running collectstatic first: serve the
    # source files (the hashed, compressed storage is exercised by the gunicorn smoke test).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.STATIC_ROOT = None
    # Users are made in nearly every test; a slow password hash buys nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _let_flush_reset_the_history_on_sqlite()


def _let_flush_reset_the_history_on_sqlite():
    """Transactional tests end with `flush`. On PostgreSQL it truncates, which the enrollment
    history allows; on SQLite it deletes, which the history refuses (migration students/0008):
    around the test suite's flush, lift that refusal."""
    if "sqlite3" not in settings.DATABASES["default"]["ENGINE"]:
        return
    from django.db.backends.sqlite3.base import DatabaseOperations

    events = importlib.import_module("students.migrations.0008_enrollment_event_triggers")
    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        if "enrollment_events" not in tables:
            return statements
        lift = ["DROP TRIGGER IF EXISTS enrollment_events_no_delete;"]
        # Emptying the enrollments and waitlists appends events: empty the history last.
        return [*lift, *statements, "DELETE FROM enrollment_events;", events.SQLITE_APPEND_ONLY[1] + ";"]

    DatabaseOperations.sql_flush = sql_flush


@pytest.fixture(autouse=True)
def _fresh_redis_cache():
    """With REDIS_URL set, throttle counts would outlive a test; the database cache rolls back."""
    if "redis" in settings.CACHES["default"]["BACKEND"].lower():
        cache.clear()


@pytest.fixture
def api_client():
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def make_user(django_user_model):
    """make_user("courses.add_course", ..., superuser=False, group=None) -> a user with those rights."""

    def make(*permissions, superuser=False, group=None):
        username = f"user{next(_usernames)}"
        if superuser:
            user = django_user_model.objects.create_superuser(username, f"{username}@example.edu", "pw")
        else:
            user = django_user_model.objects.create_user(username, f"{username}@example.edu", "pw")
        for dotted in permissions:
            app_label, codename = dotted.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        if group:
            user.groups.add(Group.objects.get(name=group))
        return user

    return make


@pytest.fixture
def client_for():
    """client_for(user) -> an API client sending that user's token."""

    def make(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        return client

    return make


@pytest.fixture
def reader(make_user, client_for):
    """Staff who may read everything (`students.view_student`) and write nothing."""
    return client_for(make_user("students.view_student"))


@pytest.fixture
def plain_user(make_user, client_for):
    """A signed-in user with no permissions, no student record and no course to teach."""
    return client_for(make_user())


@pytest.fixture
def registrar(make_user, client_for):
    """A member of the Registrar group."""
    return client_for(make_user(group="Registrar"))


@pytest.fixture
def superuser(make_user):
    return make_user(superuser=True)


@pytest.fixture
def admin_client_logged_in(client, superuser):
    client.force_login(superuser)
    return client
