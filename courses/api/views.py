from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.permissions import SAFE_METHODS

from courses.api.filters import CourseFilter
from courses.api.serializers import CourseSerializer
from courses.models import Course
from courses.selectors import course_list, with_instructor_usernames
from courses.services import course_create, course_delete, course_update
from school.conditional import ConditionalMixin
from school.idempotency import IdempotentPostMixin
from school.locations import LOCATION_HEADER, CreatedLocationMixin
from school.permissions import ModelPermissions
from school.schema import problem_responses


@extend_schema_view(
    create=extend_schema(parameters=[LOCATION_HEADER]),
    destroy=extend_schema(
        responses={
            204: OpenApiResponse(description="Deleted."),
            **problem_responses("course_has_enrollments"),
        }
    ),
)
class CourseViewSet(IdempotentPostMixin, ConditionalMixin, CreatedLocationMixin, viewsets.ModelViewSet):
    """The course catalogue."""

    serializer_class = CourseSerializer
    permission_classes = [ModelPermissions]
    filterset_class = CourseFilter
    lookup_url_kwarg = "id"
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        # A write reads one course and answers from what it saved: no instructors to prefetch.
        return course_list() if self.request.method in SAFE_METHODS else Course.objects.order_by("id")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return with_instructor_usernames(list(page)) if page is not None else None

    def perform_create(self, serializer):
        serializer.instance = course_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = course_update(course=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        course_delete(course=instance)
