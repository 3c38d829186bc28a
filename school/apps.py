from django.apps import AppConfig


class SchoolConfig(AppConfig):
    """The project package as an app, so that its migrations (cache table, Registrar group) run."""

    name = "school"
    verbose_name = "School"

    def ready(self):
        # Modules whose signal receivers must be connected before the first request.
        from school import (
            auth,  # noqa: F401  (revokes tokens on a new password)
            availability,  # noqa: F401  (puts every PostgreSQL query under a deadline)
        )
        from school.fastpath import (
            bulk,  # noqa: F401  (the any_of lookup)
            sql,  # noqa: F401  (the faster timestamptz loader)
        )
