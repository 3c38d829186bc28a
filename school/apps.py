from django.apps import AppConfig


class SchoolConfig(AppConfig):
    """The project package as an app, so that its migrations (cache table, Registrar group) run."""

    name = "school"
    verbose_name = "School"

    def ready(self):
        from school import (
            auth,  # noqa: F401  (connects the token revocation on a new password)
            db,  # noqa: F401  (connects its connection_created receiver)
        )
