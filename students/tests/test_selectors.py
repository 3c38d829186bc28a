"""The hand-written page of a student's courses is the ORM's list, page by page."""

import pytest

from courses.tests.factories import CourseFactory
from students.selectors import student_course_list, student_course_page
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

FIELDS = [
    "id",
    "code",
    "title",
    "description",
    "credits",
    "capacity",
    "enrolled_count",
    "created_at",
    "updated_at",
    "enrolled_at",
]


def test_each_page_is_a_slice_of_the_orms_list_with_the_total():
    student, other = StudentFactory(), StudentFactory()
    courses = [*CourseFactory.create_batch(7, capacity=None), CourseFactory(capacity=3, description="x")]
    for course in reversed(courses):
        EnrollmentFactory(student=student, course=course)
    EnrollmentFactory(student=other, course=courses[0])
    expected = list(student_course_list(student_id=student.pk).values(*FIELDS))
    assert len(expected) == 8 and expected[0]["enrolled_count"] == 2
    for offset, limit in [(0, 1), (0, 3), (3, 3), (6, 3), (0, 100)]:
        total, rows = student_course_page(student_id=student.pk, offset=offset, limit=limit)
        assert total == 8
        assert rows == expected[offset : offset + limit]
        assert all(row["enrolled_at"].tzinfo is not None for row in rows)


def test_an_empty_page_has_no_total():
    student = StudentFactory()
    assert student_course_page(student_id=student.pk, offset=0, limit=20) == (None, [])
    EnrollmentFactory(student=student)
    assert student_course_page(student_id=student.pk, offset=1, limit=20) == (None, [])
    assert student_course_page(student_id=student.pk + 1000, offset=0, limit=20) == (None, [])
