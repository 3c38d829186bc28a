"""Running the service as an operator does, for tests: `manage.py` commands and gunicorn, in
subprocesses with an environment of the test's choosing."""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *command):
    """Run `manage.py <command>` with `env`; its standard output."""
    return subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=PROJECT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout


def start_gunicorn(env, workers=2):
    """`gunicorn school.wsgi -w <workers>` (reading gunicorn.conf.py) on a free port, up and
    answering /healthz: (the process, its base URL)."""
    port = free_port()
    server = subprocess.Popen(
        [BIN / "gunicorn", "school.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5):
                return server, base
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def admin_sign_in(base, username, password):
    """One attempt at the admin's login form, with its CSRF cookie and token, as a browser does:
    the status of the answer to the POST."""
    login = urllib.request.Request(base + "/admin/login/", headers={"Host": "localhost"})
    with urllib.request.urlopen(login, timeout=10) as response:
        page, cookie = response.read().decode(), response.headers["Set-Cookie"].split(";")[0]
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
    attempt = urllib.request.Request(
        base + "/admin/login/",
        data=form.encode(),
        headers={"Host": "localhost", "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urllib.request.urlopen(attempt, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
