"""Writes to courses that have rules beyond the fields: capacity and deletion."""

from django.db import transaction
from django.db.models import ProtectedError

from courses.models import Course
from school.problems import Problem
from students.services import capacity_check


class CourseHasEnrollments(Problem):
    status = 409
    code = "course_has_enrollments"
    detail = "The course still has enrolled students; unenroll them before deleting it."


@transaction.atomic
def course_update(*, course, **fields):
    """Change these fields of a course; returns the saved course.

    The row is locked and read again first, so no enrollment slips in under a lowered capacity,
    and only the given fields are written, so a concurrent change to the others survives.
    """
    locked = Course.objects.select_for_update().get(pk=course.pk)
    if "capacity" in fields:
        capacity_check(course=locked, capacity=fields["capacity"])
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*fields, "updated_at"])
    return locked


@transaction.atomic
def course_delete(*, course):
    """Delete a course with no students."""
    # Take the row lock that enrolling takes too, so no enrollment arrives mid-delete.
    Course.objects.select_for_update().filter(pk=course.pk).first()
    try:
        course.delete()
    except ProtectedError:
        raise CourseHasEnrollments() from None
