"""What the enrollment rules refuse."""

from school.errors import DomainError


def _ids(ids: list[int]) -> str:
    return ", ".join(map(str, ids))


class UnknownCourses(DomainError):
    """Some of the requested ids are not courses; nothing was enrolled."""

    def __init__(self, *, course_ids: list[int]) -> None:
        self.course_ids = course_ids
        super().__init__(f"No course has the id {_ids(course_ids)}.")


class CoursesFull(DomainError):
    """Some courses have fewer free seats than the request would take; nothing was enrolled."""

    def __init__(self, *, course_ids: list[int]) -> None:
        self.course_ids = course_ids
        super().__init__(
            f"No seat is left for this request in course {_ids(course_ids)}; nothing was enrolled."
        )


class StudentNotFound(DomainError):
    message = "The student no longer exists."


class NotEnrolled(DomainError):
    message = "The student is not enrolled in this course."
