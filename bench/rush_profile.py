"""Where the milliseconds of one enrollment go: the rush's requests, profiled in one process.

    python bench/rush_profile.py [--requests 300] [--profile]

On fresh copies of the rush's seeded database (`school_rush_seed`, made by
`python bench/run.py --only rush`), this sends each kind of request the rush sends, one at a
time, through the service's WSGI application (`school.wsgi`, in this process: no gunicorn, no
network but PostgreSQL's) and through the floor's (bench/rush_floor.py), each on its own copy:

- `enroll 201`: a student enrolls in 3 courses with seats;
- `enroll 409`: a student asks for a full course (409 `course_full`);
- `waitlist 201`: a student joins a full course's waitlist;
- `waitlist 409`: a student asks to wait for a course whose waitlist is full too.

For each kind and side it reports the median wall time of a request and the database's part of
it: the time spent in each statement's execution (the service's through a
`connection.execute_wrapper`, BEGIN included in the first statement, COMMIT timed separately;
the floor's through a timing cursor), per statement. The rest is Python. With `--profile`, a
second pass runs under cProfile and splits that Python time by where it is spent (Django, DRF,
psycopg, the project's code, the standard library) in the profile's proportions: cProfile slows
down code that makes many small calls more than code that makes few, so the split is an estimate
and the wall times come from the pass without it.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import rush  # noqa: E402  (the project on the path first)

DEFAULT_URL = "postgres://root@127.0.0.1:5432/school_bench"
WARM_UP = 30
KINDS = ["enroll 201", "enroll 409", "waitlist 201", "waitlist 409"]
# How many of each the rush answers (bench/rush.py, 2,000 students): the weights of the mean.
RUSH_MIX = {"enroll 201": 1504, "enroll 409": 1530, "waitlist 201": 881, "waitlist 409": 2153}


def prepare(url):
    """Two courses made full (one seat, taken): `open_line` with an unlimited waitlist, `closed_line`
    with none; returns their ids, the other course ids, and every student's (id, token)."""
    with psycopg.connect(url, autocommit=True) as conn:
        courses = [row[0] for row in conn.execute("SELECT id FROM courses_course ORDER BY id")]
        students = conn.execute(
            "SELECT s.id, t.key FROM students_student s JOIN authtoken_token t ON t.user_id = s.user_id ORDER BY s.id"
        ).fetchall()
        open_line, closed_line = courses[-2:]
        conn.execute(
            "UPDATE courses_course SET capacity = 1, waitlist_capacity = NULL WHERE id = %s", [open_line]
        )
        conn.execute(
            "UPDATE courses_course SET capacity = 1, waitlist_capacity = 0 WHERE id = %s", [closed_line]
        )
        last = students[-1][0]
        conn.execute(
            "INSERT INTO student_courses (student_id, course_id, enrolled_at) VALUES (%s, %s, now()), (%s, %s, now())",
            [last, open_line, last, closed_line],
        )
    return open_line, closed_line, courses[:-2], students[:-1]


def requests_of(kind, students, courses, open_line, closed_line, how_many):
    """[(student id, token, path, body)] for `how_many` requests of `kind`, each student once."""
    chosen = students[:how_many]
    made = []
    for n, (student_id, token) in enumerate(chosen):
        if kind == "enroll 201":
            path, body = "courses", {"course_ids": [courses[(n + k * 19) % len(courses)] for k in range(3)]}
        elif kind == "enroll 409":
            path, body = "courses", {"course_ids": [open_line]}
        elif kind == "waitlist 201":
            path, body = "waitlist", {"course_id": open_line}
        else:
            path, body = "waitlist", {"course_id": closed_line}
        made.append((student_id, token, f"/api/v1/students/{student_id}/{path}/", body))
    return made


def environ(token, path, body):
    data = json.dumps(body).encode()
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(data)),
        "HTTP_AUTHORIZATION": f"Token {token}",
        "wsgi.input": io.BytesIO(data),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


class StatementClock:
    """Database time per statement (its first words), summed over requests."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self.count = defaultdict(int)

    def add(self, sql, seconds):
        key = " ".join(sql.split())[:70]
        self.seconds[key] += seconds
        self.count[key] += 1

    def total(self):
        return sum(self.seconds.values())


def call(application, env):
    statuses = []
    body = b"".join(application(env, lambda status, headers, exc_info=None: statuses.append(status)))
    return int(statuses[0].split()[0]), body


def side_ours(url):
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="0",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    os.environ.pop("REDIS_URL", None)
    import logging

    from django.db import connection

    from school.wsgi import application

    logging.disable(logging.WARNING)  # gunicorn's stderr goes nowhere in the bench either

    def run(requests, clock):
        def wrapper(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                clock.add(sql, time.perf_counter() - started)

        def commit(original=connection._commit):
            started = time.perf_counter()
            try:
                return original()
            finally:
                clock.add("COMMIT", time.perf_counter() - started)

        def rollback(original=connection._rollback):
            started = time.perf_counter()
            try:
                return original()
            finally:
                clock.add("ROLLBACK", time.perf_counter() - started)

        connection._commit, connection._rollback = commit, rollback  # this run's clock times them
        timed = []
        try:
            with connection.execute_wrapper(wrapper):
                for _, token, path, body in requests:
                    started = time.perf_counter()
                    status, _ = call(application, environ(token, path, body))
                    timed.append((status, time.perf_counter() - started))
        finally:
            del connection._commit, connection._rollback
        return timed

    run.backend_pid = lambda: connection.connection.info.backend_pid
    return run


def side_floor(url):
    from bench import rush_floor

    clock_box = {}

    class TimedCursor(psycopg.Cursor):
        def execute(self, query, params=None, **kwargs):
            started = time.perf_counter()
            try:
                return super().execute(query, params, **kwargs)
            finally:
                clock_box["clock"].add(query, time.perf_counter() - started)

    rush_floor._connection = psycopg.connect(
        url, autocommit=True, options="-c TimeZone=UTC", cursor_factory=TimedCursor
    )

    def run(requests, clock):
        clock_box["clock"] = clock
        timed = []
        for _, token, path, body in requests:
            started = time.perf_counter()
            status, _ = call(rush_floor.application, environ(token, path, body))
            timed.append((status, time.perf_counter() - started))
        return timed

    run.backend_pid = lambda: rush_floor._connection.info.backend_pid
    return run


GROUPS = [
    # Sending a statement and waiting for its answer: PostgreSQL's time, and the machine's (on a
    # busy machine the sender waits for a core while the server runs).
    (
        "PostgreSQL (round trips)",
        lambda f, name: (
            "psycopg" in f and name in {"wait", "_execute_send", "_send_query_prepared", "_exec_command"}
        ),
    ),
    ("psycopg", lambda f, name: "/psycopg" in f),
    ("Django", lambda f, name: "/django/" in f),
    ("DRF", lambda f, name: "/rest_framework/" in f or "/drf_spectacular/" in f),
    ("the project's code", lambda f, name: f.startswith(str(ROOT))),
]


def python_split(profile):
    """{group: seconds} of the profile's own time per function, grouped by where the function lives."""
    split = defaultdict(float)
    for (filename, _, name), (_, _, own, _, _) in pstats.Stats(profile).stats.items():
        group = next((label for label, test in GROUPS if test(filename, name)), "standard library, builtins")
        split[group] += own
    return split


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=300, help="measured requests per kind and side")
    parser.add_argument("--profile", action="store_true", help="also split the Python time with cProfile")
    parser.add_argument("--only", choices=["ours", "floor"], help="one side only")
    options = parser.parse_args()
    urls = rush.database_urls(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    seed_url = urls["school_rush_seed"]
    parsed = urlparse(seed_url)
    sides = {}
    for name, make in [("ours", side_ours), ("floor", side_floor)]:
        if options.only and options.only != name:
            continue
        url = parsed._replace(path=f"/school_rush_profile_{name}").geturl()
        rush.copy_database(seed_url, url)
        open_line, closed_line, courses, students = prepare(url)
        sides[name] = make(url)
    # Every kind gets its own students, so no request repeats another's.
    per_kind = WARM_UP + options.requests * (2 if options.profile else 1)
    if per_kind * len(KINDS) > len(students):
        parser.error(
            f"{len(students):,} students give at most {len(students) // len(KINDS):,} requests per kind"
        )
    batches = {
        kind: requests_of(
            kind, students[n * per_kind : (n + 1) * per_kind], courses, open_line, closed_line, per_kind
        )
        for n, kind in enumerate(KINDS)
    }
    report = {}
    for kind in KINDS:
        batch = batches[kind]
        warm, measured, profiled = (
            batch[:WARM_UP],
            batch[WARM_UP : WARM_UP + options.requests],
            batch[WARM_UP + options.requests :],
        )
        for name, run in sides.items():
            run(warm, StatementClock())
            clock = StatementClock()
            backend, python = rush.cpu_seconds(run.backend_pid()), time.process_time()
            timed = run(measured, clock)
            backend, python = rush.cpu_seconds(run.backend_pid()) - backend, time.process_time() - python
            statuses = {status for status, _ in timed}
            entry = {
                "statuses": sorted(statuses),
                "median_ms": statistics.median(seconds for _, seconds in timed) * 1000,
                "mean_ms": statistics.mean(seconds for _, seconds in timed) * 1000,
                "db_ms": clock.total() * 1000 / len(measured),
                "cpu_ms": (python * 1000 / len(measured), backend * 1000 / len(measured)),
                "statements": {
                    sql: (clock.count[sql] / len(measured), seconds * 1000 / len(measured))
                    for sql, seconds in sorted(clock.seconds.items(), key=lambda item: -item[1])
                },
            }
            if options.profile:
                profile = cProfile.Profile()
                profile.enable()
                run(profiled, StatementClock())
                profile.disable()
                entry["python_split"] = python_split(profile)
            report[(kind, name)] = entry
    print_report(report, sides, options)


def print_report(report, sides, options):
    print(
        f"{options.requests} requests per kind and side, one at a time, in one process (medians; ms per request)"
    )
    total = sum(RUSH_MIX.values())
    for name in sides:
        mean = sum(report[(kind, name)]["median_ms"] * RUSH_MIX[kind] for kind in KINDS) / total
        db = sum(report[(kind, name)]["db_ms"] * RUSH_MIX[kind] for kind in KINDS) / total
        cpu = [
            sum(report[(kind, name)]["cpu_ms"][n] * RUSH_MIX[kind] for kind in KINDS) / total for n in (0, 1)
        ]
        print(
            f"{name:>5}: {mean:.2f} ms per request in the rush's mix (database {db:.2f} ms; CPU: this process "
            f"{cpu[0]:.2f} ms, PostgreSQL {cpu[1]:.2f} ms)"
        )
    for kind in KINDS:
        print(f"\n== {kind}")
        for name in sides:
            entry = report[(kind, name)]
            python = entry["mean_ms"] - entry["db_ms"]
            print(
                f"{name:>5}: {entry['median_ms']:.2f} ms median ({entry['mean_ms']:.2f} mean; statuses "
                f"{entry['statuses']}): database {entry['db_ms']:.2f} ms, Python {python:.2f} ms; CPU: this "
                f"process {entry['cpu_ms'][0]:.2f} ms, PostgreSQL {entry['cpu_ms'][1]:.2f} ms"
            )
            for sql, (count, ms) in entry["statements"].items():
                print(f"         {ms:6.3f} ms  x{count:.0f}  {sql}")
            if "python_split" in entry:
                split = entry["python_split"]
                python_own = sum(s for group, s in split.items() if not group.startswith("PostgreSQL"))
                for group, seconds in sorted(split.items(), key=lambda item: -item[1]):
                    if group.startswith("PostgreSQL"):
                        continue
                    share = seconds / python_own
                    print(f"         Python: {group:<28} {share:5.0%}  ~{share * python:.2f} ms")


if __name__ == "__main__":
    main()
