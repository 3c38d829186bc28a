"""What the course rules refuse."""

from school.errors import DomainError


class CourseHasEnrollments(DomainError):
    message = "The course still has enrolled students; unenroll them before deleting it."


class CapacityBelowEnrollment(DomainError):
    """A capacity lower than the number of students the course already has."""

    def __init__(self, *, capacity: int, enrolled: int, course_code: str | None = None) -> None:
        self.capacity = capacity
        self.enrolled = enrolled
        self.course_code = course_code  # which course, when many were written at once
        super().__init__(f"{capacity} is below the {enrolled} students already enrolled.")


class WaitlistCapacityBelowWaiting(DomainError):
    """A waitlist capacity lower than the number of students already waiting."""

    def __init__(self, *, waitlist_capacity: int, waiting: int) -> None:
        self.waitlist_capacity = waitlist_capacity
        self.waiting = waiting
        super().__init__(f"{waitlist_capacity} is below the {waiting} students already waiting.")
