"""Reads of courses that the API and the admin share."""

from django.db.models import F, Q, QuerySet

from courses.models import Course


def with_instructors(courses: QuerySet[Course]) -> QuerySet[Course]:
    """`courses` with their instructors fetched in one more query (for `instructor_usernames`)."""
    return courses.prefetch_related("instructors")


def course_list() -> QuerySet[Course]:
    """Courses by id (each carries its `enrolled_count`), with their instructors."""
    return with_instructors(Course.objects.order_by("id"))


def with_seats(courses: QuerySet[Course], has_seats: bool = True) -> QuerySet[Course]:
    """Filter courses to those with (or without) a free seat."""
    free = Q(capacity__isnull=True) | Q(capacity__gt=F("enrolled_count"))
    return courses.filter(free) if has_seats else courses.exclude(free)
