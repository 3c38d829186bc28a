from rest_framework import viewsets
from rest_framework.permissions import DjangoModelPermissions

from courses.api.filters import CourseFilter
from courses.api.serializers import CourseSerializer
from courses.models import Course


class CourseViewSet(viewsets.ModelViewSet):
    """Courses: anyone signed in may read; writes need the course model permissions."""

    queryset = Course.objects.order_by("id")
    serializer_class = CourseSerializer
    permission_classes = [DjangoModelPermissions]
    lookup_value_regex = r"[0-9]+"
    filterset_class = CourseFilter
