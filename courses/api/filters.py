import django_filters

from courses.models import Course
from courses.selectors import with_seats
from school.filters import SearchFilterSet, StableOrderingFilter


class CourseFilter(SearchFilterSet):
    search_fields = ("code", "title")
    ordering = StableOrderingFilter(fields=("code", "title", "created_at"))
    has_seats = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_has_seats",
        label="true: courses with a free seat (or no capacity); false: full courses",
    )

    class Meta:
        model = Course
        fields: list[str] = []

    def filter_has_seats(self, queryset, name, value):
        return with_seats(queryset, has_seats=value == "true")
