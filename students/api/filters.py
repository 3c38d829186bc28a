from school.filters import SearchFilterSet, StableOrderingFilter
from students.models import Student


class StudentFilter(SearchFilterSet):
    search_fields = ("first_name", "last_name", "email")
    ordering = StableOrderingFilter(fields=("last_name", "first_name", "email", "created_at"))

    class Meta:
        model = Student
        fields = []
