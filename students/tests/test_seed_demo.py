"""seed_demo fills the database in bulk, shows progress, and never duplicates on a rerun."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from courses.models import Course
from students.models import Enrollment, Student

pytestmark = pytest.mark.django_db


def seed(**sizes):
    out = StringIO()
    call_command("seed_demo", stdout=out, **sizes)
    return out.getvalue()


def test_seeds_the_requested_numbers_with_valid_normalised_rows():
    output = seed(students=25, courses=7)
    assert Student.objects.count() == 25
    assert Course.objects.count() == 7
    for course in Course.objects.all():
        course.full_clean()
        assert course.code == course.code.upper()
    for student in Student.objects.all():
        student.full_clean()
        assert student.email == student.email.lower()
    assert "students: 25 / 25" in output


def test_shows_progress_batch_by_batch():
    output = seed(students=25, courses=1, batch_size=10)
    assert "students: 10 / 25" in output
    assert "students: 20 / 25" in output
    assert "students: 25 / 25" in output


def test_a_rerun_adds_only_what_is_missing():
    seed(students=10, courses=3)
    output = seed(students=15, courses=3)
    assert Student.objects.count() == 15
    assert Course.objects.count() == 3
    assert "students: 5 new" in output
    assert "courses: 0 new" in output


def test_bulk_inserts_cost_a_few_queries_not_one_per_row(django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        seed(students=300, courses=40, batch_size=1000)
    assert Student.objects.count() == 300


@pytest.mark.parametrize("option", ["students", "courses"])
def test_negative_sizes_are_refused(option):
    with pytest.raises(CommandError):
        seed(**{option: -1})


def test_per_student_enrolls_each_student_in_distinct_courses():
    seed(students=12, courses=9, per_student=3)
    assert Enrollment.objects.count() == 12 * 3
    for student in Student.objects.all():
        assert student.enrollments.count() == 3


def test_seeding_never_fails_for_lack_of_seats_and_never_overfills():
    # 60 students x 5 of 5 courses: every seminar (capacity 25) is oversubscribed.
    output = seed(students=60, courses=5, per_student=5)
    for course in Course.objects.exclude(capacity=None):
        assert course.enrollments.count() == course.capacity
    for course in Course.objects.filter(capacity=None):
        assert course.enrollments.count() == 60
    assert "enrollments:" in output


def test_a_rerun_does_not_duplicate_enrollments():
    seed(students=10, courses=4, per_student=2)
    before = Enrollment.objects.count()
    assert "enrollments: 0 new" in seed(students=10, courses=4, per_student=2)
    assert Enrollment.objects.count() == before


def test_more_courses_per_student_than_courses_is_refused():
    with pytest.raises(CommandError, match="per-student"):
        seed(students=1, courses=2, per_student=3)
