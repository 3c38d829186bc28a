"""The registration rush's bare floor: a WSGI app without Django that enrolls students and puts them
in waitlists with the service's transactions, statement for statement, through psycopg.

It answers the two requests the rush sends (bench/rush.py), for a student user acting on their own
student:

- `POST /api/v1/students/{id}/courses/` `{"course_ids": [...]}`: the service's token query, word
  for word (school/fastpath/auth.py: the token, its user, and the user's own student through a
  LEFT JOIN; 401 unless the user is active, 404 for another student's id, 403 for a user who is no
  student); the body checked to the same shape (a JSON object whose `course_ids` is a list of 1 to
  100 positive 64-bit integers, repeats counted once: 400 `parse_error` or `validation_error`);
  then the transaction of students.services._enroll: BEGIN; the student's row FOR UPDATE (404 if
  it is gone); the requested courses' rows FOR UPDATE in id order (400 `unknown_course`); each
  course's enrollment window (409 `enrollment_closed`: students are bound by windows); the
  student's enrollments among those courses; the seat check (409 `course_full` with
  `full_course_ids` and `waitlist_available`); `set_config` of the events' actor and source; one
  INSERT of the new enrollments (arrays through `unnest`, as fastpath.bulk.insert_rows), whose
  triggers count the seats and append the `enrolled` events under the events' lock, as for the
  service; the student taken out of those courses' waitlists when anyone waits there; COMMIT. The
  answer is the service's: the requested courses as the student's courses
  (`student_courses_among`'s statement and the instructors' one), 201 with `Location`, or 200 when
  nothing was new.
- `POST /api/v1/students/{id}/waitlist/` `{"course_id": n}`: the same token and body checks, then
  the transaction of students.services.waitlist_join (the student's and the course's rows FOR
  UPDATE, the window, 409 `already_enrolled`, already waiting, enrolled at once when a seat is free
  and nobody waits, 409 `waitlist_full`, else a new entry), and the service's answer (the entry
  with its position in line, or the new seat).

Why it is the floor: the database does the same work for both (the same locks in the same order,
the same checks, the same rows, triggers and event rows), and nothing is left here that could be
removed without changing what is written or answered. What the service spends beyond it is
Django's and DRF's request handling, the ORM building statements, serializers, and whatever the
service reads that this does not need (a student user's permissions: a student is bound by
windows here without asking). The service also retries a transaction that meets a deadlock; these
two transactions take their locks in the same order, so the floor has none to retry.

    BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/school_rush_floor \\
        gunicorn bench.rush_floor:application -w 2

`python bench/run.py --only rush` serves it next to the service and compares them.
"""

import json
import os
import re
from datetime import UTC, datetime

import psycopg

from bench.floor import IS_ACTIVE, TOKEN_SQL, course_items, iso

PATH = re.compile(r"^/api/v1/students/([0-9]{1,18})/(courses|waitlist)/$")
TOKEN = re.compile(r"^Token ([0-9a-f]{40})$")
USERNAME, OWN_STUDENT = 7, 14  # columns of TOKEN_SQL
MAX_ID = 2**63 - 1
MAX_COURSES = 100

# The service's statements (the ORM's SQL of students/services.py, the hand-written answer of
# school/fastpath/student_courses.py); `{ids}` is one placeholder per course.
LOCK_STUDENT_SQL = (
    'SELECT 1 AS "a" FROM "students_student" WHERE "students_student"."id" = %s LIMIT 1 FOR UPDATE'
)
SEAT_COLUMNS = (
    '"courses_course"."id", "courses_course"."capacity", "courses_course"."enrolled_count", '
    '"courses_course"."waitlist_capacity", "courses_course"."waitlist_count", '
    '"courses_course"."enrollment_opens_at", "courses_course"."enrollment_closes_at"'
)
LOCK_COURSES_SQL = (
    f'SELECT {SEAT_COLUMNS} FROM "courses_course" WHERE "courses_course"."id" IN ({{ids}}) '
    "ORDER BY 1 ASC FOR UPDATE"
)
LOCK_COURSE_SQL = (
    f'SELECT {SEAT_COLUMNS} FROM "courses_course" WHERE "courses_course"."id" = %s '
    'ORDER BY "courses_course"."id" ASC LIMIT 1 FOR UPDATE'
)
ENROLLED_AMONG_SQL = (
    'SELECT "student_courses"."course_id" FROM "student_courses" WHERE ("student_courses"."course_id" '
    'IN ({ids}) AND "student_courses"."student_id" = %s) ORDER BY "student_courses"."student_id" ASC, 1 ASC'
)
ACTOR_SQL = "SELECT set_config('school.actor', %s, true), set_config('school.source', %s, true)"
INSERT_SQL = (
    'INSERT INTO "student_courses" ("student_id", "course_id", "enrolled_at") '
    "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::timestamptz[])"
)
LEAVE_WAITLISTS_SQL = (
    'DELETE FROM "waitlist_entries" WHERE ("waitlist_entries"."course_id" IN ({ids}) '
    'AND "waitlist_entries"."student_id" = %s)'
)
ENROLLED_SQL = (
    'SELECT 1 AS "a" FROM "student_courses" WHERE ("student_courses"."course_id" = %s '
    'AND "student_courses"."student_id" = %s) LIMIT 1'
)
WAITING_SQL = (
    'SELECT 1 AS "a" FROM "waitlist_entries" WHERE ("waitlist_entries"."course_id" = %s '
    'AND "waitlist_entries"."student_id" = %s) LIMIT 1'
)
JOIN_SQL = (
    'INSERT INTO "waitlist_entries" ("student_id", "course_id", "joined_at") VALUES (%s, %s, %s) '
    'RETURNING "waitlist_entries"."id"'
)
ENTRY_SQL = (
    'SELECT "waitlist_entries"."id", "waitlist_entries"."student_id", "waitlist_entries"."course_id", '
    '"waitlist_entries"."joined_at", (SELECT COUNT(*) AS "n" FROM "waitlist_entries" U0 WHERE '
    '(U0."course_id" = ("waitlist_entries"."course_id") AND U0."id" <= ("waitlist_entries"."id")) '
    'GROUP BY U0."course_id") AS "position" FROM "waitlist_entries" WHERE '
    '("waitlist_entries"."student_id" = %s AND "waitlist_entries"."course_id" = %s) LIMIT 21'
)
SEAT_SQL = (
    'SELECT "student_courses"."id", "student_courses"."student_id", "student_courses"."course_id", '
    '"student_courses"."enrolled_at" FROM "student_courses" WHERE ("student_courses"."student_id" = %s '
    'AND "student_courses"."course_id" = %s) LIMIT 21'
)
AMONG_SQL = (
    'SELECT c."id", c."code", c."title", c."description", c."credits", c."capacity", c."enrolled_count", '
    'c."waitlist_capacity", c."waitlist_count", c."enrollment_opens_at", c."enrollment_closes_at", '
    'c."created_at", c."updated_at", e."enrolled_at" FROM "courses_course" c INNER JOIN "student_courses" e '
    'ON e."course_id" = c."id" WHERE e."student_id" = %s AND c."id" IN ({ids}) ORDER BY c."id"'
)
CAPACITY, ENROLLED_COUNT, WAITLIST_CAPACITY, WAITLIST_COUNT, OPENS, CLOSES = 1, 2, 3, 4, 5, 6

_connection = None


def connection():
    global _connection
    if _connection is None or _connection.closed:
        # UTC, as Django sets it: datetimes come back in UTC.
        _connection = psycopg.connect(
            os.environ["BENCH_DATABASE_URL"], autocommit=True, options="-c TimeZone=UTC"
        )
    return _connection


def placeholders(how_many):
    return ", ".join(["%s"] * how_many)


class Problem(Exception):
    """An RFC 9457 answer, as the service's exception handler writes it."""

    def __init__(self, status, code, title, detail, **members):
        super().__init__(detail)
        self.status, self.body = (
            status,
            {
                "type": f"urn:school:problem:{code}",
                "title": title,
                "status": int(status.split()[0]),
                "detail": detail,
                "code": code,
                **members,
            },
        )


def invalid(field, detail):
    return Problem(
        "400 Bad Request",
        "validation_error",
        "Invalid input",
        f"{field}: {detail}",
        errors=[{"field": field, "code": "invalid", "detail": detail}],
    )


NOT_FOUND = ("404 Not Found", "not_found", "Not found", "Not found.")


def is_id(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def read_body(environ):
    if environ.get("CONTENT_TYPE", "").split(";")[0].strip() != "application/json":
        raise Problem(
            "415 Unsupported Media Type", "unsupported_media_type", "Unsupported media type", "Send JSON."
        )
    size = int(environ.get("CONTENT_LENGTH") or 0)
    try:
        body = json.loads(environ["wsgi.input"].read(size))
    except ValueError as error:
        raise Problem(
            "400 Bad Request", "parse_error", "Malformed request body", f"JSON parse error - {error}"
        ) from None
    if not isinstance(body, dict):
        raise invalid(None, "Invalid data. Expected a dictionary.")
    return body


def course_ids_of(body):
    ids = body.get("course_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_COURSES:
        raise invalid("course_ids", f"A list of 1 to {MAX_COURSES} course ids is required.")
    bad = [n for n, pk in enumerate(ids) if not is_id(pk)]
    if bad:
        detail = "A positive integer is required."
        raise Problem(
            "400 Bad Request",
            "validation_error",
            "Invalid input",
            f"course_ids.{bad[0]}: {detail}",
            errors=[{"field": f"course_ids.{n}", "code": "invalid", "detail": detail} for n in bad],
        )
    return sorted(set(ids))


def check_window(row):
    now = datetime.now(UTC)
    opens, closes = row[OPENS], row[CLOSES]
    if (opens is not None and now < opens) or (closes is not None and now >= closes):
        raise Problem(
            "409 Conflict",
            "enrollment_closed",
            "Enrollment closed",
            f"Enrollment in course {row[0]} is closed now: it is open only within its window.",
            enrollment_opens_at=opens and iso(opens),
            enrollment_closes_at=closes and iso(closes),
        )


def has_room(row):
    return row[WAITLIST_CAPACITY] is None or row[WAITLIST_COUNT] < row[WAITLIST_CAPACITY]


def enroll(cursor, student_id, username, course_ids):
    """students.services._enroll: (created anything?, the answer's rows)."""
    ids = placeholders(len(course_ids))
    cursor.execute("BEGIN")
    try:
        if cursor.execute(LOCK_STUDENT_SQL, (student_id,)).fetchone() is None:
            raise Problem(*NOT_FOUND)
        courses = {row[0]: row for row in cursor.execute(LOCK_COURSES_SQL.format(ids=ids), course_ids)}
        unknown = [pk for pk in course_ids if pk not in courses]
        if unknown:
            raise Problem(
                "400 Bad Request",
                "unknown_course",
                "Unknown course",
                f"No course has the id {', '.join(map(str, unknown))}.",
                invalid_course_ids=unknown,
            )
        for pk in course_ids:
            check_window(courses[pk])
        already = {
            row[0] for row in cursor.execute(ENROLLED_AMONG_SQL.format(ids=ids), [*course_ids, student_id])
        }
        new_ids = [pk for pk in course_ids if pk not in already]
        full = [
            pk
            for pk in new_ids
            if courses[pk][CAPACITY] is not None and courses[pk][CAPACITY] - courses[pk][ENROLLED_COUNT] < 1
        ]
        if full:
            waitlist_available = any(has_room(courses[pk]) for pk in full)
            raise Problem(
                "409 Conflict",
                "course_full",
                "Course full",
                f"No seat is left for this request in course {', '.join(map(str, full))}; nothing was enrolled."
                + (
                    " Its waitlist has room: join it to be enrolled when a seat frees."
                    if waitlist_available
                    else ""
                ),
                full_course_ids=full,
                **({"waitlist_available": True} if waitlist_available else {}),
            )
        if new_ids:
            cursor.execute(ACTOR_SQL, (username, "api"))
            now = datetime.now(UTC)
            cursor.execute(INSERT_SQL, ([student_id] * len(new_ids), new_ids, [now] * len(new_ids)))
            waited = [pk for pk in new_ids if courses[pk][WAITLIST_COUNT]]
            if waited:
                cursor.execute(ACTOR_SQL, (username, "api"))
                cursor.execute(
                    LEAVE_WAITLISTS_SQL.format(ids=placeholders(len(new_ids))), [*new_ids, student_id]
                )
    except BaseException:
        cursor.execute("ROLLBACK")
        raise
    cursor.execute("COMMIT")
    return bool(new_ids), courses_among(cursor, student_id, course_ids)


def courses_among(cursor, student_id, course_ids):
    """school.fastpath.student_courses.student_courses_among: the answer of an enrollment."""
    rows = cursor.execute(
        AMONG_SQL.format(ids=placeholders(len(course_ids))), [student_id, *course_ids]
    ).fetchall()
    return course_items(cursor, rows)


def join_waitlist(cursor, student_id, username, course_id):
    """students.services.waitlist_join: (created?, the answer's entry)."""
    cursor.execute("BEGIN")
    try:
        if cursor.execute(LOCK_STUDENT_SQL, (student_id,)).fetchone() is None:
            raise Problem(*NOT_FOUND)
        course = cursor.execute(LOCK_COURSE_SQL, (course_id,)).fetchone()
        if course is None:
            raise Problem(
                "400 Bad Request",
                "unknown_course",
                "Unknown course",
                f"No course has the id {course_id}.",
                invalid_course_ids=[course_id],
            )
        check_window(course)
        if cursor.execute(ENROLLED_SQL, (course_id, student_id)).fetchone() is not None:
            raise Problem(
                "409 Conflict",
                "already_enrolled",
                "Already enrolled",
                "The student is already enrolled in this course.",
            )
        if cursor.execute(WAITING_SQL, (course_id, student_id)).fetchone() is not None:
            status, created = "waitlisted", False
        elif (course[CAPACITY] is None or course[ENROLLED_COUNT] < course[CAPACITY]) and course[
            WAITLIST_COUNT
        ] == 0:
            cursor.execute(ACTOR_SQL, (username, "api"))
            cursor.execute(INSERT_SQL, ([student_id], [course_id], [datetime.now(UTC)]))
            status, created = "enrolled", True
        elif not has_room(course):
            raise Problem(
                "409 Conflict",
                "waitlist_full",
                "Waitlist full",
                "The course is full and so is its waitlist (or it has none).",
            )
        else:
            cursor.execute(ACTOR_SQL, (username, "api"))
            cursor.execute(JOIN_SQL, (student_id, course_id, datetime.now(UTC)))
            status, created = "waitlisted", True
    except BaseException:
        cursor.execute("ROLLBACK")
        raise
    cursor.execute("COMMIT")
    if status == "waitlisted":
        _, _, _, joined_at, position = cursor.execute(ENTRY_SQL, (student_id, course_id)).fetchone()
    else:
        joined_at, position = cursor.execute(SEAT_SQL, (student_id, course_id)).fetchone()[3], None
    return created, {
        "course_id": course_id,
        "status": status,
        "position": position,
        "joined_at": iso(joined_at),
    }


def answer(start_response, status, body, content_type="application/json", headers=()):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data))), *headers])
    return [data]


def application(environ, start_response):
    try:
        return serve(environ, start_response)
    except Problem as problem:
        return answer(start_response, problem.status, problem.body, "application/problem+json")


def serve(environ, start_response):
    match = PATH.match(environ.get("PATH_INFO", ""))
    if not match or environ["REQUEST_METHOD"] != "POST":
        raise Problem(*NOT_FOUND)
    token = TOKEN.match(environ.get("HTTP_AUTHORIZATION", ""))
    cursor = connection().cursor()
    user = token and cursor.execute(TOKEN_SQL, (token.group(1),)).fetchone()
    if not user or not user[IS_ACTIVE]:
        raise Problem("401 Unauthorized", "not_authenticated", "Authentication required", "Invalid token.")
    student_id = int(match.group(1))
    if user[OWN_STUDENT] is None:
        raise Problem("403 Forbidden", "permission_denied", "Permission denied", "Not allowed.")
    if user[OWN_STUDENT] != student_id:
        raise Problem(*NOT_FOUND)  # another student's: as if there were no such student
    body = read_body(environ)
    username = user[USERNAME]
    location = f"http://{environ.get('HTTP_HOST', 'localhost')}{environ['PATH_INFO']}"
    if match.group(2) == "courses":
        created, rows = enroll(cursor, student_id, username, course_ids_of(body))
    else:
        course_id = body.get("course_id")
        if not is_id(course_id):
            raise invalid("course_id", "A valid course id is required.")
        created, rows = join_waitlist(cursor, student_id, username, course_id)
    if not created:
        return answer(start_response, "200 OK", rows)
    return answer(start_response, "201 Created", rows, headers=[("Location", location)])
