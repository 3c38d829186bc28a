"""CSV imports in the admin: upload, preview (nothing written), confirm."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from courses.tests.factories import CourseFactory
from students.models import Enrollment, EnrollmentEvent, Student
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

STUDENTS = "/admin/students/student/import-students/"
ENROLLMENTS = "/admin/courses/course/import-enrollments/"


def preview(client, url, content):
    return client.post(url, {"file": SimpleUploadedFile("rows.csv", content.encode()), "preview": "Preview"})


def token_of(response):
    return re.search(r'name="token" value="([0-9a-f]+)"', response.content.decode()).group(1)


def test_the_lists_link_to_their_imports(admin_client_logged_in):
    page = admin_client_logged_in.get("/admin/students/student/").content.decode()
    assert STUDENTS in page and "/admin/students/student/import-enrollments/" in page
    assert (
        "/admin/courses/course/import-courses/"
        in admin_client_logged_in.get("/admin/courses/course/").content.decode()
    )


def test_preview_shows_what_would_change_and_writes_nothing_until_confirmed(admin_client_logged_in):
    StudentFactory(email="ada@example.edu", first_name="Ada", last_name="Byron")
    content = "email,first_name,last_name\nada@example.edu,Ada,Lovelace\ngrace@example.edu,Grace,Hopper\n"
    shown = preview(admin_client_logged_in, STUDENTS, content)
    page = shown.content.decode()
    assert shown.status_code == 200
    assert "nothing is written until you confirm" in page
    assert "grace@example.edu" in page and "created" in page and "updated" in page
    assert not Student.objects.filter(email="grace@example.edu").exists()
    confirmed = admin_client_logged_in.post(STUDENTS, {"token": token_of(shown), "confirm": "Confirm import"})
    assert confirmed.status_code == 302
    assert Student.objects.get(email="ada@example.edu").last_name == "Lovelace"
    assert Student.objects.filter(email="grace@example.edu").exists()
    # The preview is used up.
    again = admin_client_logged_in.post(
        STUDENTS, {"token": token_of(shown), "confirm": "Confirm import"}, follow=True
    )
    assert "expired" in again.content.decode()


def test_a_file_with_bad_rows_shows_every_rows_problem(admin_client_logged_in):
    course = CourseFactory(capacity=1)
    a, b = StudentFactory(), StudentFactory()
    content = (
        f"student_email,course_code\n{a.email},{course.code}\nnobody@x.edu,{course.code}\n"
        f"{b.email},NOPE\n{b.email},{course.code},\n"
    )
    page = preview(admin_client_logged_in, ENROLLMENTS, content).content.decode()
    assert "nothing was imported" in page
    rows = re.findall(r"<tr><td>(\d+)</td><td>(\w+)</td>\s*<td>(\w+)</td>", page)
    assert rows == [("3", "student_email", "unknown_student"), ("4", "course_code", "unknown_course")]
    assert Enrollment.objects.count() == 0


def test_seats_are_checked_again_when_confirming(admin_client_logged_in):
    course = CourseFactory(capacity=1)
    a, b = StudentFactory(), StudentFactory()
    shown = preview(
        admin_client_logged_in, ENROLLMENTS, f"student_email,course_code\n{a.email},{course.code}\n"
    )
    Enrollment.objects.create(student=b, course=course)  # the last seat goes meanwhile
    page = admin_client_logged_in.post(
        ENROLLMENTS, {"token": token_of(shown), "confirm": "1"}
    ).content.decode()
    assert "course_full" in page
    assert list(Enrollment.objects.values_list("student_id", flat=True)) == [b.pk]


def test_an_admin_import_records_its_events_as_import(admin_client_logged_in, superuser):
    student, course = StudentFactory(), CourseFactory()
    shown = preview(
        admin_client_logged_in, ENROLLMENTS, f"student_email,course_code\n{student.email},{course.code}\n"
    )
    admin_client_logged_in.post(ENROLLMENTS, {"token": token_of(shown), "confirm": "1"})
    event = EnrollmentEvent.objects.get()
    assert (event.source, event.actor) == ("import", superuser.username)


def test_staff_without_the_permissions_neither_see_nor_open_an_import(make_user, client):
    viewer = make_user("students.view_student")
    viewer.is_staff = True
    viewer.save()
    client.force_login(viewer)
    assert STUDENTS not in client.get("/admin/students/student/").content.decode()
    assert client.get(STUDENTS).status_code == 403


def test_another_users_preview_cannot_be_confirmed(admin_client_logged_in, make_user, client):
    shown = preview(admin_client_logged_in, STUDENTS, "email,first_name,last_name\na@x.edu,A,B\n")
    other = make_user(superuser=True)
    client.force_login(other)
    client.post(STUDENTS, {"token": token_of(shown), "confirm": "1"})
    assert not Student.objects.exists()
