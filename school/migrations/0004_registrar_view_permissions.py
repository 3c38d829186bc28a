from django.db import migrations

from school.registrar import grant_registrar_permissions, revoke_registrar_view_permissions


class Migration(migrations.Migration):
    """The Registrar group may read every student: it gets the view permissions of the school apps."""

    dependencies = [
        ("school", "0003_registrar_enrollment_permissions"),
        ("students", "0005_enrolled_count_triggers"),
        ("courses", "0003_description_limit"),
    ]
    operations = [migrations.RunPython(grant_registrar_permissions, revoke_registrar_view_permissions)]
