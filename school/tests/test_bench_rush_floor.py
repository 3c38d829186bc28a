"""The registration rush's floor (bench/rush_floor.py) answers and writes what the service does.

The floor is what the service's enrollments per second are measured against, so it must do the
same work: two identical sets of courses, one driven through the API and one through the floor
with the same requests, give the same answers (ids, codes and times aside) and the same events.
"""

import io
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from courses.tests.factories import CourseFactory
from students.models import EnrollmentEvent
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the floor speaks to PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

UNKNOWN = 999_999_999
TIMES = {"created_at", "updated_at", "enrolled_at", "joined_at"}


def courses_of(prefix, teacher, someone_else):
    """[open, unlimited, full with a waitlist, full without, closed now, one seat left]."""
    made = [
        CourseFactory(code=f"{prefix}-0", title="Open", capacity=5, waitlist_capacity=2),
        CourseFactory(code=f"{prefix}-1", title="Unlimited", capacity=None),
        CourseFactory(code=f"{prefix}-2", title="Full", capacity=1, waitlist_capacity=3),
        CourseFactory(code=f"{prefix}-3", title="Full, no line", capacity=1, waitlist_capacity=0),
        CourseFactory(
            code=f"{prefix}-4",
            title="Closed",
            capacity=5,
            enrollment_opens_at=timezone.now() + timedelta(days=1),
        ),
        CourseFactory(code=f"{prefix}-5", title="Last seat", capacity=2, waitlist_capacity=2),
    ]
    made[0].instructors.set([teacher])
    for course in (made[2], made[3], made[5]):
        EnrollmentFactory(student=someone_else, course=course)
    return made


def script(courses, own, other):
    """(student id, path, body) of each request, with this side's ids."""
    c = [course.pk for course in courses]
    return [
        (own, "courses", {"course_ids": [c[1], c[0], c[0]]}),
        (own, "courses", {"course_ids": [c[0], c[1]]}),
        (own, "courses", {"course_ids": [c[2], c[0]]}),
        (own, "courses", {"course_ids": [c[3]]}),
        (own, "waitlist", {"course_id": c[2]}),
        (own, "waitlist", {"course_id": c[2]}),
        (own, "waitlist", {"course_id": c[0]}),
        (own, "waitlist", {"course_id": c[5]}),
        (own, "waitlist", {"course_id": c[3]}),
        (own, "courses", {"course_ids": [c[4]]}),
        (own, "waitlist", {"course_id": c[4]}),
        (own, "courses", {"course_ids": [UNKNOWN, c[0]]}),
        (own, "waitlist", {"course_id": UNKNOWN}),
        (own, "courses", b"{"),
        (own, "courses", {"course_ids": []}),
        (own, "courses", {"course_ids": [0]}),
        (own, "waitlist", {}),
        (other, "courses", {"course_ids": [c[0]]}),
    ]


def normalized(status, body, courses):
    """The answer with this side's course ids and codes as their place in `courses`, times as
    "time", and only what a client reads of a problem (its code, members and named fields)."""
    place = {course.pk: n for n, course in enumerate(courses)} | {UNKNOWN: UNKNOWN}

    def clean(value, key=None):
        if isinstance(value, dict):
            return {k: clean(v, k) for k, v in value.items() if k not in {"detail", "type", "errors"}}
        if isinstance(value, list):
            return [clean(item, key) for item in value]
        if key in {"id", "course_id", "full_course_ids", "invalid_course_ids"}:
            return place[value]
        if key == "code" and "-" in str(value):
            return value.split("-")[-1]
        if key in TIMES or (key and key.endswith("_at") and value):
            return "time"
        return value

    fields = sorted({error["field"] for error in body.get("errors", [])}) if isinstance(body, dict) else []
    return status, clean(body), fields


def serve_floor(floor, token, student_id, path, body):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    environ = {
        "PATH_INFO": f"/api/v1/students/{student_id}/{path}/",
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
        "HTTP_HOST": "testserver",
        "HTTP_AUTHORIZATION": f"Token {token}",
    }
    statuses = []
    answer = b"".join(floor.application(environ, lambda status, headers: statuses.append(status)))
    return int(statuses[0].split()[0]), json.loads(answer)


def events_of(student, courses):
    place = {course.pk: n for n, course in enumerate(courses)}
    return [
        (place[e.course_id], e.action, e.actor == student.user.username, e.source)
        for e in EnrollmentEvent.objects.filter(student_id=student.pk).order_by("id")
    ]


def test_the_rush_floor_answers_and_writes_what_the_service_does(monkeypatch, make_user, client_for):
    from bench import rush_floor

    teacher, someone_else = make_user(), StudentFactory()
    ours_student, floor_student = StudentFactory(user=make_user()), StudentFactory(user=make_user())
    ours_courses = courses_of("SVC", teacher, someone_else)
    floor_courses = courses_of("FLR", teacher, someone_else)
    settings = connection.settings_dict
    monkeypatch.setenv(
        "BENCH_DATABASE_URL",
        f"postgres://{settings['USER'] or 'root'}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}",
    )
    monkeypatch.setattr(rush_floor, "_connection", None)
    client = client_for(ours_student.user)
    floor_token = client_for(floor_student.user)._credentials["HTTP_AUTHORIZATION"].split()[1]
    try:
        ours_script = script(ours_courses, ours_student.pk, floor_student.pk)
        floor_script = script(floor_courses, floor_student.pk, ours_student.pk)
        for (student_id, path, body), (floor_id, _, floor_body) in zip(
            ours_script, floor_script, strict=True
        ):
            url = f"/api/v1/students/{student_id}/{path}/"
            if isinstance(body, bytes):
                response = client.generic("POST", url, body, content_type="application/json")
            else:
                response = client.post(url, body, format="json")
            ours = normalized(response.status_code, response.json(), ours_courses)
            floor = normalized(
                *serve_floor(rush_floor, floor_token, floor_id, path, floor_body), floor_courses
            )
            assert floor == ours, (path, body)
    finally:
        rush_floor.connection().close()
    assert events_of(floor_student, floor_courses) == events_of(ours_student, ours_courses)
    assert events_of(ours_student, ours_courses) == [
        (0, "enrolled", True, "api"),
        (1, "enrolled", True, "api"),
        (2, "waitlisted", True, "api"),
        (5, "enrolled", True, "api"),
    ]
