from django.apps import AppConfig


class SchoolConfig(AppConfig):
    """The project package as an app, so that its migrations (cache table, Registrar group) run."""

    name = "school"
    verbose_name = "School"

    def ready(self):
        from school.fastpath import sql  # noqa: F401  (connects its connection_created receiver)
