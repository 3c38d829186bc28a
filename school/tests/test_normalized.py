"""Codes and emails are normalised by their model field, wherever a value enters."""

import pytest
from django.core.exceptions import ValidationError

from courses.models import Course
from courses.tests.factories import CourseFactory
from students.models import EMAIL_MAX_LENGTH, Student

pytestmark = pytest.mark.django_db


def test_save_stores_the_normal_form_on_create_and_update():
    course = Course.objects.create(code=" cs-101 ", title="T")
    assert Course.objects.get(pk=course.pk).code == "CS-101"
    course.code = "cs-102"
    course.save(update_fields=["code"])
    assert Course.objects.get(pk=course.pk).code == "CS-102"
    student = Student.objects.create(first_name="A", last_name="B", email=" Ada@Example.EDU ")
    assert Student.objects.get(pk=student.pk).email == "ada@example.edu"


def test_model_validation_judges_the_stored_form():
    # Lower-casing "İ" gives two characters: a value that fits as sent may not fit as stored.
    local = "İ" * 64
    student = Student(first_name="A", last_name="B", email=f"{local}@{'d' * (EMAIL_MAX_LENGTH - 80)}.edu")
    with pytest.raises(ValidationError) as excinfo:
        student.full_clean()
    assert "email" in excinfo.value.message_dict
    course = Course(code="ab-1", title="T")
    course.full_clean()
    assert course.code == "AB-1"


def test_the_api_stores_and_checks_the_normal_form(registrar):
    CourseFactory(code="TAKEN-1")
    response = registrar.post("/api/v1/courses/", {"code": "taken-1", "title": "T"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "code"
    response = registrar.post("/api/v1/courses/", {"code": " new-1", "title": "T"}, format="json")
    assert response.json()["code"] == "NEW-1"
