"""Course model rules, enforced by Django validation and by the database itself."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from courses.models import Course
from courses.tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


def test_code_is_stored_upper_case():
    course = CourseFactory(code="cs-101_a")
    course.refresh_from_db()
    assert course.code == "CS-101_A"


def test_defaults():
    course = Course.objects.create(code="DEF1", title="Defaults")
    course.refresh_from_db()
    assert course.description == ""
    assert course.credits == 0
    assert course.capacity is None
    assert course.created_at is not None
    assert course.updated_at is not None
    assert course.created_at.utcoffset().total_seconds() == 0


def test_updated_at_moves_on_save_and_created_at_does_not():
    course = CourseFactory()
    created, updated = course.created_at, course.updated_at
    course.title = "Renamed"
    course.save()
    course.refresh_from_db()
    assert course.created_at == created
    assert course.updated_at > updated


def test_code_unique_ignoring_case_through_save():
    CourseFactory(code="MATH1")
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseFactory(code="math1")


def test_code_unique_ignoring_case_in_the_database_itself():
    # bulk_create skips save(), so only the functional unique index can refuse this row.
    Course.objects.bulk_create([Course(code="PHYS1", title="Physics")])
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.bulk_create([Course(code="phys1", title="Physics again")])


@pytest.mark.parametrize(
    ("field", "value"),
    [("credits", 61), ("capacity", 0)],
)
def test_database_check_constraints(field, value):
    course = Course(code="CHK1", title="Checked", **{field: value})
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.bulk_create([course])


@pytest.mark.parametrize(
    ("changes", "bad_field"),
    [
        ({"code": ""}, "code"),
        ({"code": "A" * 21}, "code"),
        ({"code": "CS 101"}, "code"),
        ({"code": "CS.101"}, "code"),
        ({"title": ""}, "title"),
        ({"title": "T" * 201}, "title"),
        ({"credits": 61}, "credits"),
        ({"credits": -1}, "credits"),
        ({"capacity": 0}, "capacity"),
    ],
)
def test_full_clean_rejects_bad_values(changes, bad_field):
    course = Course(**{"code": "OK-1", "title": "Fine", **changes})
    with pytest.raises(ValidationError) as excinfo:
        course.full_clean()
    assert bad_field in excinfo.value.message_dict


def test_full_clean_accepts_limits_and_reports_case_insensitive_duplicate():
    Course(code="A" * 20, title="T" * 200, credits=60, capacity=1).full_clean()
    CourseFactory(code="DUP-1")
    with pytest.raises(ValidationError) as excinfo:
        Course(code="dup-1", title="Duplicate").full_clean()
    assert "A course with this code already exists." in str(excinfo.value)


def test_str_and_default_order():
    second = CourseFactory(code="B1", title="Beta")
    first = CourseFactory(code="A1", title="Alpha")
    assert str(first) == "A1: Alpha"
    assert list(Course.objects.all()) == [second, first]
