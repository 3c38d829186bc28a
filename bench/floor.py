"""The bare floor: a WSGI app without Django that answers GET /api/v1/students/{id}/courses/.

Same token check, same SQL through psycopg (token, student, count, one page of courses with
`enrolled_at` and their stored enrolled counts), same JSON shape, same gunicorn command. The service's
requests per second are reported as a fraction of this one's.

    BENCH_DATABASE_URL=postgres://... gunicorn bench.floor:application -w 2
"""

import json
import os
import re
from urllib.parse import parse_qs

import psycopg

PATH = re.compile(r"^/api/v1/students/([0-9]{1,18})/courses/$")
TOKEN = re.compile(r"^Token ([0-9a-f]{40})$")

TOKEN_SQL = """
SELECT u.id FROM authtoken_token t JOIN auth_user u ON u.id = t.user_id
WHERE t.key = %s AND u.is_active
"""
STUDENT_SQL = "SELECT id FROM students_student WHERE id = %s"
COUNT_SQL = """
SELECT COUNT(*) FROM courses_course c JOIN student_courses e ON c.id = e.course_id
WHERE e.student_id = %s
"""
PAGE_SQL = """
SELECT c.id, c.code, c.title, c.description, c.credits, c.capacity, c.created_at, c.updated_at,
       e.enrolled_at, c.enrolled_count
FROM courses_course c JOIN student_courses e ON c.id = e.course_id
WHERE e.student_id = %s ORDER BY c.id LIMIT %s OFFSET %s
"""
FIELDS = [
    "id",
    "code",
    "title",
    "description",
    "credits",
    "capacity",
    "created_at",
    "updated_at",
    "enrolled_at",
    "enrolled_count",
]

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
    if not token or cursor.execute(TOKEN_SQL, (token.group(1),)).fetchone() is None:
        return answer(start_response, "401 Unauthorized", {"code": "not_authenticated"})
    student_id = int(match.group(1))
    if cursor.execute(STUDENT_SQL, (student_id,)).fetchone() is None:
        return answer(start_response, "404 Not Found", {"code": "not_found"})
    query = parse_qs(environ.get("QUERY_STRING", ""))
    page = int(query.get("page", ["1"])[0])
    size = min(int(query.get("page_size", ["20"])[0]), 100)
    count = cursor.execute(COUNT_SQL, (student_id,)).fetchone()[0]
    rows = cursor.execute(PAGE_SQL, (student_id, size, (page - 1) * size)).fetchall()
    results = []
    for row in rows:
        item = dict(zip(FIELDS, row, strict=True))
        for name in ("created_at", "updated_at", "enrolled_at"):
            item[name] = iso(item[name])
        results.append(item)
    base = f"http://{environ.get('HTTP_HOST', 'localhost')}{environ['PATH_INFO']}"
    more = page * size < count
    return answer(
        start_response,
        "200 OK",
        {
            "count": count,
            "next": f"{base}?page={page + 1}&page_size={size}" if more else None,
            "previous": f"{base}?page={page - 1}&page_size={size}" if page > 1 else None,
            "results": results,
        },
    )
