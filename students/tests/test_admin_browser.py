"""A registrar's day in a real browser: headless Chromium (Debian's) driven by Playwright.

Log in, create a course with one seat, enroll a student through the inline, see a second
enrollment refused, run the bulk action, and check the result through the API; then give the
course a waitlist, put the second student in line, drop the first and see the second promoted
(roster, and the promotion in the history). A failing run
leaves a screenshot in test-artifacts/.
"""

import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection
from rest_framework.test import APIClient

from courses.models import Course
from courses.tests.factories import CourseFactory
from school.registrar import grant_registrar_permissions
from students.tests.factories import StudentFactory

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason="the browser test needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def page(request, monkeypatch, settings):
    from playwright.sync_api import sync_playwright

    # Playwright runs an event loop in this thread; the test still uses the ORM between steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The live server speaks plain HTTP.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            report = getattr(request.node, "report_call", None)
            if report is not None and report.failed:
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            browser.close()


@pytest.fixture
def registrar_login(django_user_model):
    # Transactional tests start from a flushed database: put the migration's group back.
    grant_registrar_permissions(
        __import__("django.apps", fromlist=["apps"]).apps, SimpleNamespace(connection=connection)
    )
    user = django_user_model.objects.create_user("clerk", password="clerk-password", is_staff=True)
    user.groups.add(django_user_model.groups.field.related_model.objects.get(name="Registrar"))
    return user


def sign_in(page, base):
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "clerk")
    page.fill("#id_password", "clerk-password")
    page.locator("input[type=submit]").click()
    page.wait_for_url(f"{base}/admin/")


def choose_in_autocomplete(page, row, text):
    row.locator(".select2-selection").click()
    page.locator(".select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def add_enrollment(page, base, student, code):
    page.goto(f"{base}/admin/students/student/{student.pk}/change/")
    page.locator(".add-row a", has_text=re.compile("add another enrollment", re.IGNORECASE)).click()
    choose_in_autocomplete(page, page.locator("tr.dynamic-enrollments").last, code)
    page.locator("input[name=_save]").click()


def test_a_registrar_enrolls_through_the_admin(page, live_server, registrar_login):
    base = live_server.url
    first, second, third = (StudentFactory(last_name=name) for name in ("First", "Second", "Third"))
    open_course = CourseFactory(code="OPEN-1", title="Open seminar", capacity=10)

    sign_in(page, base)

    page.goto(f"{base}/admin/courses/course/add/")
    page.fill("#id_code", "e2e-1")
    page.fill("#id_title", "One seat only")
    page.fill("#id_capacity", "1")
    page.locator("input[name=_save]").click()
    page.get_by_text("was added successfully").wait_for()
    course = Course.objects.get(code="E2E-1")

    add_enrollment(page, base, first, "E2E-1")
    page.get_by_text("was changed successfully").wait_for()

    add_enrollment(page, base, second, "E2E-1")
    page.get_by_text("No seat left in E2E-1: One seat only").wait_for()

    page.goto(f"{base}/admin/students/student/")
    for student in (first, second, third):
        page.check(f"input[name=_selected_action][value='{student.pk}']")
    page.select_option("select[name=action]", "enroll_in_course")
    page.locator("button[name=index]").click()
    page.select_option("select[name=course]", str(open_course.pk))
    page.locator("input[name=apply]").click()
    page.get_by_text("Enrolled 3 students in OPEN-1: Open seminar").wait_for()

    api = APIClient()
    api.force_authenticate(registrar_login)
    roster = api.get(f"/api/v1/courses/{course.pk}/students/").json()
    assert [s["id"] for s in roster["results"]] == [first.pk]
    assert api.get(f"/api/v1/courses/{open_course.pk}/students/").json()["count"] == 3
    assert api.get(f"/api/v1/courses/{course.pk}/").json()["enrolled_count"] == 1

    # The course gets a waitlist, the second student waits, and dropping the first promotes them.
    page.goto(f"{base}/admin/courses/course/{course.pk}/change/")
    page.fill("#id_waitlist_capacity", "2")
    page.locator("input[name=_save]").click()
    page.get_by_text("was changed successfully").wait_for()
    joined = api.post(f"/api/v1/students/{second.pk}/waitlist/", {"course_id": course.pk}, format="json")
    assert joined.json()["status"] == "waitlisted"
    page.goto(f"{base}/admin/courses/course/{course.pk}/change/")
    page.locator("fieldset, div.inline-group", has_text="waitlist").get_by_text("Second").first.wait_for()
    page.goto(f"{base}/admin/students/student/{first.pk}/change/")
    page.locator("tr", has_text="E2E-1").locator("input[type=checkbox][name$='-DELETE']").check()
    page.locator("input[name=_save]").click()
    page.get_by_text("was changed successfully").wait_for()
    roster = api.get(f"/api/v1/courses/{course.pk}/students/").json()
    assert [s["id"] for s in roster["results"]] == [second.pk]
    assert api.get(f"/api/v1/courses/{course.pk}/waitlist/").json()["count"] == 0
    page.goto(f"{base}/admin/students/enrollmentevent/?action__exact=promoted")
    page.locator("td.field-action", has_text="promoted").first.wait_for()


def test_a_registrar_imports_a_roster_from_csv(page, live_server, registrar_login, tmp_path):
    """Upload, see the preview (nothing written), confirm; then a file with bad rows shows every
    row's problem and writes nothing."""
    base = live_server.url
    ada, alan = StudentFactory(email="ada@example.edu"), StudentFactory(email="alan@example.edu")
    course = CourseFactory(code="CSV-1", title="Imported seminar", capacity=2)
    good = tmp_path / "roster.csv"
    good.write_text(f"student_email,course_code\n{ada.email},csv-1\n{alan.email},CSV-1\n")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "student_email,course_code,action\nnobody@example.edu,CSV-1,enroll\n"
        f"{ada.email},NO-SUCH,enroll\n{alan.email},CSV-1,explode\n"
    )

    sign_in(page, base)

    page.goto(f"{base}/admin/courses/course/")
    page.get_by_role("link", name="Import enrollments from CSV").click()
    page.set_input_files("input[name=file]", str(good))
    page.locator("input[name=preview]").click()
    page.locator("#preview").wait_for()
    changes = page.locator("#import-changes tbody tr")
    assert changes.count() == 2
    assert "ada@example.edu in CSV-1" in changes.first.inner_text()
    assert course.enrollments.count() == 0  # only a preview
    page.locator("input[name=confirm]").click()
    page.get_by_text("Imported roster.csv: 2 rows, 0 created, 0 updated, 2 enrolled").wait_for()
    assert sorted(course.enrollments.values_list("student_id", flat=True)) == sorted([ada.pk, alan.pk])

    page.goto(f"{base}/admin/courses/course/import-enrollments/")
    page.set_input_files("input[name=file]", str(bad))
    page.locator("input[name=preview]").click()
    page.locator("#import-refused").wait_for()
    problems = [row.split("\t") for row in page.locator("#import-errors tbody tr").all_inner_texts()]
    assert [problem[:3] for problem in problems] == [
        ["2", "student_email", "unknown_student"],
        ["3", "course_code", "unknown_course"],
        ["4", "action", "validation_error"],
    ]
    assert course.enrollments.count() == 2
