"""Writes to courses that have rules beyond the fields: capacity and deletion."""

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from courses.exceptions import CapacityBelowEnrollment, CourseHasEnrollments, WaitlistCapacityBelowWaiting
from courses.models import ENROLLED_WITHIN_CAPACITY, WAITLIST_WITHIN_CAPACITY, Course
from school.constraints import violated_constraint


def capacity_check(*, course: Course, capacity: int | None) -> None:
    """Refuse a capacity below the course's current enrollment (CapacityBelowEnrollment).

    Call with the course row locked for an answer that holds until commit; without the lock
    (a form's early check) the answer may change, and course_update checks again."""
    if course.pk is None or capacity is None:
        return
    if capacity < course.enrolled_count:
        raise CapacityBelowEnrollment(capacity=capacity, enrolled=course.enrolled_count)


@transaction.atomic
def course_create(*, instructors: Iterable[Any] = (), **fields: Any) -> Course:
    """A new course with these fields, taught by `instructors` (users)."""
    course = Course.objects.create(**fields)
    course.instructors.set(instructors)
    return course


@transaction.atomic
def course_update(*, course: Course, instructors: Iterable[Any] | None = None, **fields: Any) -> Course:
    """Change these fields of a course (and, unless None, who teaches it); returns the saved course.

    The row is locked and read again first, so no enrollment slips in under a lowered capacity,
    and only the given fields are written, so a concurrent change to the others survives.
    """
    locked = Course.objects.select_for_update().get(pk=course.pk)
    if instructors is not None:
        locked.instructors.set(instructors)
    if "capacity" in fields:
        capacity_check(course=locked, capacity=fields["capacity"])
    waitlist_capacity = fields.get("waitlist_capacity")
    if waitlist_capacity is not None and waitlist_capacity < locked.waitlist_count:
        raise WaitlistCapacityBelowWaiting(waitlist_capacity=waitlist_capacity, waiting=locked.waitlist_count)
    for name, value in fields.items():
        setattr(locked, name, value)
    try:
        locked.save(update_fields=[*fields, "updated_at"])
    except IntegrityError as error:
        # The database's own check (unreachable after the locked check above): the same answer.
        if violated_constraint(error, (WAITLIST_WITHIN_CAPACITY,)):
            raise WaitlistCapacityBelowWaiting(
                waitlist_capacity=fields["waitlist_capacity"], waiting=locked.waitlist_count
            ) from error
        if violated_constraint(error, (ENROLLED_WITHIN_CAPACITY,)):
            raise CapacityBelowEnrollment(
                capacity=fields["capacity"], enrolled=locked.enrolled_count
            ) from error
        raise
    return locked


@transaction.atomic
def course_delete(*, course: Course) -> None:
    """Delete a course with no students (CourseHasEnrollments otherwise)."""
    # Take the row lock that enrolling takes too, so no enrollment arrives mid-delete.
    Course.objects.select_for_update().filter(pk=course.pk).first()
    try:
        course.delete()
    except ProtectedError:
        raise CourseHasEnrollments() from None
