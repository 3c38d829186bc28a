"""Reads of courses that the API and the admin share."""

from django.db.models import F, Q, QuerySet

from courses.models import Course


def course_list() -> QuerySet[Course]:
    """Courses by id (each carries its `enrolled_count`)."""
    return Course.objects.order_by("id")


def with_seats(courses: QuerySet[Course], has_seats: bool = True) -> QuerySet[Course]:
    """Filter courses to those with (or without) a free seat."""
    free = Q(capacity__isnull=True) | Q(capacity__gt=F("enrolled_count"))
    return courses.filter(free) if has_seats else courses.exclude(free)
