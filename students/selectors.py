"""Reads of students and enrollments that the API and the admin share."""

from django.db.models import F

from courses.models import Course
from students.models import Student


def student_course_list(*, student_id):
    """The student's courses by course id, each with `enrolled_at` and `enrolled_count`."""
    return (
        Course.objects.filter(enrollments__student_id=student_id)
        .annotate(enrolled_at=F("enrollments__enrolled_at"))
        .order_by("id")
    )


def course_roster(*, course):
    """The students of a course by student id, each with `enrolled_at`."""
    return (
        Student.objects.filter(enrollments__course=course)
        .annotate(enrolled_at=F("enrollments__enrolled_at"))
        .order_by("id")
    )
