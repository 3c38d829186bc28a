"""An operator's deployment: migrate, collectstatic, then gunicorn with debug off serves the service."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url):
    request = urllib.request.Request(url, headers={"Host": "localhost"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def deployed(tmp_path, django_db_setup):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL"))}
    env.update(
        DJANGO_SECRET_KEY="deploy-test-secret-key-" + "x9" * 20,
        # Plain HTTP in the test: there is no TLS proxy in front of this gunicorn.
        DJANGO_SECURE_SSL_REDIRECT="0",
    )
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        # The test database pytest-django made, never the developer's own.
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'deploy.sqlite3'}"
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=PROJECT,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    port = free_port()
    server = subprocess.Popen(
        [BIN / "gunicorn", "school.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                get(base + "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.django_db
def test_gunicorn_serves_probes_admin_and_hashed_static_files(deployed):
    assert get(deployed + "/healthz") == (200, '{"status": "ok"}')
    assert get(deployed + "/readyz")[0] == 200
    status, page = get(deployed + "/admin/login/")
    assert status == 200
    # The manifest storage names static files by content hash; whitenoise serves them.
    css = page.split('href="/static/admin/css/base.')[1].split('"')[0]
    assert len(css.split(".")) == 2
    assert get(f"{deployed}/static/admin/css/base.{css}")[0] == 200
    assert get(deployed + "/no-such-page")[0] == 404
