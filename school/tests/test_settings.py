"""Settings come from the environment exactly as the README's configuration table says.

Each case imports the settings in a fresh interpreter with a controlled environment.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
SECRET = "s" * 20 + "-configured-secret-key-for-tests-0123456789"

READ_SETTINGS = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECRET_KEY": settings.SECRET_KEY,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "ENGINE": db["ENGINE"],
    "NAME": str(db["NAME"]),
    "HOST": db.get("HOST", ""),
    "CONN_MAX_AGE": db["CONN_MAX_AGE"],
    "CONN_HEALTH_CHECKS": db["CONN_HEALTH_CHECKS"],
    "OPTIONS": db.get("OPTIONS", {}),
    "CACHE": settings.CACHES["default"]["BACKEND"],
    "CORS": settings.CORS_ALLOWED_ORIGINS,
    "TOKEN_TTL": settings.TOKEN_TTL and settings.TOKEN_TTL.total_seconds(),
    "DB_OPTIONS": {k: v for k, v in db.get("OPTIONS", {}).items() if k in ("connect_timeout", "options")},
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "TIME_ZONE": settings.TIME_ZONE,
    "THROTTLES": settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES"),
    "NUM_PROXIES": settings.REST_FRAMEWORK["NUM_PROXIES"],
    "SERVER_SIDE_CURSORS_OFF": db.get("DISABLE_SERVER_SIDE_CURSORS", False),
}))
"""


def clean_env(**overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(overrides)
    return env


def run_python(code, **env):
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def read_settings(**env):
    result = run_python(
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'school.settings')\n" + READ_SETTINGS,
        **env,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_no_settings_module_needed_and_production_defaults():
    values = read_settings(DJANGO_SECRET_KEY=SECRET)
    assert values["DEBUG"] is False
    assert values["SECRET_KEY"] == SECRET
    assert values["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["TIME_ZONE"] == "UTC"


def test_sqlite_file_in_the_project_folder_by_default():
    values = read_settings(DJANGO_SECRET_KEY=SECRET)
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["NAME"] == str(PROJECT / "db.sqlite3")


def test_postgresql_from_database_url_with_persistent_checked_connections():
    values = read_settings(
        DJANGO_SECRET_KEY=SECRET, DATABASE_URL="postgres://someone@db.internal:5433/school"
    )
    assert values["ENGINE"] == "school.fastpath.postgresql"  # Django's, with a socket health check
    assert values["NAME"] == "school"
    assert values["HOST"] == "db.internal"
    assert values["CONN_MAX_AGE"] > 0
    assert values["CONN_HEALTH_CHECKS"] is True
    # Prepared statements (school/fastpath/README.md); the hand-written reads' binary rows need the binding.
    options = {k: v for k, v in values["OPTIONS"].items() if k not in ("connect_timeout", "options")}
    assert options == {"server_side_binding": True, "prepare_threshold": 5}


def test_cache_is_the_database_unless_redis_url_is_set():
    assert read_settings(DJANGO_SECRET_KEY=SECRET)["CACHE"] == "django.core.cache.backends.db.DatabaseCache"
    with_redis = read_settings(DJANGO_SECRET_KEY=SECRET, REDIS_URL="redis://127.0.0.1:6379/0")
    assert with_redis["CACHE"] == "django.core.cache.backends.redis.RedisCache"


def test_allowed_hosts_from_a_comma_separated_list():
    values = read_settings(DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS="api.example.edu, www.example.edu,")
    assert values["ALLOWED_HOSTS"] == ["api.example.edu", "www.example.edu"]


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("true", True), ("0", False), ("false", False)])
def test_booleans_accept_digits_and_words(raw, expected):
    values = read_settings(DJANGO_SECRET_KEY=SECRET, DJANGO_DEBUG=raw, DJANGO_SECURE_SSL_REDIRECT=raw)
    assert values["DEBUG"] is expected
    assert values["SECURE_SSL_REDIRECT"] is expected


def test_debug_on_gives_a_development_key_and_no_ssl_redirect():
    values = read_settings(DJANGO_DEBUG="1")
    assert values["SECRET_KEY"]
    assert values["SECURE_SSL_REDIRECT"] is False


def test_a_malformed_boolean_is_refused_by_name():
    result = run_python(
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'school.settings'\n" + READ_SETTINGS,
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_DEBUG="maybe",
    )
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr


def test_manage_py_refuses_to_start_without_a_secret_key_naming_it():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_custom_commands_refuse_too():
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--students", "1"],
        cwd=PROJECT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("module", ["school.wsgi", "school.asgi"])
def test_the_server_entry_points_refuse_to_start_without_a_secret_key(module):
    result = run_python(f"import {module}")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("module", ["school.wsgi", "school.asgi"])
def test_the_server_entry_points_start_with_a_secret_key(module):
    result = run_python(
        f"import {module}; print({module}.application.__class__.__name__)", DJANGO_SECRET_KEY=SECRET
    )
    assert result.returncode == 0, result.stderr
    assert "Handler" in result.stdout


def test_no_user_throttle_and_no_trusted_proxies_by_default():
    values = read_settings(DJANGO_SECRET_KEY=SECRET)
    assert values["THROTTLES"] is None
    assert values["NUM_PROXIES"] == 0


def test_user_throttle_rate_and_proxies_from_the_environment():
    values = read_settings(
        DJANGO_SECRET_KEY=SECRET, DJANGO_USER_THROTTLE_RATE="1000/min", DJANGO_NUM_PROXIES="2"
    )
    assert values["THROTTLES"] == {"user": "1000/min"}
    assert values["NUM_PROXIES"] == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DJANGO_USER_THROTTLE_RATE", "lots"),
        ("DJANGO_NUM_PROXIES", "two"),
        ("DJANGO_NUM_PROXIES", "-1"),
        ("DJANGO_DB_STATEMENT_TIMEOUT", "five"),
        ("DJANGO_DB_STATEMENT_TIMEOUT", "0"),
        ("DJANGO_DB_CONNECT_TIMEOUT", "-2"),
        ("DJANGO_TOKEN_TTL", "12"),
        ("DJANGO_TOKEN_TTL", "1w"),
        ("DJANGO_TOKEN_TTL", "0h"),
        ("DJANGO_DB_POOLER", "pgpool"),
    ],
)
def test_malformed_values_are_refused_by_name(name, value):
    result = run_python(
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'school.settings'\n" + READ_SETTINGS,
        DJANGO_SECRET_KEY=SECRET,
        **{name: value},
    )
    assert result.returncode != 0
    assert name in result.stderr


def test_postgresql_connections_carry_the_database_timeouts():
    url = "postgres://someone@db.example.edu:5432/school"
    defaults = read_settings(DJANGO_SECRET_KEY=SECRET, DATABASE_URL=url)["DB_OPTIONS"]
    assert defaults == {"connect_timeout": 2, "options": "-c statement_timeout=5000"}
    chosen = read_settings(
        DJANGO_SECRET_KEY=SECRET,
        DATABASE_URL=url,
        DJANGO_DB_STATEMENT_TIMEOUT="1.5",
        DJANGO_DB_CONNECT_TIMEOUT="4",
    )["DB_OPTIONS"]
    assert chosen == {"connect_timeout": 4, "options": "-c statement_timeout=1500"}


def test_behind_pgbouncer_nothing_outlives_a_transaction():
    """DJANGO_DB_POOLER=pgbouncer: no prepared statements, no server-side cursors, no startup
    option (PgBouncer refuses it); the connect timeout stays."""
    url = "postgres://someone@pgbouncer.example.edu:6432/school"
    values = read_settings(DJANGO_SECRET_KEY=SECRET, DATABASE_URL=url, DJANGO_DB_POOLER="pgbouncer")
    assert values["OPTIONS"]["prepare_threshold"] is None
    assert values["DB_OPTIONS"] == {"connect_timeout": 2}
    assert values["SERVER_SIDE_CURSORS_OFF"] is True
    direct = read_settings(DJANGO_SECRET_KEY=SECRET, DATABASE_URL=url)
    assert direct["OPTIONS"]["prepare_threshold"] == 5
    assert direct["SERVER_SIDE_CURSORS_OFF"] is False


def test_a_pooler_needs_postgresql():
    result = run_python(
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'school.settings'\n" + READ_SETTINGS,
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_DB_POOLER="pgbouncer",
    )
    assert result.returncode != 0
    assert "DJANGO_DB_POOLER" in result.stderr


def test_cors_origins_from_the_environment_and_none_by_default():
    assert read_settings(DJANGO_SECRET_KEY=SECRET)["CORS"] == []
    origins = "https://portal.example.edu, https://app.example.edu"
    assert read_settings(DJANGO_SECRET_KEY=SECRET, DJANGO_CORS_ALLOWED_ORIGINS=origins)["CORS"] == [
        "https://portal.example.edu",
        "https://app.example.edu",
    ]


@pytest.mark.parametrize(("value", "seconds"), [(None, None), ("30m", 1800), ("12h", 43200), ("7d", 604800)])
def test_token_lifetime_from_the_environment(value, seconds):
    env = {"DJANGO_TOKEN_TTL": value} if value else {}
    assert read_settings(DJANGO_SECRET_KEY=SECRET, **env)["TOKEN_TTL"] == seconds
