"""The base of every domain error: a business rule that refused an action.

Domain errors know the domain (which courses are full, what the capacity was), never HTTP: the
API maps each class to its problem response in `school.problems`, the admin turns them into
messages for staff, and management commands into their own output.
"""


class DomainError(Exception):
    message = "The action was refused."

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)
