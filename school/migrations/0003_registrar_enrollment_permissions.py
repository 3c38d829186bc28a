from django.db import migrations

from school.registrar import grant_registrar_permissions


class Migration(migrations.Migration):
    """The Registrar group gets add/change/delete of the new Enrollment model."""

    dependencies = [
        ("school", "0002_registrar_group"),
        ("students", "0002_enrollment"),
    ]
    # Reversing leaves the grants: they refer to a model that is gone, and give nothing.
    operations = [migrations.RunPython(grant_registrar_permissions, migrations.RunPython.noop)]
