from django.db import migrations

from school.registrar import ACTIONS, grant_registrar_permissions, revoke_registrar_permissions


class Migration(migrations.Migration):
    """The Registrar group manages waitlists: every permission of the waitlist entries."""

    dependencies = [
        ("school", "0006_idempotency_records"),
        ("students", "0010_waitlist_triggers"),
    ]
    operations = [
        migrations.RunPython(
            grant_registrar_permissions,
            revoke_registrar_permissions(*(f"{action}_waitlistentry" for action in ACTIONS)),
        )
    ]
