from rest_framework import viewsets
from rest_framework.permissions import DjangoModelPermissions

from students.api.filters import StudentFilter
from students.api.serializers import StudentSerializer
from students.models import Student


class StudentViewSet(viewsets.ModelViewSet):
    """Students: anyone signed in may read; writes need the student model permissions."""

    queryset = Student.objects.order_by("id")
    serializer_class = StudentSerializer
    permission_classes = [DjangoModelPermissions]
    lookup_value_regex = r"[0-9]+"
    filterset_class = StudentFilter
