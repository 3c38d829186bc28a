"""Reads of students and enrollments that the API and the admin share."""

from django.db import connection
from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber

from courses.models import Course
from courses.selectors import with_instructors
from students.models import Enrollment, EnrollmentEvent, Student, WaitlistEntry


def student_list() -> QuerySet[Student]:
    """Students by id, each with its linked user (for `username`)."""
    return Student.objects.select_related("user").order_by("id")


def student_course_list(*, student_id: int) -> QuerySet[Course]:
    """The student's courses by course id, each with `enrolled_at`, `enrolled_count` and its
    instructors. (The API reads pages of it, and an enrollment's answer, with
    school.fastpath.student_courses.)"""
    return (
        with_instructors(Course.objects.filter(enrollments__student_id=student_id))
        .annotate(enrolled_at=F("enrollments__enrolled_at"))
        .order_by("id")
    )


def student_count() -> int:
    """The number of students, from the one-row table the database keeps exact with triggers
    (migration 0004): the unfiltered `students/` list's `count` without counting the table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT students FROM student_count")
        row = cursor.fetchone()
    return Student.objects.count() if row is None else row[0]


def course_roster(*, course: Course) -> QuerySet[Student]:
    """The students of a course by student id, each with `enrolled_at`."""
    return (
        Student.objects.filter(enrollments__course=course)
        .select_related("user")
        .annotate(enrolled_at=F("enrollments__enrolled_at"))
        .order_by("id")
    )


def course_roster_enrollments(*, course: Course) -> QuerySet[Enrollment]:
    """A course's enrollments by student id: the roster's rows as the index on (course_id,
    student_id) holds them, for reads that continue from a student id (the CSV export)."""
    return Enrollment.objects.filter(course=course).order_by("student_id")


def student_events(*, student_id: int) -> QuerySet[EnrollmentEvent]:
    """A student's enrollment history, oldest first."""
    return EnrollmentEvent.objects.filter(student_id=student_id).order_by("id")


def event_feed(
    *, after: int, limit: int, student_id: int | None = None, course_id: int | None = None
) -> list[EnrollmentEvent]:
    """Up to `limit` events with ids above `after`, ascending (optionally of one student or
    course). Ids become visible in commit order (migration 0008), so a reader that continues
    from the last id it got never misses one and never gets one twice."""
    events = EnrollmentEvent.objects.filter(id__gt=after)
    if student_id is not None:
        events = events.filter(student_id=student_id)
    if course_id is not None:
        events = events.filter(course_id=course_id)
    return list(events.order_by("id")[:limit])


def _position() -> Subquery:
    """1 for the first in line of the entry's course, 2 for the next..."""
    ahead = WaitlistEntry.objects.filter(course_id=OuterRef("course_id"), id__lte=OuterRef("id"))
    return Subquery(ahead.order_by().values("course_id").annotate(n=Count("*")).values("n"))


def student_waitlist(*, student_id: int) -> QuerySet[WaitlistEntry]:
    """The student's waitlist entries by course id, each with its `position` in line."""
    return (
        WaitlistEntry.objects.filter(student_id=student_id)
        .annotate(position=_position())
        .order_by("course_id")
    )


def course_waitlist(*, course: Course) -> QuerySet[Student]:
    """The students waiting for a course, in joining order, each with `position` and `joined_at`."""
    return (
        Student.objects.filter(waitlist_entries__course=course)
        .select_related("user")
        .annotate(
            joined_at=F("waitlist_entries__joined_at"),
            position=Window(RowNumber(), order_by=F("waitlist_entries__id").asc()),
        )
        .order_by("waitlist_entries__id")
    )
