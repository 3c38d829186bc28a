from django.db import migrations

from school.registrar import grant_registrar_permissions, revoke_registrar_permissions


class Migration(migrations.Migration):
    """The Registrar group may read the enrollment history (events are append-only: view only)."""

    dependencies = [
        ("school", "0004_registrar_view_permissions"),
        ("students", "0008_enrollment_event_triggers"),
    ]
    operations = [
        migrations.RunPython(
            grant_registrar_permissions, revoke_registrar_permissions("view_enrollmentevent")
        )
    ]
