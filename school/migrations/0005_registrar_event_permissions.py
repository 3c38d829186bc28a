from django.db import migrations

from school.registrar import REGISTRAR_GROUP, grant_registrar_permissions


def revoke_event_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.using(schema_editor.connection.alias).filter(name=REGISTRAR_GROUP).first()
    if group is not None:
        group.permissions.remove(*group.permissions.filter(codename="view_enrollmentevent"))


class Migration(migrations.Migration):
    """The Registrar group may read the enrollment history (events are append-only: view only)."""

    dependencies = [
        ("school", "0004_registrar_view_permissions"),
        ("students", "0008_enrollment_event_triggers"),
    ]
    operations = [migrations.RunPython(grant_registrar_permissions, revoke_event_permissions)]
