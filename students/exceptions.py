"""What the enrollment rules refuse."""

from dataclasses import dataclass
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


# CSV imports (students.imports): the largest file read, and the wrong rows an answer lists
# before it counts the rest in one more entry.
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_LISTED_ROW_ERRORS = 1000


@dataclass(frozen=True)
class RowError:
    row: int | None  # the line of the file the row starts on (1 is the header); None: the file
    field: str | None
    code: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "code": self.code, "detail": self.detail}


class ImportInvalid(DomainError):
    """Some rows (or the file itself) are wrong; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(errors, key=lambda error: (error.row or 0, error.field or ""))
        rows = len({error.row for error in self.errors})
        super().__init__(
            f"{rows} row{'s are' if rows != 1 else ' is'} wrong ({len(self.errors)} problem"
            f"{'s' if len(self.errors) != 1 else ''}); nothing was imported."
        )

    def listed(self) -> list[dict[str, Any]]:
        """The errors as the API lists them: at most MAX_LISTED_ROW_ERRORS, then a count."""
        errors = [error.as_dict() for error in self.errors[:MAX_LISTED_ROW_ERRORS]]
        rest = len(self.errors) - MAX_LISTED_ROW_ERRORS
        if rest > 0:
            errors.append(
                {
                    "row": None,
                    "field": None,
                    "code": "more_errors",
                    "detail": f"{rest} more problems are not listed.",
                }
            )
        return errors


class ImportTooLarge(DomainError):
    def __init__(self, *, limit: int = MAX_IMPORT_BYTES) -> None:
        self.limit = limit
        super().__init__(f"The file is larger than the {limit:,} bytes an import accepts.")
