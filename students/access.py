"""Who may read and change which student's data: the one policy of every endpoint that shows it.

- Staff read every student, a student's courses and every roster with `students.view_student`;
  each write needs its model permission. Both are checked before any lookup, so a refusal is 403
  whether or not the object exists.
- A student user (a User linked to a Student by `Student.user`) reads their own record and
  courses and enrolls or drops themself, with no model permission. Any other student's id
  answers 404, exactly as an id that does not exist, and their `students/` list holds only
  their own record.
- An instructor (a User in a course's `instructors`) reads that course's roster.
- Anyone else signed in gets 403 on student data (the course catalogue is open to them).

Views name the policy in `permission_classes` and scope their lists with `visible_students()`.
"""

from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission

from courses.models import Course
from school.ids import is_valid_id
from students.models import Student

VIEW_STUDENTS = "students.view_student"
ENROLL_ANYONE = "students.add_enrollment"
_NOT_LOOKED_UP = object()


def own_student_id(user: Any) -> int | None:
    """The id of the student this user signs in as, or None (looked up once per request's user,
    unless authentication read it already: school.fastpath.auth)."""
    own = getattr(user, "_own_student_id", _NOT_LOOKED_UP)
    if own is _NOT_LOOKED_UP:
        own = None
        if user.is_authenticated:
            own = Student.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()
        remember_own_student_id(user, own)
    return own  # type: ignore[return-value]


def remember_own_student_id(user: Any, student_id: int | None) -> None:
    """Record the id of the student `user` signs in as (None: none), read along with the user."""
    user._own_student_id = student_id


def reads_every_student(user: Any) -> bool:
    return bool(user.has_perm(VIEW_STUDENTS))


def visible_students(user: Any, students: QuerySet[Student]) -> QuerySet[Student]:
    """`students` limited to those the user may read: all of them for staff who may view
    students, the user's own record for a student user, none for anyone else."""
    if reads_every_student(user):
        return students
    own = own_student_id(user)
    return students.filter(pk=own) if own is not None else students.none()


def teaches(user: Any, course_id: str | int) -> bool:
    """Whether the user is one of the course's instructors (False for an id that is no course)."""
    course_id = int(course_id)
    if not is_valid_id(course_id):
        return False
    return Course.instructors.through.objects.filter(course_id=course_id, user_id=user.pk).exists()


class SignedInPolicy(BasePermission):
    """The frame of every policy here: anonymous callers are refused (401), a method the endpoint
    does not have is let through to answer 405 rather than 403, and `allows()` decides the rest."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not hasattr(view, request.method.lower()):
            return True
        return self.allows(request, view, user)

    def allows(self, request, view, user) -> bool:
        raise NotImplementedError

    def refuses(self, method: str) -> bool:
        """Whether a signed-in caller can be refused (403) this method (for the API's schema)."""
        return True


class StudentDataAccess(SignedInPolicy):
    """Access to one student's data, or to the student list.

    `staff_permissions` maps each method to the model permissions that open it to staff;
    `self_service` names the methods a student user may use on their own student, whose id is the
    URL's `student_kwarg` (no such kwarg: a list, scoped by `visible_students()`)."""

    staff_permissions: dict[str, list[str]] = {}
    self_service: frozenset[str] = frozenset()
    student_kwarg = "student_id"

    def allows(self, request, view, user):
        target = view.kwargs.get(self.student_kwarg)
        own = own_student_id(user) if request.method in self.self_service else None
        if own is not None and target is not None and int(target) == own:
            return True
        if user.has_perms(self.staff_permissions[request.method]):
            return True
        if own is None:
            return False
        if target is None:
            return True  # their own list: only their record
        raise NotFound  # another student's: as if there were no such student

    def describe(self, method: str, view) -> str:
        """Who may use this method, in a sentence (for the API's schema)."""
        needs = " and ".join(f"`{name}`" for name in self.staff_permissions[method])
        who = f"staff with {needs}"
        if method in self.self_service:
            who += "; a student user on their own student (any other student's id is 404, as if unknown)"
        return f"Who may: {who}. Others signed in: 403."


READ_METHODS = frozenset(SAFE_METHODS)


class StudentRecordAccess(StudentDataAccess):
    """`students/` and `students/{id}/`: reading needs `view_student`, or being that student;
    each write its model permission (a student user may not edit their record)."""

    staff_permissions = {
        **{method: [VIEW_STUDENTS] for method in READ_METHODS},
        "POST": ["students.add_student"],
        "PUT": ["students.change_student"],
        "PATCH": ["students.change_student"],
        "DELETE": ["students.delete_student"],
    }
    self_service = READ_METHODS
    student_kwarg = "id"


class StudentCourseAccess(StudentDataAccess):
    """`students/{id}/courses/...`: staff need `view_student` to read, `add_enrollment` to enroll,
    `delete_enrollment` to unenroll; a student user reads, enrolls and drops on their own."""

    staff_permissions = {
        **{method: [VIEW_STUDENTS] for method in READ_METHODS},
        "POST": ["students.add_enrollment"],
        "DELETE": ["students.delete_enrollment"],
    }
    self_service = READ_METHODS | {"POST", "DELETE"}


class StudentWaitlistAccess(StudentDataAccess):
    """`students/{id}/waitlist/...`: staff need `view_student` to read, `add_waitlistentry` to put a
    student in line, `delete_waitlistentry` to take them out; a student user does it on their own."""

    staff_permissions = {
        **{method: [VIEW_STUDENTS] for method in READ_METHODS},
        "POST": ["students.add_waitlistentry"],
        "DELETE": ["students.delete_waitlistentry"],
    }
    self_service = READ_METHODS | {"POST", "DELETE"}


def bound_by_windows(user: Any) -> bool:
    """Whether the user's enrolling, dropping and waiting must fall inside courses' enrollment
    windows: students are; registrars and staff who may enroll anyone are not."""
    return not user.has_perm(ENROLL_ANYONE)


class StudentHistoryAccess(StudentDataAccess):
    """`students/{id}/events/`: staff with `view_student`, or the student themself; read-only."""

    staff_permissions = {method: [VIEW_STUDENTS] for method in READ_METHODS}
    self_service = READ_METHODS


class EventFeedAccess(SignedInPolicy):
    """`enrollment-events/`: the whole school's changes, for staff with `view_student` (a sync
    client's account); students, instructors and plain users get 403."""

    def allows(self, request, view, user):
        return reads_every_student(user)

    def describe(self, method: str, view) -> str:
        return f"Who may: staff with `{VIEW_STUDENTS}`. Others signed in (students included): 403."


class RosterAccess(SignedInPolicy):
    """`courses/{id}/students/`: staff with `view_student`, or the course's instructors, read it;
    enrolling students in bulk needs `add_enrollment`; students and other users get 403 (whether
    or not the course exists)."""

    def allows(self, request, view, user):
        if request.method not in SAFE_METHODS:
            return bool(user.has_perm(ENROLL_ANYONE))
        if reads_every_student(user):
            return True
        return teaches(user, view.kwargs["course_id"])

    def describe(self, method: str, view) -> str:
        if method not in SAFE_METHODS:
            return f"Who may: staff with `{ENROLL_ANYONE}`. Others signed in: 403."
        return (
            f"Who may: staff with `{VIEW_STUDENTS}`, and the course's instructors. "
            "Others signed in (students included): 403."
        )


# What each kind of CSV import writes, so what its importer needs: create and change the rows.
IMPORT_PERMISSIONS = {
    "students": ["students.add_student", "students.change_student"],
    "courses": ["courses.add_course", "courses.change_course"],
    "enrollments": ["students.add_enrollment", "students.delete_enrollment"],
}


def may_import(user: Any, kind: str) -> bool:
    return bool(user.has_perms(IMPORT_PERMISSIONS[kind]))


class ImportAccess(SignedInPolicy):
    """`imports/<kind>/`: staff who may create and change what the kind writes (registrars)."""

    def allows(self, request, view, user):
        return may_import(user, view.kind)

    def describe(self, method: str, view) -> str:
        needs = " and ".join(f"`{name}`" for name in IMPORT_PERMISSIONS[view.kind])
        return f"Who may: staff with {needs}. Others signed in: 403."
