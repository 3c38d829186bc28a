"""What the largest bodies the API accepts cost it to refuse: each request of the oversized-input
table, timed in-process (median of several runs) with its answer's size. Run against a migrated
database, e.g.

    DATABASE_URL=postgres://root@127.0.0.1:5432/school_bench DJANGO_SECRET_KEY=x \
        DJANGO_SECURE_SSL_REDIRECT=0 .venv/bin/python bench/oversized.py
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from students.models import Student  # noqa: E402

MB = 1024 * 1024
user = User.objects.filter(username="oversized").first() or User.objects.create_superuser(
    "oversized", None, None
)
token = Token.objects.get_or_create(user=user)[0].key
student = Student.objects.order_by("id").first() or Student.objects.create(
    first_name="O", last_name="V", email="oversized@example.edu"
)
CASES = [
    (
        "course_ids: 1,000,000 zeros (2 MB)",
        f"/api/v1/students/{student.pk}/courses/",
        {"course_ids": [0] * 1_000_000},
    ),
    ("course_ids: 100 bad items", f"/api/v1/students/{student.pk}/courses/", {"course_ids": ["x"] * 100}),
    ("title: 2 MB", "/api/v1/courses/", {"code": "BIG-1", "title": "t" * (2 * MB)}),
    (
        "email: 2 MB",
        "/api/v1/students/",
        {"first_name": "A", "last_name": "B", "email": "a" * (2 * MB) + "@x.edu"},
    ),
    ("body: 3 MB", "/api/v1/courses/", {"code": "BIG-1", "title": "t" * (3 * MB)}),
]
client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="localhost")
print(f"{'request':40} {'status':>6} {'ms (median of 5)':>17} {'answer bytes':>13}")
for name, path, body in CASES:
    raw = json.dumps(body, separators=(",", ":"))
    times = []
    for _ in range(5):
        started = time.perf_counter()
        response = client.post(path, raw, content_type="application/json")
        times.append((time.perf_counter() - started) * 1000)
    print(
        f"{name:40} {response.status_code:>6} {statistics.median(times):>17.1f} {len(response.content):>13}"
    )
