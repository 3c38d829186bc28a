"""Writes to courses that have rules beyond the fields: capacity and deletion."""

from django.db import transaction
from django.db.models import ProtectedError

from courses.models import Course
from school.problems import Problem


class CourseHasEnrollments(Problem):
    status = 409
    code = "course_has_enrollments"
    detail = "The course still has enrolled students; unenroll them before deleting it."


class CapacityBelowEnrollment(Problem):
    status = 400
    code = "validation_error"

    def __init__(self, *, capacity, enrolled):
        detail = f"capacity: {capacity} is below the {enrolled} students already enrolled."
        errors = [{"field": "capacity", "code": "below_enrollment", "detail": detail}]
        super().__init__(detail, errors=errors)


def capacity_check(*, course, capacity):
    """Refuse a capacity below the course's current enrollment; call with the course row locked."""
    if course.pk is None or capacity is None:
        return
    enrolled = course.enrollments.count()
    if capacity < enrolled:
        raise CapacityBelowEnrollment(capacity=capacity, enrolled=enrolled)


@transaction.atomic
def course_update(*, course, **fields):
    """Change a course. The row is locked first, so no enrollment slips in under a lowered capacity."""
    locked = Course.objects.select_for_update().get(pk=course.pk)
    if "capacity" in fields:
        capacity_check(course=locked, capacity=fields["capacity"])
    for name, value in fields.items():
        setattr(course, name, value)
    course.save()
    return course


@transaction.atomic
def course_delete(*, course):
    """Delete a course with no students. Locked first: enrolling takes the same lock."""
    Course.objects.select_for_update().filter(pk=course.pk).exists()
    try:
        course.delete()
    except ProtectedError:
        raise CourseHasEnrollments() from None
