"""An operator's deployment: migrate, collectstatic, then gunicorn with debug off serves the service."""

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection

from school.tests import servers
from school.tests.servers import PROJECT

pytestmark = pytest.mark.django_db(transaction=True)


def request(url, body=None, token=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Host": "localhost", "Content-Type": "application/json", **(headers or {})}
    if token:
        headers["Authorization"] = f"Token {token}"
    req = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers


SECRET_ENV = {"DJANGO_SECRET_KEY": "deploy-test-secret-key-" + "x9" * 20}


@pytest.fixture(scope="session")
def collected_static():
    """collectstatic once per run: it needs no database and takes seconds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=PROJECT,
        env={**env, **SECRET_ENV},
        check=True,
        capture_output=True,
        timeout=300,
    )


@pytest.fixture
def deployment(tmp_path, collected_static):
    """Prepares the database as an operator would (static files: `collected_static`).

    Yields `start(workers, **env)` -> base URL of a new gunicorn, and `manage(*args)` -> output.
    """
    # The operator's settings are the test's own, but for the pooler the test runs through.
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") or k == "DJANGO_DB_POOLER"}
    env.update(
        **SECRET_ENV,
        # Plain HTTP in the test: there is no TLS proxy in front of this gunicorn.
        DJANGO_SECURE_SSL_REDIRECT="0",
    )
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        # The test database pytest-django made, never the developer's own.
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'deploy.sqlite3'}"

    def manage(*command):
        return servers.manage(env, *command)

    manage("migrate", "--noinput")
    started = []

    def start(workers=2, **extra_env):
        server, base = servers.start_gunicorn({**env, **extra_env}, workers)
        started.append(server)
        return base

    try:
        yield SimpleNamespace(start=start, manage=manage)
    finally:
        for server in started:
            server.terminate()
            server.wait(timeout=10)
        # Throttle counts written by the servers were committed; later tests must not see them.
        cache.clear()


def test_gunicorn_serves_probes_admin_and_hashed_static_files(deployment):
    base = deployment.start()
    assert request(base + "/healthz")[:2] == (200, '{"status": "ok"}')
    assert request(base + "/readyz")[0] == 200
    status, page, _ = request(base + "/admin/login/")
    assert status == 200
    # The manifest storage names static files by content hash; whitenoise serves them.
    css = page.split('href="/static/admin/css/base.')[1].split('"')[0]
    assert len(css.split(".")) == 2
    assert request(f"{base}/static/admin/css/base.{css}")[0] == 200
    assert request(base + "/no-such-page")[0] == 404
    status, _, headers = request(base + "/api/v1/courses/")
    assert status == 401
    assert headers["Content-Type"] == "application/problem+json"


def test_the_sign_in_count_is_shared_by_separate_server_processes(deployment):
    first, second = deployment.start(workers=1), deployment.start(workers=1)
    wrong = {"username": "nobody", "password": "wrong"}
    for base in [first] * 5 + [second] * 5:
        assert request(base + "/api/v1/auth/token/", wrong)[0] == 400
    # Each process has seen only five attempts; only a shared count refuses the eleventh.
    status, body, headers = request(first + "/api/v1/auth/token/", wrong)
    assert status == 429
    assert json.loads(body)["code"] == "throttled"
    assert 1 <= int(headers["Retry-After"]) <= 60


def test_a_user_throttle_applies_when_configured(deployment):
    base = deployment.start(workers=1, DJANGO_USER_THROTTLE_RATE="3/min")
    deployment.manage(
        "shell", "-c", "from django.contrib.auth.models import User; User.objects.create_user('busy')"
    )
    token = deployment.manage("drf_create_token", "busy").split()[2]
    statuses = [request(base + "/api/v1/courses/", token=token)[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


SETUP_RACE = """
import json
from django.contrib.auth.models import User
from courses.models import Course
from students.models import Student
User.objects.create_superuser("racer", "racer@example.edu", "pw")
course = Course.objects.create(code="RACE-1", title="Race", capacity=3)
students = [Student.objects.create(first_name="R", last_name=str(i), email=f"r{i}@example.edu") for i in range(12)]
print(json.dumps({"course": course.pk, "students": [s.pk for s in students]}))
"""


def test_enrollments_racing_across_server_processes_respect_capacity(deployment):
    base = deployment.start(workers=2)
    ids = json.loads(deployment.manage("shell", "-c", SETUP_RACE).strip().splitlines()[-1])
    token = deployment.manage("drf_create_token", "racer").split()[2]
    barrier = threading.Barrier(len(ids["students"]))
    statuses = []

    def enroll(student_id):
        barrier.wait(timeout=30)
        url = f"{base}/api/v1/students/{student_id}/courses/"
        statuses.append(request(url, {"course_ids": [ids["course"]]}, token=token)[0])

    threads = [threading.Thread(target=enroll, args=(pk,)) for pk in ids["students"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # On SQLite too: writers queue for the database lock instead of failing with "locked".
    assert sorted(statuses) == [201] * 3 + [409] * 9


def test_one_idempotency_key_sent_to_two_server_processes_at_once_runs_once(deployment):
    first, second = deployment.start(workers=1), deployment.start(workers=1)
    deployment.manage("shell", "-c", SETUP_RACE)  # the superuser "racer"
    token = deployment.manage("drf_create_token", "racer").split()[2]
    for attempt in range(5):
        barrier, answers = threading.Barrier(2), []
        body = {"code": f"ONCE-{attempt}", "title": "Once"}

        def create(base, barrier, answers, body, key):
            barrier.wait(timeout=30)
            answers.append(request(base + "/api/v1/courses/", body, token=token, headers=key))

        key = {"Idempotency-Key": f"race-{attempt}"}
        threads = [
            threading.Thread(target=create, args=(base, barrier, answers, body, key))
            for base in (first, second)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        # One ran; the other was either refused while it ran, or answered its kept answer.
        kinds = sorted(
            "replayed"
            if headers.get("Idempotent-Replayed") == "true"
            else "ran"
            if status == 201
            else json.loads(text).get("code")
            for status, text, headers in answers
        )
        assert kinds in (["idempotency_key_in_use", "ran"], ["ran", "replayed"]), answers
        created = [body for status, body, headers in answers if status == 201]
        assert all(json.loads(b)["code"] == f"ONCE-{attempt}" for b in created)
        listed = request(first + f"/api/v1/courses/?search=ONCE-{attempt}", token=token)[1]
        assert json.loads(listed)["count"] == 1


SETUP_LINE = """
import json
from django.contrib.auth.models import User
from courses.models import Course
from students.models import Student
from students.services import enrollment_create, waitlist_join
RUN = 0
if not User.objects.filter(username="liner").exists():
    User.objects.create_superuser("liner", "liner@example.edu", "pw")
course = Course.objects.create(code=f"LINE-{RUN}", title="Line", capacity=3, waitlist_capacity=6)
people = [Student.objects.create(first_name="L", last_name=str(i), email=f"l{RUN}-{i}@example.edu") for i in range(12)]
for student in people[:3]:
    enrollment_create(student=student, course_ids=[course.pk])
for student in people[3:6]:
    waitlist_join(student=student, course_id=course.pk)
print(json.dumps({"course": course.pk, "students": [s.pk for s in people]}))
"""
CHECK_LINE = """
RUN = 0
from courses.models import Course
from students.tests.test_waitlist_races import check_the_line
course = Course.objects.get(code=f"LINE-{RUN}")
seats, line = check_the_line(course)
assert course.enrolled_count == len(seats) == 3 and course.waitlist_count == len(line)
print("line kept")
"""


def test_the_waitlist_holds_with_two_server_processes(deployment):
    """Drops, leaves, joins and direct enrollments at once, through two gunicorn processes, ten
    times: every promotion goes to the first in line and nobody enrolls past a waiting student."""
    first, second = deployment.start(workers=1), deployment.start(workers=1)
    for run in range(10):
        setup = SETUP_LINE.replace("RUN = 0", f"RUN = {run}")
        ids = json.loads(deployment.manage("shell", "-c", setup).strip().splitlines()[-1])
        if run == 0:
            token = deployment.manage("drf_create_token", "liner").split()[2]
        line_at_once(first, second, token, ids["course"], ids["students"])
        assert "line kept" in deployment.manage("shell", "-c", CHECK_LINE.replace("RUN = 0", f"RUN = {run}"))


def line_at_once(first, second, token, course, people):
    actions = (
        [(f"/api/v1/students/{pk}/courses/{course}/", None, "DELETE") for pk in people[:2]]
        + [(f"/api/v1/students/{people[4]}/waitlist/{course}/", None, "DELETE")]
        + [(f"/api/v1/students/{pk}/waitlist/", {"course_id": course}, "POST") for pk in people[6:10]]
        + [(f"/api/v1/students/{pk}/courses/", {"course_ids": [course]}, "POST") for pk in people[10:]]
    )
    barrier, statuses = threading.Barrier(len(actions)), []

    def send(base, path, body, method):
        barrier.wait(timeout=30)
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Host": "localhost", "Content-Type": "application/json", "Authorization": f"Token {token}"}
        req = urllib.request.Request(base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    threads = [
        threading.Thread(target=send, args=((first, second)[n % 2], *action))
        for n, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(statuses) == len(actions) and all(status < 500 for status in statuses), statuses


def test_gunicorn_reads_the_projects_configuration(deployment):
    base = deployment.start(workers=1)
    # A request line over gunicorn's default limit (4094) but within ours reaches the application,
    # which answers with a problem: the search text is over its own limit.
    status, _, headers = request(base + "/api/v1/courses/?search=" + "a" * 6000)
    assert status == 401  # the application answered (no token), not gunicorn
    assert headers["Content-Type"] == "application/problem+json"
    # Past gunicorn's own limit, gunicorn answers 414 itself.
    status, _, headers = request(base + "/api/v1/courses/?search=" + "a" * 9000)
    assert status == 414
    assert headers["Content-Type"] != "application/problem+json"


def test_the_admin_login_count_is_shared_by_separate_server_processes(deployment):
    first, second = deployment.start(workers=1), deployment.start(workers=1)
    for base in [first] * 5 + [second] * 5:
        assert servers.admin_sign_in(base, "nobody", "wrong") == 200  # the form again, with its error
    # Each process has seen five attempts; the shared count refuses the eleventh, and the token
    # door counts against the same address too.
    assert servers.admin_sign_in(second, "nobody", "wrong") == 429
    assert request(first + "/api/v1/auth/token/", {"username": "x", "password": "y"})[0] == 429
