"""Database faults under a running server: a PostgreSQL of the test's own (never the shared one)
is frozen with SIGSTOP and stopped outright while gunicorn serves; every answer is a 503 problem
in seconds, /healthz answers at once, nothing is half written, and service comes back by itself.

The bounds on time below are not speed measurements: a hang would last until gunicorn killed
the worker (30 s); the configured deadlines answer in about three.
"""

import json
import os
import threading
import time
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest
from django.db import connection

from school.tests import pgcluster, servers

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="fault tests run in the PostgreSQL pass"),
    pytest.mark.skipif(bool(pgcluster.available()), reason=pgcluster.available() or ""),
]

STATEMENT_TIMEOUT = 2  # seconds, given to the server under test
DEADLINE = STATEMENT_TIMEOUT + 1  # the worker's own deadline for a silent server
SLACK = 3  # scheduling on a busy two-core machine

SETUP = """
import json
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from courses.models import Course
from students.models import Student
user = User.objects.create_superuser("faults", "faults@example.edu", None)
courses = [Course.objects.create(code=f"F-{n}", title="Fault", capacity=10) for n in range(3)]
students = [Student.objects.create(first_name="F", last_name=str(n), email=f"f{n}@example.edu") for n in range(4)]
print(json.dumps({"token": Token.objects.create(user=user).key, "courses": [c.pk for c in courses],
                  "students": [s.pk for s in students]}))
"""


def call(url, body=None, token=None):
    """(status, parsed body or text, headers, seconds taken)."""
    headers = {"Host": "localhost", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = json.dumps(body).encode() if body is not None else None
    started = time.monotonic()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=60) as r:
            status, raw, answer_headers = r.status, r.read(), r.headers
    except urllib.error.HTTPError as error:
        status, raw, answer_headers = error.code, error.read(), error.headers
    seconds = time.monotonic() - started
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = raw.decode(errors="replace")
    return status, parsed, answer_headers, seconds


@pytest.fixture(scope="module")
def server():
    cluster = pgcluster.Cluster()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(
        DJANGO_SECRET_KEY="fault-test-secret-key-" + "z7" * 20,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=cluster.url,
        DJANGO_DB_STATEMENT_TIMEOUT=str(STATEMENT_TIMEOUT),
        DJANGO_DB_CONNECT_TIMEOUT="1",
    )

    gunicorn = None
    try:
        servers.manage(env, "migrate", "--noinput")
        ids = json.loads(servers.manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])
        gunicorn, base = servers.start_gunicorn(env, workers=2)
        yield SimpleNamespace(cluster=cluster, base=base, **ids)
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
        cluster.remove()


def courses(server):
    return call(server.base + "/api/v1/courses/", token=server.token)


def enroll(server, student, course_ids):
    url = f"{server.base}/api/v1/students/{student}/courses/"
    return call(url, {"course_ids": course_ids}, token=server.token)


def assert_unavailable(answer, within):
    status, body, headers, seconds = answer
    assert status == 503, (status, body)
    assert headers["Content-Type"] == "application/problem+json"
    assert body["code"] == "service_unavailable"
    assert int(headers["Retry-After"]) > 0
    assert seconds < within, seconds


def enrolled_in(server, student):
    status, body, _, _ = call(f"{server.base}/api/v1/students/{student}/courses/", token=server.token)
    assert status == 200, body
    return {course["id"] for course in body["results"]}


def counts_exact(server):
    """Each course's stored count equals its roster, read through the API."""
    for course_id in server.courses:
        _, course, _, _ = call(f"{server.base}/api/v1/courses/{course_id}/", token=server.token)
        _, roster, _, _ = call(f"{server.base}/api/v1/courses/{course_id}/students/", token=server.token)
        assert course["enrolled_count"] == roster["count"], course_id
    return True


def test_a_frozen_database_is_503_in_seconds_and_comes_back_by_itself(server):
    for _ in range(4):  # both workers hold a connection
        assert courses(server)[0] == 200
    assert enroll(server, server.students[0], server.courses[:1])[0] == 201
    server.cluster.freeze()
    try:
        status, _, _, seconds = call(server.base + "/healthz")
        assert (status, seconds < 1) == (200, True)
        assert_unavailable(courses(server), within=DEADLINE + SLACK)
        assert_unavailable(enroll(server, server.students[1], server.courses), within=DEADLINE + SLACK)
        status, body, _, seconds = call(server.base + "/readyz")
        assert status == 503 and seconds < 2 + SLACK, (status, body, seconds)
        # A worker with no connection any more tries to connect, and gives up just as soon.
        assert_unavailable(courses(server), within=DEADLINE + SLACK)
    finally:
        server.cluster.thaw()
    assert pgcluster.wait_until(lambda: courses(server)[0] == 200, 15), "no recovery after the thaw"
    assert all(courses(server)[0] == 200 for _ in range(4))
    # The enrollment refused during the freeze was all or nothing: nothing, here.
    assert enrolled_in(server, server.students[1]) == set()
    assert enrolled_in(server, server.students[0]) == set(server.courses[:1])
    assert counts_exact(server)


def test_a_database_frozen_mid_enrollment_leaves_it_whole_or_absent(server):
    """The worker gives up on a transaction the server is still holding: when the server wakes,
    it finds the connection gone and rolls the transaction back."""
    student = server.students[2]
    # Freeze while the request runs: the course locks are taken, the insert may or may not be.
    answers = []
    worker = threading.Thread(target=lambda: answers.append(enroll(server, student, server.courses)))
    worker.start()
    time.sleep(0.05)
    server.cluster.freeze()
    try:
        worker.join(timeout=DEADLINE + 30)
        assert not worker.is_alive()
    finally:
        server.cluster.thaw()
    status = answers[0][0]
    assert status in (201, 503), answers[0][:2]
    assert pgcluster.wait_until(lambda: courses(server)[0] == 200, 15)
    assert enrolled_in(server, student) == (set(server.courses) if status == 201 else set())
    assert counts_exact(server)


def test_a_stopped_database_is_503_at_once_and_service_returns_when_it_starts(server):
    assert courses(server)[0] == 200
    server.cluster.stop()
    try:
        assert_unavailable(courses(server), within=1 + SLACK)
        assert_unavailable(enroll(server, server.students[3], server.courses[:1]), within=1 + SLACK)
        assert call(server.base + "/readyz")[0] == 503
        status, _, _, seconds = call(server.base + "/healthz")
        assert (status, seconds < 1) == (200, True)
        # The admin (no problem JSON there) is a plain 503 too, never a 500.
        assert servers.admin_sign_in(server.base, "faults", "wrong") == 503
    finally:
        server.cluster.start()
    assert pgcluster.wait_until(lambda: courses(server)[0] == 200, 15), "no recovery after the restart"
    assert enroll(server, server.students[3], server.courses[:1])[0] == 201
    assert counts_exact(server)
