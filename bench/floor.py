"""The bare floor: a WSGI app without Django that answers GET /api/v1/students/{id}/courses/.

Same token check and the same SQL as the service, through psycopg: the token, its user (the
service checks `is_active` on that row) and the user's own student id, then one query for the page
of courses with `enrolled_at`, their stored enrolled counts and the length of the whole list (a
window count), and one for the page's instructors; the student is looked up only when the page is
empty, as the service does. Same JSON shape, same gunicorn command.
The service's requests per second are reported as a fraction of this one's.

    BENCH_DATABASE_URL=postgres://... gunicorn bench.floor:application -w 2
"""

import json
import os
import re
from urllib.parse import parse_qs

import psycopg

PATH = re.compile(r"^/api/v1/students/([0-9]{1,18})/courses/$")
TOKEN = re.compile(r"^Token ([0-9a-f]{40})$")

# The service's statements, word for word (school/fastpath/auth.py, school/fastpath/student_courses.py).
TOKEN_SQL = """
SELECT t."key", t."user_id", t."created", u."id", u."password", u."last_login", u."is_superuser",
       u."username", u."first_name", u."last_name", u."email", u."is_staff", u."is_active",
       u."date_joined", s."id"
FROM "authtoken_token" t INNER JOIN "auth_user" u ON u."id" = t."user_id"
LEFT OUTER JOIN "students_student" s ON s."user_id" = u."id" WHERE t."key" = %s
"""
PAGE_SQL = """
SELECT c."id", c."code", c."title", c."description", c."credits", c."capacity", c."enrolled_count",
       c."waitlist_capacity", c."waitlist_count", c."enrollment_opens_at", c."enrollment_closes_at",
       c."created_at", c."updated_at", e."enrolled_at", COUNT(*) OVER ()
FROM "courses_course" c INNER JOIN "student_courses" e ON e."course_id" = c."id"
WHERE e."student_id" = %s ORDER BY c."id" LIMIT %s OFFSET %s
"""
INSTRUCTORS_SQL = """
SELECT t."course_id", u."username"
FROM "courses_course_instructors" t INNER JOIN "auth_user" u ON u."id" = t."user_id"
WHERE t."course_id" IN ({placeholders})
"""
STUDENT_SQL = 'SELECT "id" FROM "students_student" WHERE "id" = %s'
FIELDS = [
    "id",
    "code",
    "title",
    "description",
    "credits",
    "capacity",
    "enrolled_count",
    "waitlist_capacity",
    "waitlist_count",
    "enrollment_opens_at",
    "enrollment_closes_at",
    "created_at",
    "updated_at",
    "enrolled_at",
]
IS_ACTIVE = 12  # the column of TOKEN_SQL
DATETIMES = ("enrollment_opens_at", "enrollment_closes_at", "created_at", "updated_at", "enrolled_at")


def course_items(cursor, rows):
    """The JSON items of a student's courses from rows of FIELDS, with their instructors (one
    query for all of them), as the service renders them."""
    taught_by = {row[0]: [] for row in rows}
    if rows:
        placeholders = ", ".join(["%s"] * len(taught_by))
        for course_id, username in cursor.execute(
            INSTRUCTORS_SQL.format(placeholders=placeholders), list(taught_by)
        ):
            taught_by[course_id].append(username)
    items = []
    for row in rows:
        item = dict(zip(FIELDS, row, strict=True))
        for name in DATETIMES:
            item[name] = item[name] and iso(item[name])
        item["instructor_usernames"] = sorted(taught_by[item["id"]])
        items.append(item)
    return items


_connection = None


def connection():
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["BENCH_DATABASE_URL"], autocommit=True)
    return _connection


def iso(value):
    return value.isoformat().replace("+00:00", "Z")


def answer(start_response, status, body):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def application(environ, start_response):
    match = PATH.match(environ.get("PATH_INFO", ""))
    if not match or environ["REQUEST_METHOD"] != "GET":
        return answer(start_response, "404 Not Found", {"code": "not_found"})
    token = TOKEN.match(environ.get("HTTP_AUTHORIZATION", ""))
    cursor = connection().cursor()
    user = token and cursor.execute(TOKEN_SQL, (token.group(1),)).fetchone()
    if not user or not user[IS_ACTIVE]:
        return answer(start_response, "401 Unauthorized", {"code": "not_authenticated"})
    student_id = int(match.group(1))
    query = parse_qs(environ.get("QUERY_STRING", ""))
    page = int(query.get("page", ["1"])[0])
    size = min(int(query.get("page_size", ["20"])[0]), 100)
    rows = cursor.execute(PAGE_SQL, (student_id, size, (page - 1) * size)).fetchall()
    if not rows and (page > 1 or cursor.execute(STUDENT_SQL, (student_id,)).fetchone() is None):
        return answer(start_response, "404 Not Found", {"code": "not_found"})
    count = rows[0][-1] if rows else 0
    results = course_items(cursor, [row[:-1] for row in rows])
    base = f"http://{environ.get('HTTP_HOST', 'localhost')}{environ['PATH_INFO']}"
    more = page * size < count
    return answer(
        start_response,
        "200 OK",
        {
            "count": count,
            "next": f"{base}?page={page + 1}&page_size={size}" if more else None,
            # DRF drops `page` from the link back to the first page.
            "previous": None
            if page == 1
            else f"{base}?page_size={size}"
            if page == 2
            else f"{base}?page={page - 1}&page_size={size}",
            "results": results,
        },
    )
