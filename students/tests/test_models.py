"""Student model rules, enforced by Django validation and by the database itself."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from students.models import Student
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def test_email_is_stored_lower_case():
    student = StudentFactory(email="Ada.Lovelace@Example.EDU")
    student.refresh_from_db()
    assert student.email == "ada.lovelace@example.edu"


def test_email_unique_ignoring_case_through_save():
    StudentFactory(email="grace@example.edu")
    with pytest.raises(IntegrityError), transaction.atomic():
        StudentFactory(email="GRACE@example.edu")


def test_email_unique_ignoring_case_in_the_database_itself():
    Student.objects.bulk_create([Student(first_name="A", last_name="B", email="x@example.edu")])
    with pytest.raises(IntegrityError), transaction.atomic():
        Student.objects.bulk_create([Student(first_name="C", last_name="D", email="X@EXAMPLE.EDU")])


@pytest.mark.parametrize(
    ("changes", "bad_field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"first_name": "a" * 101}, "first_name"),
        ({"last_name": ""}, "last_name"),
        ({"last_name": "a" * 101}, "last_name"),
        ({"email": ""}, "email"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_full_clean_rejects_bad_values(changes, bad_field):
    student = Student(**{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.edu", **changes})
    with pytest.raises(ValidationError) as excinfo:
        student.full_clean()
    assert bad_field in excinfo.value.message_dict


def test_full_clean_reports_case_insensitive_duplicate():
    StudentFactory(email="dup@example.edu")
    with pytest.raises(ValidationError) as excinfo:
        Student(first_name="D", last_name="Up", email="DUP@example.edu").full_clean()
    assert "A student with this email already exists." in str(excinfo.value)


def test_timestamps_and_str():
    student = StudentFactory(first_name="Ada", last_name="Lovelace", email="ada@example.edu")
    assert student.created_at.utcoffset().total_seconds() == 0
    assert str(student) == "Ada Lovelace <ada@example.edu>"
