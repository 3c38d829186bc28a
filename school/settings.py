"""Settings for the school service, read from the environment once, here.

The environment variables in the README's configuration table are the only switches;
no DJANGO_SETTINGS_MODULE is needed.
"""

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0 or true/false, not {raw!r}.")


def env_list(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_seconds(name, default):
    """A positive duration in seconds (decimals allowed), e.g. `5` or `0.5`."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0
    if not 0 < value <= 3600:
        raise ImproperlyConfigured(f"{name} must be a number of seconds between 0 and 3600, not {raw!r}.")
    return value


def env_duration(name):
    """A duration such as `30m`, `12h` or `7d` (also `s`), or None when unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    match = re.fullmatch(r"([1-9][0-9]{0,6})([smhd])", raw)
    if match is None:
        raise ImproperlyConfigured(f"{name} must look like 30m, 12h or 7d, not {raw!r}.")
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match[2]]
    return timedelta(**{unit: int(match[1])})


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set DJANGO_SECRET_KEY to a long random string "
            "(or DJANGO_DEBUG=1 for local development)."
        )
    SECRET_KEY = "django-insecure-local-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "school",
    "courses",
    "students",
]

MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",
    "school.availability.ServiceUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Who changes an enrollment, for its event (students.events).
    "students.events.EventWriterMiddleware",
]

ROOT_URLCONF = "school.urls"
WSGI_APPLICATION = "school.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite file by default, PostgreSQL (or anything dj-database-url reads) from DATABASE_URL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=600,
        conn_health_checks=True,
    )
}
# PgBouncer in transaction pooling mode hands each transaction to any server connection: nothing
# may outlive a transaction there (docs/operations.md, "Behind PgBouncer").
DB_POOLER = os.environ.get("DJANGO_DB_POOLER", "").strip().lower()
if DB_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured(f"DJANGO_DB_POOLER must be pgbouncer or unset, not {DB_POOLER!r}.")

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that asks the socket instead of running SELECT 1: no
    # round trip, and no wait for ever on a frozen server (see its docstring).
    DATABASES["default"]["ENGINE"] = "school.fastpath.postgresql"
    # Bind parameters on the server and let psycopg prepare a statement once a connection has run
    # it 5 times, so PostgreSQL plans each hot query once per connection, not on every request;
    # server-side binding also lets the hand-written reads ask for binary rows. (Behind PgBouncer
    # in transaction mode, set prepare_threshold to None: statements are then planned per request,
    # and binary rows still work.) All three are speed tricks: school/fastpath/README.md.
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
elif DB_POOLER:
    raise ImproperlyConfigured("DJANGO_DB_POOLER=pgbouncer needs a PostgreSQL DATABASE_URL.")
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no row locks: take the write lock when a transaction starts, so concurrent
    # writers queue up instead of failing with "database is locked"; WAL lets readers go on.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# A database that is down or hangs is an answer in seconds, never a hung worker (see
# docs/operations.md): connecting gives up after DB_CONNECT_TIMEOUT; PostgreSQL cancels a
# statement after DB_STATEMENT_TIMEOUT; and should the server not answer at all (frozen, or cut
# off), the worker stops waiting DB_CLIENT_GRACE later (school.availability).
DB_CONNECT_TIMEOUT = env_seconds("DJANGO_DB_CONNECT_TIMEOUT", 2)
DB_STATEMENT_TIMEOUT = env_seconds("DJANGO_DB_STATEMENT_TIMEOUT", 5)
DB_CLIENT_GRACE = 1
READINESS_TIMEOUT = 2
if DATABASES["default"]["ENGINE"] == "school.fastpath.postgresql":
    DATABASES["default"]["OPTIONS"]["connect_timeout"] = max(1, round(DB_CONNECT_TIMEOUT))
    if DB_POOLER:
        # Behind PgBouncer: no prepared statement (it would live on one server connection, and the
        # next transaction may get another), no server-side cursor (it lives as long as a
        # session), and no startup option (PgBouncer refuses `options`): the statement timeout is
        # then PgBouncer's or the role's to set (docs/operations.md), and school.availability's
        # own deadline still bounds every wait. Parameters stay bound on the server (unnamed
        # statements, one per query, which transaction pooling keeps).
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        DATABASES["default"]["OPTIONS"]["options"] = (
            f"-c statement_timeout={round(DB_STATEMENT_TIMEOUT * 1000)}"
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: holds the throttle counts, so it must be shared by every server process.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that is down or hangs fails a sign-in in a second (503), never hangs it.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            # Created by the migration school/migrations/0001_cache_table.py.
            "LOCATION": "school_cache",
            # Culling deletes live rows past this size, and with them throttle counts.
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Security. With debug off every check of `manage.py check --deploy` is satisfied.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers and orchestrators probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
NUM_PROXIES = env_int("DJANGO_NUM_PROXIES")
if NUM_PROXIES is not None and NUM_PROXIES < 0:
    raise ImproperlyConfigured(f"DJANGO_NUM_PROXIES must be 0 or more, not {NUM_PROXIES}.")
if NUM_PROXIES:
    # Behind a trusted TLS-terminating proxy, it tells us the original scheme.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = 0 if DEBUG else 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Browser clients (student portals) on other origins may call the API with a token: only the
# origins listed, only under /api/, never with cookies.
CORS_ALLOWED_ORIGINS = env_list("DJANGO_CORS_ALLOWED_ORIGINS", [])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = ("authorization", "content-type")
CORS_EXPOSE_HEADERS = ("Retry-After", "WWW-Authenticate")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"},
    },
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}

REST_FRAMEWORK = {
    # Token first: its challenge makes unauthenticated requests 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "school.authentication.KeyTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["school.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "school.fastpath.render.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "school.pagination.PagePagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "school.schema.ProblemAutoSchema",
    "EXCEPTION_HANDLER": "school.exceptions.exception_handler",
    # X-Forwarded-For is trusted only as far as DJANGO_NUM_PROXIES says; 0 means REMOTE_ADDR.
    "NUM_PROXIES": NUM_PROXIES or 0,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# API tokens older than this are refused (401 token_expired); signing in gives a fresh one.
TOKEN_TTL = env_duration("DJANGO_TOKEN_TTL")

USER_THROTTLE_RATE = os.environ.get("DJANGO_USER_THROTTLE_RATE", "").strip()
if USER_THROTTLE_RATE:
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", USER_THROTTLE_RATE):
        raise ImproperlyConfigured(
            f"DJANGO_USER_THROTTLE_RATE must look like 1000/min (per s, min, hour or day), not {USER_THROTTLE_RATE!r}."
        )
    REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = ["rest_framework.throttling.UserRateThrottle"]
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"user": USER_THROTTLE_RATE}

SPECTACULAR_SETTINGS = {
    "TITLE": "school API",
    "DESCRIPTION": "Students, courses and enrollments. Errors are RFC 9457 problem details.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
