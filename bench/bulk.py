"""The bulk part of `make bench`: a 100,000-row enrollment import through the API, and the
memory of exporting a 100,000-row roster as CSV.

On the seeded bench database: 100,000 new students are imported (timed too), one course with
unlimited seats, then 100,000 enrollment rows putting every new student in it (the figure with
the target, under 30 s). The export is measured on a fresh `gunicorn -w 1`, warmed up with a
small export; its worker's peak resident memory is reset (`/proc/<pid>/clear_refs`), the whole
roster is streamed, and the growth is the peak minus the memory before (target under 50 MB).
"""

import time
import urllib.request
import uuid
from pathlib import Path

ROWS = 100_000
BULK_CODE = "BULK-IMPORT"


def multipart(path, token, content):
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="rows.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return urllib.request.Request(
        path,
        data=body,
        method="POST",
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )


def post_import(base, token, kind, content):
    """(seconds, status, body) of one import request."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(
            multipart(f"{base}/api/v1/imports/{kind}/", token, content), timeout=120
        ) as answer:
            return time.monotonic() - started, answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return time.monotonic() - started, error.code, error.read().decode()[:500]


def measure_imports(base, token, log):
    students = "email,first_name,last_name\n" + "".join(
        f"bulk{n}@bench.example.edu,Bulk,Student {n}\n" for n in range(ROWS)
    )
    courses = f"code,title,capacity\n{BULK_CODE},Everyone,\n"
    enrollments = "student_email,course_code\n" + "".join(
        f"bulk{n}@bench.example.edu,{BULK_CODE}\n" for n in range(ROWS)
    )
    results = {}
    for name, kind, content in [
        (f"import {ROWS:,} students", "students", students),
        ("import 1 course", "courses", courses),
        (f"import {ROWS:,} enrollment rows", "enrollments", enrollments),
    ]:
        seconds, status, body = post_import(base, token, kind, content.encode())
        log(f"{name}: {seconds:.1f}s, {status}")
        if status not in (200, 201):
            raise SystemExit(f"{name} answered {status}: {body}")
        results[name] = {"seconds": seconds, "status": status}
    return results


def worker_pid(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    if len(children) != 1:
        raise SystemExit(f"expected one gunicorn worker, found {children}")
    return int(children[0])


def memory_kb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise SystemExit(f"no {field} for {pid}")


def export(base, token, course_id):
    request = urllib.request.Request(
        f"{base}/api/v1/courses/{course_id}/students/?format=csv", headers={"Authorization": f"Token {token}"}
    )
    lines = 0
    with urllib.request.urlopen(request, timeout=300) as answer:
        for _ in answer:
            lines += 1
    return lines


def measure_export(gunicorn_class, env, token, course_id, small_course_id, log):
    server = gunicorn_class("school.wsgi", env, workers=1)
    try:
        pid = worker_pid(server.process.pid)
        export(server.base, token, small_course_id)  # warm up: imports, connection, caches
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # the peak starts again from now
        before = memory_kb(pid, "VmRSS")
        started = time.monotonic()
        lines = export(server.base, token, course_id)
        seconds = time.monotonic() - started
        peak = memory_kb(pid, "VmHWM")
    finally:
        server.stop()
    growth_mb = (peak - before) / 1024
    log(f"export of {lines - 1:,} roster rows: {seconds:.1f}s, worker memory +{growth_mb:.1f} MB")
    return {"rows": lines - 1, "seconds": seconds, "rss_before_mb": before / 1024, "growth_mb": growth_mb}
