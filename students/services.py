"""Enrollment rules, in one place: the API, the admin and seed_demo all enroll through here.

The rules: every course exists; no course goes over its capacity; a student is never enrolled
twice in a course; a request is all or nothing. The rows of the requested courses are locked
(in id order, so that two requests cannot deadlock) before anything is counted, so concurrent
enrollments in a course are serialized rather than refused, on any number of server processes.
On SQLite, which has no row locks, the IMMEDIATE transaction mode serializes writers instead.

`Course.enrolled_count` is kept by the database (triggers on the enrollments table), whoever
writes, and the database refuses a count above the capacity; the checks here come first so
that a refusal has a precise answer. `manage.py recount_enrollments` reports and repairs counts
after the triggers were bypassed (disabled, or data loaded around them).
"""

import logging
import time
from dataclasses import dataclass

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count

from courses.models import ENROLLED_WITHIN_CAPACITY, Course
from school.constraints import violated_constraint
from school.ids import is_valid_id
from school.problems import Problem
from students.models import Enrollment, Student

logger = logging.getLogger(__name__)

# Locking in id order prevents deadlocks between enrollment requests; a deadlock with some other
# writer (or a serialization failure) is still retried, a few times, before it becomes an error.
RETRYABLE_SQLSTATES = {"40P01", "40001"}
ATTEMPTS = 3


class UnknownCourses(Problem):
    status = 400
    code = "unknown_course"

    def __init__(self, *, invalid_course_ids):
        ids = ", ".join(map(str, invalid_course_ids))
        super().__init__(f"No course has the id {ids}.", invalid_course_ids=invalid_course_ids)


class CoursesFull(Problem):
    status = 409
    code = "course_full"

    def __init__(self, *, full_course_ids):
        ids = ", ".join(map(str, full_course_ids))
        super().__init__(
            f"No seat is left for this request in course {ids}; nothing was enrolled.",
            full_course_ids=full_course_ids,
        )


class StudentGone(Problem):
    status = 404
    code = "not_found"
    detail = "The student no longer exists."


class CapacityBelowEnrollment(Problem):
    status = 400
    code = "validation_error"

    def __init__(self, *, capacity, enrolled):
        self.message = f"{capacity} is below the {enrolled} students already enrolled."
        errors = [{"field": "capacity", "code": "below_enrollment", "detail": self.message}]
        super().__init__(f"capacity: {self.message}", errors=errors)


class NotEnrolled(Problem):
    status = 404
    code = "not_found"
    detail = "The student is not enrolled in this course."


@dataclass(frozen=True)
class EnrollmentResult:
    course_ids: list  # every requested course, sorted
    created_course_ids: list  # the ones this call enrolled the student in, sorted

    @property
    def created(self):
        return bool(self.created_course_ids)


def capacity_check(*, course, capacity):
    """Refuse a capacity below the course's current enrollment; call with the course row locked."""
    if course.pk is None or capacity is None:
        return
    if capacity < course.enrolled_count:
        raise CapacityBelowEnrollment(capacity=capacity, enrolled=course.enrolled_count)


def enrollment_create(*, student, course_ids):
    """Enroll `student` in every course of `course_ids`, or in none of them.

    Raises UnknownCourses (some id is not a course) or CoursesFull (a course has fewer free
    seats than this call would newly take). Enrolling again in a course is harmless.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _enroll(student=student, course_ids=sorted(set(course_ids)))
        except OperationalError as exc:
            sqlstate = getattr(getattr(exc, "__cause__", None), "sqlstate", None)
            if sqlstate not in RETRYABLE_SQLSTATES or attempt == ATTEMPTS or connection.in_atomic_block:
                raise
            logger.warning("enrollment attempt %d hit %s; retrying", attempt, sqlstate)
            time.sleep(0.01 * attempt)
    raise AssertionError("unreachable")


@transaction.atomic
def _enroll(*, student, course_ids):
    # A student deleted meanwhile would fail the insert on its foreign key: lock and look first.
    if not Student.objects.select_for_update().filter(pk=student.pk).exists():
        raise StudentGone()
    new_ids, courses = _new_enrollments(student=student, course_ids=course_ids, lock=True)
    # The student and course locks keep any other enrollment of these pairs out until we commit;
    # the unique constraint stays as the last guard (a violation would be a bug, not a race).
    _insert([Enrollment(student=student, course_id=pk) for pk in new_ids], courses)
    return EnrollmentResult(course_ids=course_ids, created_course_ids=new_ids)


def _insert(enrollments, courses):
    """Write `enrollments`; `courses` are their locked (pk, capacity, enrolled_count) rows.

    The database counts every row and refuses an over-full course itself; the checks before
    this call make that refusal unreachable, and should it come, it answers as they would."""
    try:
        Enrollment.objects.bulk_create(enrollments, batch_size=5000)
    except IntegrityError as error:
        if violated_constraint(error, (ENROLLED_WITHIN_CAPACITY,)):
            taken = {enrollment.course_id for enrollment in enrollments}
            limited = [c.pk for c in courses.values() if c.pk in taken and c.capacity is not None]
            raise CoursesFull(full_course_ids=limited) from error
        raise


def _new_enrollments(*, student, course_ids, lock):
    """The rules: the ids of `course_ids` (sorted, distinct) the student would newly take, and
    the (pk, capacity, enrolled_count) rows of the courses by id.

    Raises UnknownCourses or CoursesFull. With `lock`, the course rows stay locked (in id order)
    until the caller's transaction ends, so the answer holds until the enrollments are written.
    """
    courses = _existing_courses(course_ids, lock=lock)
    already = set()
    if student.pk is not None:
        already = set(
            Enrollment.objects.filter(student=student, course_id__in=course_ids).values_list(
                "course_id", flat=True
            )
        )
    new_ids = [pk for pk in course_ids if pk not in already]
    seats_left = _seats_left([courses[pk] for pk in new_ids])
    full = [pk for pk in new_ids if seats_left.get(pk, 1) < 1]
    if full:
        raise CoursesFull(full_course_ids=full)
    return new_ids, courses


def _existing_courses(course_ids, *, lock):
    """{id: (pk, capacity, enrolled_count)} for `course_ids` (one query), locked in id order if
    asked; UnknownCourses names every id that is not a course."""
    # Only what the seat check reads, as (pk, capacity, enrolled_count) rows: no model instances.
    courses = Course.objects.filter(pk__in=course_ids).order_by("pk")
    courses = (courses.select_for_update() if lock else courses).values_list(
        "pk", "capacity", "enrolled_count", named=True
    )
    courses = {c.pk: c for c in courses}
    unknown = [pk for pk in course_ids if pk not in courses]
    if unknown:
        raise UnknownCourses(invalid_course_ids=unknown)
    return courses


def enrollment_validate(*, student, course_ids):
    """Check an enrollment without writing it (for forms): raises what enrollment_create would.

    `student` may be unsaved. The answer can change before a later enrollment_create, which
    checks again under its locks.
    """
    _new_enrollments(student=student, course_ids=sorted(set(course_ids)), lock=False)


@transaction.atomic
def enrollment_create_many(*, students, course_ids):
    """Enroll every student in every course, or nobody in anything (staff's bulk action).

    Returns {student id: EnrollmentResult}. Raises UnknownCourses or CoursesFull for the first
    student who cannot be enrolled; everything enrolled before that is rolled back.
    """
    return {student.pk: enrollment_create(student=student, course_ids=course_ids) for student in students}


@transaction.atomic
def enrollment_delete(*, student, course_id):
    """Unenroll `student` from the course; NotEnrolled if they were not in it."""
    if not is_valid_id(course_id):
        raise NotEnrolled()
    # The course's lock first, as enrolling takes it: the count's trigger then waits for nobody.
    Course.objects.select_for_update().filter(pk=course_id).first()
    deleted, _ = Enrollment.objects.filter(student=student, course_id=course_id).delete()
    if not deleted:
        raise NotEnrolled()


@transaction.atomic
def student_delete(*, student):
    """Delete a student and their enrollments, giving their seats back."""
    # Locks in the order enrolling takes them, the student, then their courses by id, so the
    # count triggers of the cascade find their course rows already ours (no deadlock).
    Student.objects.select_for_update().filter(pk=student.pk).first()
    course_ids = student.enrollments.order_by("course_id").values("course_id")
    list(Course.objects.select_for_update().filter(pk__in=course_ids).order_by("pk").values_list("pk"))
    student.delete()


@dataclass(frozen=True)
class WrongCount:
    code: str
    title: str
    capacity: int | None
    stored: int  # enrolled_count before the recount
    actual: int  # rows in the enrollments table

    @property
    def over_full(self):
        return self.capacity is not None and self.actual > self.capacity


def enrollment_recount():
    """Set every course's `enrolled_count` from its enrollments, where the database lets it.

    Returns every course whose count was wrong. Those over their capacity (possible only if the
    count triggers were bypassed) keep their stored count, which the database's capacity check
    does not let exceed the capacity: they need a person, to unenroll students or raise the
    capacity. The rest are repaired."""
    with transaction.atomic():
        # Lock first, then count: an enrollment still in flight waits for us in its trigger.
        courses = list(
            Course.objects.select_for_update()
            .order_by("pk")
            .values_list("pk", "code", "title", "capacity", "enrolled_count", named=True)
        )
        actual = dict(
            Enrollment.objects.order_by().values("course").annotate(n=Count("*")).values_list("course", "n")
        )
        wrong = []
        for course in courses:
            rows = actual.get(course.pk, 0)
            if rows == course.enrolled_count:
                continue
            found = WrongCount(course.code, course.title, course.capacity, course.enrolled_count, rows)
            if not found.over_full:
                Course.objects.filter(pk=course.pk).update(enrolled_count=rows)
            wrong.append(found)
    return wrong


@transaction.atomic
def enrollments_bulk_create(*, pairs):
    """Enroll many (student_id, course_id) pairs at once, for data loads such as seed_demo.

    The same rules, applied in bulk: unknown courses are an error, pairs that already exist
    are skipped, and a course that would go over capacity takes only the seats it has left
    (pairs beyond them are skipped). Returns the number of enrollments created.
    """
    pairs = sorted(set(pairs), key=lambda pair: (pair[1], pair[0]))
    course_ids = sorted({course_id for _, course_id in pairs})
    student_ids = {student_id for student_id, _ in pairs}
    if Student.objects.filter(pk__in=student_ids).count() != len(student_ids):
        raise StudentGone("Some of the students do not exist.")
    courses = _existing_courses(course_ids, lock=True)
    existing = set(
        Enrollment.objects.filter(student_id__in=student_ids, course_id__in=course_ids).values_list(
            "student_id", "course_id"
        )
    )
    new = [pair for pair in pairs if pair not in existing]
    seats_left = _seats_left(courses.values())
    accepted = []
    for student_id, course_id in new:
        if course_id in seats_left:
            if seats_left[course_id] <= 0:
                continue
            seats_left[course_id] -= 1
        accepted.append(Enrollment(student_id=student_id, course_id=course_id))
    _insert(accepted, courses)
    return len(accepted)


def _seats_left(courses):
    """{course id: free seats} for the courses that have a capacity (the others are unlimited)."""
    return {c.pk: c.capacity - c.enrolled_count for c in courses if c.capacity is not None}
