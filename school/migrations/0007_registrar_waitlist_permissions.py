from django.db import migrations

from school.registrar import REGISTRAR_GROUP, grant_registrar_permissions


def revoke_waitlist_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.using(schema_editor.connection.alias).filter(name=REGISTRAR_GROUP).first()
    if group is not None:
        group.permissions.remove(*group.permissions.filter(codename__endswith="_waitlistentry"))


class Migration(migrations.Migration):
    """The Registrar group manages waitlists: every permission of the waitlist entries."""

    dependencies = [
        ("school", "0006_idempotency_records"),
        ("students", "0010_waitlist_triggers"),
    ]
    operations = [migrations.RunPython(grant_registrar_permissions, revoke_waitlist_permissions)]
