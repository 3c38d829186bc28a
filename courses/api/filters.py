from courses.models import Course
from school.filters import SearchFilterSet, StableOrderingFilter


class CourseFilter(SearchFilterSet):
    search_fields = ("code", "title")
    ordering = StableOrderingFilter(fields=("code", "title", "created_at"))

    class Meta:
        model = Course
        fields = []
