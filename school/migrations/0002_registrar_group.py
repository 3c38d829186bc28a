from django.db import migrations

from school.registrar import delete_registrar_group, grant_registrar_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("school", "0001_cache_table"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("courses", "0001_initial"),
        ("students", "0001_initial"),
    ]
    operations = [migrations.RunPython(grant_registrar_permissions, delete_registrar_group)]
