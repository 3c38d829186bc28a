from school.filters import IdFilter, SearchFilterSet, StableOrderingFilter
from students.models import Student


class StudentFilter(SearchFilterSet):
    search_fields = ("first_name", "last_name", "email")
    ordering = StableOrderingFilter(fields=("last_name", "first_name", "email", "created_at"))
    course = IdFilter(
        method="filter_course",
        label="Only students enrolled in the course with this id",
    )

    class Meta:
        model = Student
        fields: list[str] = []

    def filter_course(self, queryset, name, value):
        return queryset.filter(enrollments__course_id=value)
