from school.permissions import ModelPermissions
from students.models import Enrollment


class EnrollmentPermissions(ModelPermissions):
    """Reading needs a signed-in user; enrolling `students.add_enrollment`, unenrolling
    `students.delete_enrollment`. Checked before the student or course is looked up."""

    model = Enrollment
