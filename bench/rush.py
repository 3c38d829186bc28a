"""The registration rush of `make bench`: thousands of students enrolling themselves at once.

2,000 students, each with their own user and token, enroll in 3 of 60 courses (50 seats, a
waitlist of 20, no enrollment window) through `POST students/{id}/courses/`, from 16 concurrent
connections; a course's refusal (409 `course_full`) sends the student to that course's waitlist
(`POST students/{id}/waitlist/`) and back to enrolling in the rest. The courses each student asks
for are drawn (deterministically) with a skew, so some courses are hot: 6,000 requests for 3,000
seats and 1,200 waitlist places.

The same load runs against the service (`gunicorn school.wsgi -w 2` on database `school_rush`)
and against the bare floor (`gunicorn bench.rush_floor:application -w 2` on `school_rush_floor`,
the service's transaction in plain psycopg), each from a fresh copy of one seeded database
(`school_rush_seed`), in interleaved rounds; each side keeps its best round. Reported: enrollments
per second (enrollment rows created over the run's wall time), requests per second, p50/p99 of
the enrollment requests and of all requests, answers by status, and the service's enrollments
per second as a fraction of the floor's (target >= 0.5). After every run the database is checked
against the contract's invariants (`check`); any failure fails the benchmark.

    python bench/run.py --only rush            # the rush alone (about two minutes)
    python bench/run.py                        # make bench: the read scenarios, bulk, then the rush

The databases live on BENCH_DATABASE_URL's server (default 127.0.0.1:5432), named `school_rush*`.
"""

import http.client
import itertools
import json
import os
import queue
import random
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

import psycopg

SEED = 2026
COURSES, CAPACITY, WAITLIST = 60, 50, 20
PER_STUDENT = 3
CONNECTIONS = 16
# Popularity of the course ranked r-th is 1 / r ** SKEW: the hottest is asked by about 500 of
# 2,000 students, the coldest by about 40.
SKEW = 0.6
MAX_ENROLL_ATTEMPTS = PER_STUDENT + 1  # each course_full takes at least one course out

# Seeds the database through the ORM in bulk (manage.py shell): courses, then one user, token and
# student per student; tokens are drawn from SEED, so every run has the same ones.
SEED_SCRIPT = """
import json
import random
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from courses.models import Course
from students.models import Student

students, rng = %(students)d, random.Random(%(seed)d)
courses = Course.objects.bulk_create([
    Course(code=f"RUSH-{n:02d}", title=f"Rush course {n}", capacity=%(capacity)d, waitlist_capacity=%(waitlist)d)
    for n in range(1, %(courses)d + 1)
])
users = User.objects.bulk_create([
    User(username=f"rush{n:05d}", email=f"rush{n:05d}@example.edu", password="!") for n in range(students)
])
tokens = Token.objects.bulk_create([Token(key=f"{rng.getrandbits(160):040x}", user=user) for user in users])
enrolling = Student.objects.bulk_create([
    Student(first_name="Rush", last_name=f"Student {n}", email=f"rush{n:05d}@example.edu", user=user)
    for n, user in enumerate(users)
])
print(json.dumps({
    "courses": [course.pk for course in courses],
    "students": [[student.pk, token.key] for student, token in zip(enrolling, tokens)],
}))
"""


def database_urls(bench_url):
    """The rush's databases, on the bench database's server."""
    parsed = urlparse(bench_url)
    return {
        name: parsed._replace(path=f"/{name}").geturl()
        for name in ("school_rush_seed", "school_rush", "school_rush_floor")
    }


def admin_connection(url):
    return psycopg.connect(urlparse(url)._replace(path="/postgres").geturl(), autocommit=True)


def copy_database(template_url, url):
    """`url`'s database afresh, as a copy of `template_url`'s (nobody may be connected to either)."""
    template, name = urlparse(template_url).path.lstrip("/"), urlparse(url).path.lstrip("/")
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def seed(url, env, manage, students, log):
    """Create and seed the template database; returns its course ids and (student id, token) pairs."""
    started = time.monotonic()
    name = urlparse(url).path.lstrip("/")
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**env, "DATABASE_URL": url}
    manage(env, "migrate", "--noinput", "-v0")
    script = SEED_SCRIPT % {
        "students": students,
        "seed": SEED,
        "courses": COURSES,
        "capacity": CAPACITY,
        "waitlist": WAITLIST,
    }
    fixtures = json.loads(manage(env, "shell", "-c", script).strip().splitlines()[-1])
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    log(
        f"rush: seeded {len(fixtures['students']):,} students and {COURSES} courses in {time.monotonic() - started:.1f}s"
    )
    return fixtures


def plan(student_ids, course_ids, seed=SEED):
    """{student id: the PER_STUDENT course ids they ask for, sorted}: drawn by popularity, which
    is skewed (a Zipf law over the courses in a shuffled order)."""
    rng = random.Random(seed)
    ranked = list(course_ids)
    rng.shuffle(ranked)
    weights = [1 / (rank + 1) ** SKEW for rank in range(len(ranked))]
    asks = {}
    for student_id in student_ids:
        chosen = set()
        while len(chosen) < PER_STUDENT:
            chosen.add(rng.choices(ranked, weights)[0])
        asks[student_id] = sorted(chosen)
    return asks


class Outcome:
    """What one run of the load saw: every answer, and what each student got."""

    def __init__(self):
        self.answers = []  # (kind, status, code, milliseconds)
        self.enrolled = set()  # (student id, course id) the answers say were enrolled by this run
        self.waiting = set()  # (student id, course id) the answers say are in line
        self.unexpected = []  # (student id, kind, status, body) of answers outside the script
        self.seconds = 0.0
        self.lock = threading.Lock()


def post(connection, path, token, body):
    """(status, parsed body, milliseconds) of one POST on a keep-alive connection (reopened when
    the server closed it, as gunicorn's sync workers do after every answer)."""
    data = json.dumps(body).encode()
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    started = time.perf_counter()
    connection.request("POST", path, data, headers)
    response = connection.getresponse()
    payload = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    try:
        parsed = json.loads(payload) if payload else None
    except ValueError:
        parsed = payload[:200].decode(errors="replace")
    return response.status, parsed, elapsed


def rush_student(connection, student_id, token, wanted, outcome):
    """Enroll in `wanted`; on course_full join those courses' waitlists and enroll in the rest."""
    answers, enrolled, waiting, unexpected = [], set(), set(), []
    remaining = list(wanted)
    for _ in range(MAX_ENROLL_ATTEMPTS):
        status, body, ms = post(
            connection, f"/api/v1/students/{student_id}/courses/", token, {"course_ids": remaining}
        )
        code = body.get("code") if isinstance(body, dict) else None
        answers.append(("enroll", status, code, ms))
        if status in (200, 201):
            enrolled.update((student_id, course_id) for course_id in remaining)
            break
        if status != 409 or code != "course_full":
            unexpected.append((student_id, "enroll", status, body))
            break
        full = body["full_course_ids"]
        for course_id in full:
            status, body, ms = post(
                connection, f"/api/v1/students/{student_id}/waitlist/", token, {"course_id": course_id}
            )
            code = body.get("code") if isinstance(body, dict) else None
            answers.append(("waitlist", status, code, ms))
            if status == 201 and body.get("status") == "enrolled":
                enrolled.add((student_id, course_id))
            elif status in (200, 201) and body.get("status") == "waitlisted":
                waiting.add((student_id, course_id))
            elif not (status == 409 and code == "waitlist_full"):
                unexpected.append((student_id, "waitlist", status, body))
        remaining = [course_id for course_id in remaining if course_id not in full]
        if not remaining:
            break
    else:
        unexpected.append((student_id, "enroll", "gave up", remaining))
    with outcome.lock:
        outcome.answers += answers
        outcome.enrolled |= enrolled
        outcome.waiting |= waiting
        outcome.unexpected += unexpected


def load(port, students, asks, connections=CONNECTIONS):
    """Rush the server on `port`: `students` ((id, token), in this order) taken from one queue by
    `connections` threads, each with its own HTTP/1.1 connection."""
    outcome = Outcome()
    pending = queue.SimpleQueue()
    for student in students:
        pending.put(student)

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            while True:
                try:
                    student_id, token = pending.get_nowait()
                except queue.Empty:
                    return
                try:
                    rush_student(connection, student_id, token, asks[student_id], outcome)
                except (OSError, http.client.HTTPException) as error:
                    connection.close()
                    with outcome.lock:
                        outcome.unexpected.append(
                            (student_id, "connection", type(error).__name__, str(error))
                        )
                        outcome.answers.append(("enroll", 0, None, 0.0))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome.seconds = time.perf_counter() - started
    return outcome


def warm_up(port, students, requests=64):
    """A few refused requests (400: an empty list), so that both workers have loaded their code and
    connected to the database before the clock starts; nothing is written."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        for student_id, token in students[:requests]:
            status, _, _ = post(
                connection, f"/api/v1/students/{student_id}/courses/", token, {"course_ids": []}
            )
            if status != 400:
                raise SystemExit(f"rush warm-up: expected 400, got {status}")
    finally:
        connection.close()


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def figures(outcome, url):
    """The run's figures: enrollments/s from the rows the database holds afterwards."""
    with psycopg.connect(url, autocommit=True) as conn:
        enrollments = conn.execute("SELECT COUNT(*) FROM student_courses").fetchone()[0]
        waiting = conn.execute("SELECT COUNT(*) FROM waitlist_entries").fetchone()[0]
    enroll_ms = [ms for kind, _, _, ms in outcome.answers if kind == "enroll"]
    all_ms = [ms for _, _, _, ms in outcome.answers]
    statuses = Counter(
        f"{kind} {status}{' ' + code if code else ''}" for kind, status, code, _ in outcome.answers
    )
    return {
        "enrollments": enrollments,
        "waiting": waiting,
        "seconds": outcome.seconds,
        "enrollments_per_s": enrollments / outcome.seconds,
        "requests": len(all_ms),
        "requests_per_s": len(all_ms) / outcome.seconds,
        "enroll_p50_ms": percentile(enroll_ms, 0.5),
        "enroll_p99_ms": percentile(enroll_ms, 0.99),
        "all_p50_ms": percentile(all_ms, 0.5),
        "all_p99_ms": percentile(all_ms, 0.99),
        "server_errors": sum(1 for _, status, _, _ in outcome.answers if status >= 500 or status == 0),
        "statuses": dict(sorted(statuses.items())),
    }


def check(url, outcome, asks):
    """The contract's invariants on the database after a run, and the run's answers against it:
    [(what, held?, detail)]."""
    with psycopg.connect(url, autocommit=True) as conn:
        courses = conn.execute(
            """SELECT c.id, c.capacity, c.enrolled_count, c.waitlist_capacity, c.waitlist_count,
                      (SELECT COUNT(*) FROM student_courses e WHERE e.course_id = c.id),
                      (SELECT COUNT(*) FROM waitlist_entries w WHERE w.course_id = c.id)
               FROM courses_course c ORDER BY c.id"""
        ).fetchall()
        enrolled = set(conn.execute("SELECT student_id, course_id FROM student_courses").fetchall())
        entries = conn.execute(
            "SELECT student_id, course_id FROM waitlist_entries ORDER BY course_id, id"
        ).fetchall()
        events = conn.execute(
            "SELECT student_id, course_id, action, actor, source, at FROM enrollment_events ORDER BY id"
        ).fetchall()
        usernames = dict(
            conn.execute(
                "SELECT s.id, u.username FROM students_student s JOIN auth_user u ON u.id = s.user_id"
            )
        )
    results = []

    def holds(what, failures, shown=3):
        failures = list(failures)
        detail = "" if not failures else f"{len(failures)} wrong, e.g. {failures[:shown]}"
        results.append((what, not failures, detail))

    holds(
        "no answer is a 5xx (nor a broken connection)",
        [a for a in outcome.answers if a[1] >= 500 or a[1] == 0],
    )
    holds(
        "every answer is one the rush expects (201/200, 409 course_full, 409 waitlist_full)",
        outcome.unexpected,
    )
    holds(
        "enrolled_count equals the course's rows and is within its capacity",
        [(pk, count, rows, cap) for pk, cap, count, _, _, rows, _ in courses if count != rows or rows > cap],
    )
    holds(
        "waitlist_count equals the course's entries and is within its waitlist's capacity",
        [(pk, count, rows, cap) for pk, _, _, cap, count, _, rows in courses if count != rows or rows > cap],
    )
    holds(
        "no course has a free seat while someone waits",
        [(pk, rows, cap, waiting) for pk, cap, _, _, _, rows, waiting in courses if waiting and rows < cap],
    )
    askers = Counter(course_id for wanted in asks.values() for course_id in wanted)
    holds(
        "exact seats: each course holds min(capacity, students who asked for it)",
        [(pk, rows, askers[pk]) for pk, cap, _, _, _, rows, _ in courses if rows != min(cap, askers[pk])],
    )
    holds(
        "each waitlist holds min(its capacity, students refused a seat there)",
        [
            (pk, waiting, askers[pk] - rows)
            for pk, _, _, cap, _, rows, waiting in courses
            if waiting != min(cap, askers[pk] - rows)
        ],
    )
    waitlisted_events = {}
    for student_id, course_id, action, *_ in events:
        if action == "waitlisted":
            waitlisted_events.setdefault(course_id, []).append(student_id)
    lines = {}
    for student_id, course_id in entries:
        lines.setdefault(course_id, []).append(student_id)
    holds(
        "first come, first served: each waitlist in id order is its `waitlisted` events in order",
        [
            pk
            for pk in set(lines) | set(waitlisted_events)
            if lines.get(pk, []) != waitlisted_events.get(pk, [])
        ],
    )
    per_change = Counter((student_id, course_id, action) for student_id, course_id, action, *_ in events)
    expected = Counter({(s, c, "enrolled"): 1 for s, c in enrolled}) + Counter(
        {(s, c, "waitlisted"): 1 for s, c in entries}
    )
    holds(
        "one event per change: one `enrolled` per enrollment, one `waitlisted` per entry, nothing else",
        sorted(set(per_change.items()) ^ set(expected.items()))[:10],
    )
    holds(
        "every event names its student as actor, through the API",
        [e[:5] for e in events if e[3] != usernames.get(e[0]) or e[4] != "api"],
    )
    holds(
        "event times never go back along ids (ids in commit order)",
        [(a[5], b[5]) for a, b in itertools.pairwise(events) if b[5] < a[5]],
    )
    replayed, replayed_waiting = set(), set()
    for student_id, course_id, action, *_ in events:
        pair = (student_id, course_id)
        if action == "enrolled":
            replayed.add(pair)
        elif action == "dropped":
            replayed.discard(pair)
        elif action == "waitlisted":
            replayed_waiting.add(pair)
        else:  # promoted, left_waitlist
            replayed_waiting.discard(pair)
    holds("replaying the events rebuilds student_courses exactly", sorted(replayed ^ enrolled))
    holds("...and the waitlists exactly", sorted(replayed_waiting ^ set(entries)))
    holds(
        "the answers' enrollments are the database's (no more, no fewer)", sorted(outcome.enrolled ^ enrolled)
    )
    holds("the answers' waitlist places are the database's", sorted(outcome.waiting ^ set(entries)))
    return results


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User and system CPU time of a process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def cpu_snapshot(server, url):
    """{role: {pid: CPU seconds}}: the gunicorn master and workers, and PostgreSQL's backends
    serving the database (their connections persist from one request to the next)."""
    master = server.process.pid
    try:
        workers = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        workers = []
    with psycopg.connect(url, autocommit=True) as conn:
        backends = [
            row[0]
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ]
    return {
        "server": {pid: cpu_seconds(pid) for pid in [master, *map(int, workers)]},
        "postgresql": {pid: cpu_seconds(pid) for pid in backends},
        "client": {0: time.process_time()},
    }


def cpu_per_request(before, after, requests):
    """Milliseconds of CPU per request, by role, between two snapshots."""
    return {
        role: sum(seconds - before[role].get(pid, 0.0) for pid, seconds in after[role].items())
        * 1000
        / requests
        for role in after
    }


def run_side(name, app, url, env, server_class, fixtures, asks, log):
    students = [tuple(student) for student in fixtures["students"]]
    server = server_class(app, env)
    try:
        warm_up(server.port, students)
        before = cpu_snapshot(server, url)
        outcome = load(server.port, students, asks)
        after = cpu_snapshot(server, url)
    finally:
        server.stop()
    result = figures(outcome, url)
    result["cpu_ms_per_request"] = cpu_per_request(before, after, len(outcome.answers))
    result["invariants"] = [
        {"check": what, "held": held, "detail": detail} for what, held, detail in check(url, outcome, asks)
    ]
    held = all(item["held"] for item in result["invariants"])
    log(
        f"rush {name}: {result['enrollments']:,} enrollments in {result['seconds']:.1f}s = "
        f"{result['enrollments_per_s']:.0f}/s, {result['requests_per_s']:.0f} req/s, enroll p50 "
        f"{result['enroll_p50_ms']:.1f} ms p99 {result['enroll_p99_ms']:.1f} ms; CPU per request: "
        + ", ".join(f"{role} {ms:.2f} ms" for role, ms in result["cpu_ms_per_request"].items())
        + f"; invariants {'held' if held else 'BROKEN'}"
    )
    return result


def measure(bench_url, env, server_class, manage, log, *, students=2000, rounds=2):
    """Seed, then run the rush against the service and the floor, interleaved for `rounds` rounds,
    each run on a fresh copy of the seeded database. Returns the JSON-ready figures: each side's
    best round, every round, and the ratio."""
    urls = database_urls(bench_url)
    fixtures = seed(urls["school_rush_seed"], env, manage, students, log)
    asks = plan([student_id for student_id, _ in fixtures["students"]], fixtures["courses"])
    sides = {
        "ours": ("school.wsgi", urls["school_rush"], lambda url: {**env, "DATABASE_URL": url}),
        "floor": (
            "bench.rush_floor:application",
            urls["school_rush_floor"],
            lambda url: {**env, "BENCH_DATABASE_URL": url},
        ),
    }
    runs = {"ours": [], "floor": []}
    for round_number in range(1, rounds + 1):
        order = ["ours", "floor"] if round_number % 2 else ["floor", "ours"]
        for name in order:
            app, url, side_env = sides[name]
            copy_database(urls["school_rush_seed"], url)
            result = run_side(name, app, url, side_env(url), server_class, fixtures, asks, log)
            result["round"] = round_number
            runs[name].append(result)
    best = {name: max(results, key=lambda r: r["enrollments_per_s"]) for name, results in runs.items()}
    return {
        "students": students,
        "courses": COURSES,
        "capacity": CAPACITY,
        "waitlist_capacity": WAITLIST,
        "connections": CONNECTIONS,
        "demand": sum(len(wanted) for wanted in asks.values()),
        "ours": best["ours"],
        "floor": best["floor"],
        "rounds": runs,
        "ratio": best["ours"]["enrollments_per_s"] / best["floor"]["enrollments_per_s"],
        "round_ratios": [
            ours["enrollments_per_s"] / floor["enrollments_per_s"]
            for ours, floor in zip(runs["ours"], runs["floor"], strict=True)
        ],
        "invariants_held": all(
            item["held"] for results in runs.values() for r in results for item in r["invariants"]
        ),
    }


def report_lines(rush):
    """The rush's table and checklist, for run.py's report."""
    lines = [
        f"rush: {rush['students']:,} students x {PER_STUDENT} of {rush['courses']} courses "
        f"({rush['capacity']} seats, waitlist {rush['waitlist_capacity']}; {rush['demand']:,} course requests), "
        f"{rush['connections']} connections, gunicorn -w 2; best of {len(rush['rounds']['ours'])} rounds",
        f"{'side':<6} {'enroll/s':>9} {'req/s':>7} {'p50 enroll':>10} {'p99 enroll':>10} {'p50 all':>8} "
        f"{'p99 all':>8} {'enrolled':>8} {'waiting':>7} {'requests':>8} {'5xx':>4}",
    ]
    for side in ("ours", "floor"):
        r = rush[side]
        lines.append(
            f"{side:<6} {r['enrollments_per_s']:>9.0f} {r['requests_per_s']:>7.0f} {r['enroll_p50_ms']:>10.1f} "
            f"{r['enroll_p99_ms']:>10.1f} {r['all_p50_ms']:>8.1f} {r['all_p99_ms']:>8.1f} {r['enrollments']:>8,} "
            f"{r['waiting']:>7,} {r['requests']:>8,} {r['server_errors']:>4}"
        )
    rounds = ", ".join(f"{ratio:.2f}" for ratio in rush["round_ratios"])
    lines.append(
        "CPU per request (ms): "
        + "; ".join(
            f"{side} "
            + ", ".join(f"{role} {ms:.2f}" for role, ms in rush[side]["cpu_ms_per_request"].items())
            for side in ("ours", "floor")
        )
    )
    lines += [
        f"ours / floor (enrollments/s): {rush['ratio']:.2f}  (target >= 0.5; rounds {rounds})",
        f"answers (ours):  {', '.join(f'{k}: {v:,}' for k, v in rush['ours']['statuses'].items())}",
        f"answers (floor): {', '.join(f'{k}: {v:,}' for k, v in rush['floor']['statuses'].items())}",
        "invariants, after every run on both databases:",
    ]
    every = [r for results in rush["rounds"].values() for r in results]
    for index, item in enumerate(every[0]["invariants"]):
        failed = [r for r in every if not r["invariants"][index]["held"]]
        mark = "ok  " if not failed else "FAIL"
        detail = "" if not failed else f"  ({failed[0]['invariants'][index]['detail']})"
        lines.append(f"  [{mark}] {item['check']}{detail}")
    return lines
