"""Writes to courses that have rules beyond the fields: capacity and deletion."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.db.models.functions import Upper
from django.utils import timezone

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


@dataclass(frozen=True)
class UpsertResult:
    """What a bulk write did, by key (a course code, a student email), in the order given."""

    created: list[str]
    updated: list[str]
    unchanged: list[str]


# Fields a bulk write of courses may set; `code` is the key.
UPSERT_FIELDS = ("title", "description", "credits", "capacity")
CHUNK = 2000


@transaction.atomic
def courses_upsert(*, rows: Iterable[dict[str, Any]]) -> UpsertResult:
    """Create each course by its `code`, or update the one that has it, all or nothing (imports).

    Each row has a normalised `code` (distinct), and the fields of UPSERT_FIELDS it sets; a field
    left out keeps its value (or its default, for a new course). The courses that exist are
    locked first, so a capacity is checked against the enrollment it will hold: every capacity
    below its course's enrollment is refused at once, as an ExceptionGroup of
    CapacityBelowEnrollment (each with `course_code`). Raising a capacity gives the new seats to
    the first waiting students (the database promotes them)."""
    rows = list(rows)
    codes = [row["code"] for row in rows]
    existing: dict[str, Course] = {}
    for start in range(0, len(codes), CHUNK):
        locked = (
            Course.objects.select_for_update()
            .annotate(key=Upper("code"))  # the unique index's expression: codes are stored upper-case
            .filter(key__any_of=codes[start : start + CHUNK])
            .order_by("pk")
        )
        existing.update(
            (course.code, course) for course in locked.only("pk", "code", "enrolled_count", *UPSERT_FIELDS)
        )
    created, updated, unchanged, refusals = [], [], [], []
    new_courses, changed_courses, changed_fields = [], [], set[str]()
    now = timezone.now()
    for row in rows:
        fields = {name: row[name] for name in UPSERT_FIELDS if name in row}
        course = existing.get(row["code"])
        if course is None:
            new_courses.append(Course(code=row["code"], **fields))
            created.append(row["code"])
            continue
        changes = {name: value for name, value in fields.items() if getattr(course, name) != value}
        if not changes:
            unchanged.append(row["code"])
            continue
        capacity = changes.get("capacity")
        if capacity is not None and capacity < course.enrolled_count:
            refusals.append(
                CapacityBelowEnrollment(
                    capacity=capacity, enrolled=course.enrolled_count, course_code=row["code"]
                )
            )
            continue
        for name, value in changes.items():
            setattr(course, name, value)
        course.updated_at = now
        changed_courses.append(course)
        changed_fields.update(changes)
        updated.append(row["code"])
    if refusals:
        raise ExceptionGroup("capacities below enrollment", refusals)
    Course.objects.bulk_create(new_courses, batch_size=CHUNK)
    if changed_courses:
        Course.objects.bulk_update(changed_courses, [*sorted(changed_fields), "updated_at"], batch_size=500)
    return UpsertResult(created=created, updated=updated, unchanged=unchanged)
