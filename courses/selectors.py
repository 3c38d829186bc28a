"""Reads of courses that the API and the admin share."""

from django.db.models import F, Q

from courses.models import Course


def course_list():
    """Courses by id (each carries its `enrolled_count`)."""
    return Course.objects.order_by("id")


def with_seats(courses, has_seats=True):
    """Filter courses to those with (or without) a free seat."""
    free = Q(capacity__isnull=True) | Q(capacity__gt=F("enrolled_count"))
    return courses.filter(free) if has_seats else courses.exclude(free)
