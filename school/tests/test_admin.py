"""The Django admin lists, searches and shows courses and students."""

import pytest

from courses.models import Course
from courses.tests.factories import CourseFactory
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def test_course_changelist_lists_and_searches(admin_client_logged_in):
    CourseFactory(code="ALG1", title="Algebra")
    CourseFactory(code="BIO1", title="Biology")
    response = admin_client_logged_in.get("/admin/courses/course/", {"q": "algebra"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "ALG1" in content
    assert "BIO1" not in content


def test_student_changelist_lists_and_searches(admin_client_logged_in):
    StudentFactory(last_name="Lovelace", email="ada@example.edu")
    StudentFactory(last_name="Hopper", email="grace@example.edu")
    response = admin_client_logged_in.get("/admin/students/student/", {"q": "grace@"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Hopper" in content
    assert "Lovelace" not in content


def test_change_forms_show_timestamps_read_only(admin_client_logged_in):
    course = CourseFactory()
    student = StudentFactory()
    for url in (
        f"/admin/courses/course/{course.pk}/change/",
        f"/admin/students/student/{student.pk}/change/",
    ):
        response = admin_client_logged_in.get(url)
        assert response.status_code == 200
        content = response.content.decode()
        assert 'name="created_at"' not in content
        assert "Created at" in content


def test_adding_a_course_in_the_admin_normalises_the_code(admin_client_logged_in):
    response = admin_client_logged_in.post(
        "/admin/courses/course/add/",
        {
            "code": "hist-2",
            "title": "History",
            "description": "",
            "credits": "4",
            "capacity": "",
            "waitlist_capacity": "0",
            "enrollments-TOTAL_FORMS": "0",
            "enrollments-INITIAL_FORMS": "0",
            "waitlist_entries-TOTAL_FORMS": "0",
            "waitlist_entries-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert Course.objects.get().code == "HIST-2"
