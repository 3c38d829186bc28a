"""Which named database constraint (or trigger guard) refused a write, on PostgreSQL and SQLite."""

from django.db import IntegrityError


def violated_constraint(error: IntegrityError, names: tuple[str, ...]) -> str | None:
    """The one of `names` that refused the write `error` reports, or None for anything else.

    PostgreSQL names the constraint in the error's diagnostics; SQLite only in its message
    ("CHECK constraint failed: <name>", or the text a trigger's RAISE gave, which starts with it).
    """
    diagnostics = getattr(error.__cause__, "diag", None)
    if diagnostics is not None:
        name = diagnostics.constraint_name
        return name if name in names else None
    message = str(error)
    return next((name for name in names if name in message), None)
