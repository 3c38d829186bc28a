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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count
from django.db.models.functions import Lower
from django.utils import timezone

from courses.models import ENROLLED_WITHIN_CAPACITY, Course
from courses.services import UpsertResult
from school.constraints import violated_constraint
from school.fastpath.bulk import insert_rows
from school.fastpath.enrollment import courses_among, rows_by_id
from school.ids import is_valid_id
from students.events import recording_events
from students.exceptions import (
    AlreadyEnrolled,
    CoursesFull,
    EnrollmentClosed,
    NotEnrolled,
    NotWaiting,
    StudentNotFound,
    UnknownCourses,
    UnknownStudents,
    WaitlistFull,
)
from students.models import Enrollment, Student, WaitlistEntry

logger = logging.getLogger(__name__)

# Whether the writer is bound by courses' enrollment windows: a bool, or a callable that says so,
# asked only when a window is closed now (an open window answers the same for everyone, so the
# caller's permissions need not be read for it).
WindowRule = bool | Callable[[], bool]

# Locking in id order prevents deadlocks between enrollment requests; a deadlock with some other
# writer (or a serialization failure) is still retried, a few times, before it becomes an error.
RETRYABLE_SQLSTATES = {"40P01", "40001"}
ATTEMPTS = 3


@dataclass(frozen=True)
class EnrollmentResult:
    course_ids: list[int]  # every requested course, sorted
    created_course_ids: list[int]  # the ones this call enrolled the student in, sorted

    @property
    def created(self) -> bool:
        return bool(self.created_course_ids)


class SeatRow(NamedTuple):
    """What the seat, waitlist and window checks read of a course: no model instance."""

    pk: int
    capacity: int | None
    enrolled_count: int
    waitlist_capacity: int | None
    waitlist_count: int
    enrollment_opens_at: datetime | None
    enrollment_closes_at: datetime | None

    @property
    def has_free_seat(self) -> bool:
        return self.capacity is None or self.enrolled_count < self.capacity

    @property
    def waitlist_has_room(self) -> bool:
        return self.waitlist_capacity is None or self.waitlist_count < self.waitlist_capacity

    def window_closed(self) -> bool:
        """Whether now is outside the course's enrollment window."""
        now = timezone.now()
        opens, closes = self.enrollment_opens_at, self.enrollment_closes_at
        return (opens is not None and now < opens) or (closes is not None and now >= closes)

    def check_window(self, within_windows: WindowRule = True) -> None:
        """EnrollmentClosed if the course's window is closed now and the writer is bound by it."""
        if self.window_closed() and bound_by(within_windows):
            raise EnrollmentClosed(
                course_id=self.pk, opens_at=self.enrollment_opens_at, closes_at=self.enrollment_closes_at
            )


def bound_by(within_windows: WindowRule) -> bool:
    return within_windows() if callable(within_windows) else within_windows


SEAT_ROW_FIELDS = SeatRow._fields


def enrollment_create(
    *, student: Student, course_ids: Iterable[int], within_windows: WindowRule = False
) -> EnrollmentResult:
    """Enroll `student` in every course of `course_ids`, or in none of them.

    Raises StudentNotFound (deleted meanwhile), UnknownCourses (some id is not a course) or
    CoursesFull (a course has fewer free seats than this call would newly take). Enrolling
    again in a course is harmless.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _enroll(student=student, course_ids=sorted(set(course_ids)), within_windows=within_windows)
        except OperationalError as exc:
            sqlstate = getattr(getattr(exc, "__cause__", None), "sqlstate", None)
            if sqlstate not in RETRYABLE_SQLSTATES or attempt == ATTEMPTS or connection.in_atomic_block:
                raise
            logger.warning("enrollment attempt %d hit %s; retrying", attempt, sqlstate)
            time.sleep(0.01 * attempt)
    raise AssertionError("unreachable")


@transaction.atomic
def _enroll(
    *, student: Student, course_ids: list[int], within_windows: WindowRule = False
) -> EnrollmentResult:
    # A student deleted meanwhile would fail the insert on its foreign key: lock and look first.
    _lock_student(student)
    new_ids, courses = _new_enrollments(
        student=student, course_ids=course_ids, lock=True, within_windows=within_windows
    )
    # The student and course locks keep any other enrollment of these pairs out until we commit;
    # the unique constraint stays as the last guard (a violation would be a bug, not a race).
    _insert([(student.pk, pk) for pk in new_ids], courses)
    if any(courses[pk].waitlist_count for pk in new_ids):
        # Enrolled: no longer waiting there (no left_waitlist event: the seat is theirs).
        with recording_events():
            WaitlistEntry.objects.filter(student=student, course_id__in=new_ids).delete()
    return EnrollmentResult(course_ids=course_ids, created_course_ids=new_ids)


def _insert(pairs: list["Pair"], courses: dict[int, SeatRow]) -> None:
    """Enroll the (student id, course id) `pairs`; `courses` are their locked seat rows.

    The database counts every row and refuses an over-full course itself; the checks before
    this call make that refusal unreachable, and should it come, it answers as they would."""
    if not pairs:
        return
    now = timezone.now()
    try:
        with recording_events():
            insert_rows(Enrollment, ["student", "course", "enrolled_at"], [(s, c, now) for s, c in pairs])
    except IntegrityError as error:
        if violated_constraint(error, (ENROLLED_WITHIN_CAPACITY,)):
            taken = {course_id for _, course_id in pairs}
            limited = [c.pk for c in courses.values() if c.pk in taken and c.capacity is not None]
            raise CoursesFull(course_ids=limited) from error
        raise


def _new_enrollments(
    *, student: Student, course_ids: list[int], lock: bool, within_windows: WindowRule = False
) -> tuple[list[int], dict[int, SeatRow]]:
    """The rules: the ids of `course_ids` (sorted, distinct) the student would newly take, and
    the (pk, capacity, enrolled_count) rows of the courses by id.

    Raises UnknownCourses or CoursesFull. With `lock`, the course rows stay locked (in id order)
    until the caller's transaction ends, so the answer holds until the enrollments are written.
    """
    courses = _existing_courses(course_ids, lock=lock)
    for pk in course_ids:
        courses[pk].check_window(within_windows)
    already = courses_among(Enrollment, student.pk, course_ids) if student.pk is not None else set()
    new_ids = [pk for pk in course_ids if pk not in already]
    seats_left = _seats_left([courses[pk] for pk in new_ids])
    full = [pk for pk in new_ids if seats_left.get(pk, 1) < 1]
    if full:
        raise CoursesFull(
            course_ids=full, waitlist_available=any(courses[pk].waitlist_has_room for pk in full)
        )
    return new_ids, courses


def _existing_courses(course_ids: list[int], *, lock: bool) -> dict[int, SeatRow]:
    """{id: (pk, capacity, enrolled_count)} for `course_ids` (one query), locked in id order if
    asked; UnknownCourses names every id that is not a course."""
    # Only what the seat check reads, as (pk, capacity, enrolled_count) rows: no model instances.
    courses = {row[0]: SeatRow(*row) for row in rows_by_id(Course, SEAT_ROW_FIELDS, course_ids, lock=lock)}
    unknown = [pk for pk in course_ids if pk not in courses]
    if unknown:
        raise UnknownCourses(course_ids=unknown)
    return courses


def enrollment_validate(*, student: Student, course_ids: Iterable[int]) -> None:
    """Check an enrollment without writing it (for forms): raises what enrollment_create would.

    `student` may be unsaved. The answer can change before a later enrollment_create, which
    checks again under its locks.
    """
    _new_enrollments(student=student, course_ids=sorted(set(course_ids)), lock=False)


@transaction.atomic
def enrollment_create_many(
    *, students: Iterable[Student], course_ids: Iterable[int]
) -> dict[int, EnrollmentResult]:
    """Enroll every student in every course, or nobody in anything (staff's bulk action).

    Returns {student id: EnrollmentResult}. Raises UnknownCourses or CoursesFull for the first
    student who cannot be enrolled; everything enrolled before that is rolled back.
    """
    course_ids, students = sorted(set(course_ids)), list(students)
    # Every lock up front, in the order enrolling takes them (students, then courses, by id):
    # once the first enrollment is written, this transaction holds the events' lock (migration
    # students/0008) and must not wait for a row another enrollment holds while waiting for it.
    list(
        Student.objects.select_for_update()
        .filter(pk__in=[s.pk for s in students])
        .order_by("pk")
        .values_list("pk")
    )
    list(Course.objects.select_for_update().filter(pk__in=course_ids).order_by("pk").values_list("pk"))
    return {student.pk: enrollment_create(student=student, course_ids=course_ids) for student in students}


@transaction.atomic
def enrollment_delete(*, student: Student, course_id: int, within_windows: WindowRule = False) -> None:
    """Unenroll `student` from the course; NotEnrolled if they were not in it. The first waiting
    students get the freed seat (the database promotes them in the same statement)."""
    if not is_valid_id(course_id):
        raise NotEnrolled()
    # The course's lock first, as enrolling takes it: the count's trigger then waits for nobody.
    course = _locked_course(course_id)
    if (
        course is not None
        and course.window_closed()
        and bound_by(within_windows)
        and Enrollment.objects.filter(student=student, course_id=course_id).exists()
    ):
        course.check_window()
    with recording_events():
        deleted, _ = Enrollment.objects.filter(student=student, course_id=course_id).delete()
    if not deleted:
        raise NotEnrolled()


@transaction.atomic
def student_delete(*, student: Student) -> None:
    """Delete a student and their enrollments, giving their seats back."""
    # Locks in the order enrolling takes them, the student, then their courses by id, so the
    # count triggers of the cascade find their course rows already ours (no deadlock).
    Student.objects.select_for_update().filter(pk=student.pk).first()
    course_ids = student.enrollments.order_by("course_id").values("course_id")
    list(Course.objects.select_for_update().filter(pk__in=course_ids).order_by("pk").values_list("pk"))
    with recording_events():
        student.delete()


@dataclass(frozen=True)
class WrongCount:
    code: str
    title: str
    capacity: int | None
    stored: int  # enrolled_count before the recount
    actual: int  # rows in the enrollments table

    @property
    def over_full(self) -> bool:
        return self.capacity is not None and self.actual > self.capacity


def enrollment_recount() -> list[WrongCount]:
    """Set every course's `enrolled_count` from its enrollments, where the database lets it.

    Returns every course whose count was wrong. Those over their capacity (possible only if the
    count triggers were bypassed) keep their stored count, which the database's capacity check
    does not let exceed the capacity: they need a person, to unenroll students or raise the
    capacity. The rest are repaired."""
    with transaction.atomic():
        # Lock first, then count: an enrollment still in flight waits for us in its trigger.
        courses = Course.objects.select_for_update().order_by("pk")
        stored = [*courses.values_list("pk", "code", "title", "capacity", "enrolled_count")]
        actual = dict(
            Enrollment.objects.order_by().values("course").annotate(n=Count("*")).values_list("course", "n")
        )
        wrong = []
        for pk, code, title, capacity, enrolled_count in stored:
            rows = actual.get(pk, 0)
            if rows == enrolled_count:
                continue
            found = WrongCount(code, title, capacity, enrolled_count, rows)
            if not found.over_full:
                Course.objects.filter(pk=pk).update(enrolled_count=rows)
            wrong.append(found)
    return wrong


@transaction.atomic
def enrollments_bulk_create(*, pairs: Iterable[tuple[int, int]]) -> int:
    """Enroll many (student_id, course_id) pairs at once, for data loads such as seed_demo.

    The same rules, applied in bulk: unknown courses are an error, pairs that already exist
    are skipped, and a course that would go over capacity takes only the seats it has left
    (pairs beyond them are skipped). Returns the number of enrollments created.
    """
    ordered = sorted(set(pairs), key=lambda pair: (pair[1], pair[0]))
    course_ids = sorted({course_id for _, course_id in ordered})
    student_ids = {student_id for student_id, _ in ordered}
    if Student.objects.filter(pk__in=student_ids).count() != len(student_ids):
        raise StudentNotFound("Some of the students do not exist.")
    courses = _existing_courses(course_ids, lock=True)
    existing = set(
        Enrollment.objects.filter(student_id__in=student_ids, course_id__in=course_ids).values_list(
            "student_id", "course_id"
        )
    )
    new = [pair for pair in ordered if pair not in existing]
    seats_left = _seats_left(courses.values())
    accepted = []
    for student_id, course_id in new:
        if course_id in seats_left:
            if seats_left[course_id] <= 0:
                continue
            seats_left[course_id] -= 1
        accepted.append((student_id, course_id))
    _insert(accepted, courses)
    return len(accepted)


@transaction.atomic
def students_upsert(*, rows: Iterable[tuple[str, str, str]]) -> UpsertResult:
    """Create each (email, first_name, last_name) student, or update the names of the student who
    has that email, all or nothing (imports). Emails are normalised and distinct; the students
    who exist are locked first, so no other write of their names is lost in between."""
    rows = list(rows)
    existing: dict[str, tuple[int, str, str]] = {}
    for chunk in _chunks([email for email, _, _ in rows]):
        # By lower(email), the unique index's expression: emails are stored lower-case.
        locked = (
            Student.objects.select_for_update()
            .annotate(key=Lower("email"))
            .filter(key__any_of=chunk)
            .order_by("pk")
        )
        existing.update(
            (email, (pk, first, last))
            for pk, email, first, last in locked.values_list("pk", "email", "first_name", "last_name")
        )
    created, updated, unchanged = [], [], []
    new_students, changed_students = [], []
    now = timezone.now()
    for email, first_name, last_name in rows:
        found = existing.get(email)
        if found is None:
            new_students.append(Student(email=email, first_name=first_name, last_name=last_name))
            created.append(email)
        elif found[1:] == (first_name, last_name):
            unchanged.append(email)
        else:
            changed_students.append(
                Student(pk=found[0], first_name=first_name, last_name=last_name, updated_at=now)
            )
            updated.append(email)
    insert_rows(
        Student,
        ["email", "first_name", "last_name", "created_at", "updated_at"],
        [(s.email, s.first_name, s.last_name, now, now) for s in new_students],
    )
    Student.objects.bulk_update(changed_students, ["first_name", "last_name", "updated_at"], batch_size=500)
    return UpsertResult(created=created, updated=updated, unchanged=unchanged)


Pair = tuple[int, int]  # (student id, course id)
# Ids per `IN (...)` list: under SQLite's limit of bound variables, short enough for any planner.
IN_CHUNK = 5000


def _chunks(keys: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(keys), IN_CHUNK):
        yield keys[start : start + IN_CHUNK]


@dataclass(frozen=True)
class BulkResult:
    enrolled: list[Pair]  # created by this call, in the order asked
    dropped: list[Pair]  # removed by this call, in the order asked


@transaction.atomic
def enrollments_change(*, enroll: Iterable[Pair] = (), drop: Iterable[Pair] = ()) -> BulkResult:
    """Enroll and drop many (student id, course id) pairs at once, all or nothing: the bulk path
    of the roster API and of CSV imports.

    Every student and course must exist (UnknownStudents, UnknownCourses, every missing id
    named). The drops come first; the seats they free go to the first waiting students, as any
    drop's do (the database promotes them); then each course must have a seat for every new
    enrollment: the pairs beyond its free seats, in the order asked, are refused (CoursesFull
    with `refused` and `seats_left`) and nothing is written. Pairs already enrolled (or not
    enrolled, for a drop) change nothing.
    """
    enroll, drop = list(dict.fromkeys(enroll)), list(dict.fromkeys(drop))
    pairs = enroll + drop
    if not pairs:
        return BulkResult(enrolled=[], dropped=[])
    student_ids = sorted({student_id for student_id, _ in pairs})
    course_ids = sorted({course_id for _, course_id in pairs})
    # Every lock up front, in the order enrolling takes them (students, then courses, by id): once
    # the first row is written this transaction holds the events' lock (migration 0008).
    found: set[int] = set()
    for chunk in _chunks(student_ids):
        found.update(
            Student.objects.select_for_update()
            .filter(pk__any_of=chunk)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    if len(found) < len(student_ids):
        raise UnknownStudents(student_ids=[pk for pk in student_ids if pk not in found])
    _existing_courses(course_ids, lock=True)
    enrolled_now = _enrolled_among(pairs)
    dropped = [pair for pair in drop if pair in enrolled_now]
    if dropped:
        with recording_events():
            for course_id, ids in _by_course(dropped).items():
                for chunk in _chunks(ids):
                    Enrollment.objects.filter(course_id=course_id, student_id__any_of=chunk).delete()
        # Freed seats went to the first in line: read who is enrolled and what is left again.
        enrolled_now = _enrolled_among(enroll)
    courses = _existing_courses(course_ids, lock=True)
    new = [pair for pair in enroll if pair not in enrolled_now]
    seats_left = _seats_left(courses.values())
    left = dict(seats_left)
    refused = []
    for pair in new:
        course_id = pair[1]
        if course_id in left:
            if left[course_id] <= 0:
                refused.append(pair)
            left[course_id] -= 1
    if refused:
        full = sorted({course_id for _, course_id in refused})
        raise CoursesFull(
            course_ids=full,
            waitlist_available=any(courses[pk].waitlist_has_room for pk in full),
            refused=refused,
            seats_left={pk: max(seats_left[pk], 0) for pk in full},
        )
    # No one waits where a seat is free (the database promotes them), so a new enrollment is
    # never someone's waitlist entry: nothing to take out of a line here.
    _insert(new, courses)
    return BulkResult(enrolled=new, dropped=dropped)


def _by_course(pairs: Iterable[Pair]) -> dict[int, list[int]]:
    """{course id: its distinct student ids, sorted}, by course id."""
    by_course: dict[int, set[int]] = {}
    for student_id, course_id in pairs:
        by_course.setdefault(course_id, set()).add(student_id)
    return {course_id: sorted(by_course[course_id]) for course_id in sorted(by_course)}


def _enrolled_among(pairs: list[Pair]) -> set[Pair]:
    """Which of `pairs` are enrollments now."""
    found: set[Pair] = set()
    for course_id, ids in _by_course(pairs).items():
        for chunk in _chunks(ids):
            found.update(
                Enrollment.objects.filter(course_id=course_id, student_id__any_of=chunk).values_list(
                    "student_id", "course_id"
                )
            )
    return found


def _seats_left(courses: Iterable[SeatRow]) -> dict[int, int]:
    """{course id: free seats} for the courses that have a capacity (the others are unlimited)."""
    return {c.pk: c.capacity - c.enrolled_count for c in courses if c.capacity is not None}


def _locked_course(course_id: int) -> SeatRow | None:
    rows = rows_by_id(Course, SEAT_ROW_FIELDS, [course_id], lock=True)
    return SeatRow(*rows[0]) if rows else None


def _lock_student(student: Student) -> None:
    """Lock the student's row until the transaction ends (a write of theirs waits for nobody
    else's); StudentNotFound when it was deleted meanwhile."""
    if not rows_by_id(Student, ("pk",), [student.pk], lock=True):
        raise StudentNotFound()


@dataclass(frozen=True)
class WaitlistResult:
    status: str  # "enrolled" (a seat was free and nobody waited) or "waitlisted"
    created: bool  # False: already waiting


@transaction.atomic
def waitlist_join(*, student: Student, course_id: int, within_windows: WindowRule = False) -> WaitlistResult:
    """Put `student` in line for the course, or enroll them at once when a seat is free and
    nobody waits. Raises UnknownCourses, EnrollmentClosed (within_windows), AlreadyEnrolled,
    WaitlistFull."""
    _lock_student(student)
    course = _locked_course(course_id) if is_valid_id(course_id) else None
    if course is None:
        raise UnknownCourses(course_ids=[course_id])
    course.check_window(within_windows)
    if courses_among(Enrollment, student.pk, [course_id]):
        raise AlreadyEnrolled()
    if courses_among(WaitlistEntry, student.pk, [course_id]):
        return WaitlistResult(status=WAITLISTED, created=False)
    if course.has_free_seat and course.waitlist_count == 0:
        _insert([(student.pk, course_id)], {course_id: course})
        return WaitlistResult(status=ENROLLED, created=True)
    if not course.waitlist_has_room:
        raise WaitlistFull()
    with recording_events():
        insert_rows(
            WaitlistEntry, ["student", "course", "joined_at"], [(student.pk, course_id, timezone.now())]
        )
    return WaitlistResult(status=WAITLISTED, created=True)


@transaction.atomic
def waitlist_leave(*, student: Student, course_id: int, within_windows: WindowRule = False) -> None:
    """Take `student` out of the course's line; NotWaiting if they were not in it."""
    course = _locked_course(course_id) if is_valid_id(course_id) else None
    entry = WaitlistEntry.objects.filter(student=student, course_id=course_id).first() if course else None
    if entry is None:
        raise NotWaiting()
    course.check_window(within_windows)  # type: ignore[union-attr]
    with recording_events():
        entry.delete()


ENROLLED, WAITLISTED = "enrolled", "waitlisted"
