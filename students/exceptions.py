"""What the enrollment rules refuse."""

from typing import Any

from school.errors import DomainError


def _ids(ids: list[int]) -> str:
    return ", ".join(map(str, ids))


class UnknownCourses(DomainError):
    """Some of the requested ids are not courses; nothing was enrolled."""

    def __init__(self, *, course_ids: list[int]) -> None:
        self.course_ids = course_ids
        super().__init__(f"No course has the id {_ids(course_ids)}.")


class UnknownStudents(DomainError):
    """Some of the given ids are not students; nothing was enrolled."""

    def __init__(self, *, student_ids: list[int]) -> None:
        self.student_ids = student_ids
        super().__init__(f"No student has the id {_ids(student_ids)}.")


class CoursesFull(DomainError):
    """Some courses have fewer free seats than the request would take; nothing was enrolled.

    A bulk write also says which (student id, course id) pairs found no seat (`refused`, in the
    order they were asked for) and how many seats each course had left (`seats_left`)."""

    def __init__(
        self,
        *,
        course_ids: list[int],
        waitlist_available: bool = False,
        refused: list[tuple[int, int]] | None = None,
        seats_left: dict[int, int] | None = None,
    ) -> None:
        self.course_ids = course_ids
        self.waitlist_available = waitlist_available
        self.refused = refused or []
        self.seats_left = seats_left or {}
        super().__init__(
            f"No seat is left for this request in course {_ids(course_ids)}; nothing was enrolled."
            + (
                " Its waitlist has room: join it to be enrolled when a seat frees."
                if waitlist_available
                else ""
            )
        )


class StudentNotFound(DomainError):
    message = "The student no longer exists."


class NotEnrolled(DomainError):
    message = "The student is not enrolled in this course."


class NotWaiting(DomainError):
    message = "The student is not waiting for this course."


class AlreadyEnrolled(DomainError):
    message = "The student is already enrolled in this course."


class WaitlistFull(DomainError):
    message = "The course is full and so is its waitlist (or it has none)."


class EnrollmentClosed(DomainError):
    """Outside the course's enrollment window (binds students, not registrars)."""

    def __init__(self, *, course_id: int, opens_at: Any, closes_at: Any) -> None:
        self.course_id, self.opens_at, self.closes_at = course_id, opens_at, closes_at
        super().__init__(
            f"Enrollment in course {course_id} is closed now: it is open only within its window."
        )
