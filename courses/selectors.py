"""Reads of courses that the API and the admin share."""

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from courses.models import Course
from students.models import Enrollment


def enrolled_count_expression(course_ref="pk"):
    """Students in each course: a correlated count, evaluated only for the rows a page returns."""
    per_course = (
        Enrollment.objects.filter(course=OuterRef(course_ref))
        .order_by()
        .values("course")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(per_course, output_field=IntegerField()), 0)


def course_list():
    """Courses by id, each with `enrolled_count`, in the list's one query."""
    return Course.objects.annotate(enrolled_count=enrolled_count_expression()).order_by("id")


def with_seats(courses, has_seats=True):
    """Filter a `course_list()` queryset to courses with (or without) a free seat."""
    free = Q(capacity__isnull=True) | Q(capacity__gt=F("enrolled_count"))
    return courses.filter(free) if has_seats else courses.exclude(free)
