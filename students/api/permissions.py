from rest_framework.permissions import DjangoModelPermissions

from students.models import Enrollment


class EnrollmentPermissions(DjangoModelPermissions):
    """Reading needs a signed-in user; enrolling `students.add_enrollment`, unenrolling
    `students.delete_enrollment`. Checked before the student or course is looked up."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        return request.user.has_perms(self.get_required_permissions(request.method, Enrollment))
