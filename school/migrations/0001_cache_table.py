"""The table of Django's database cache, which holds the throttle counts when REDIS_URL is unset.

Made here so that `migrate` is the only preparation a database needs.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

CACHE_TABLE = "school_cache"


def create_cache_table(apps, schema_editor):
    # Checks for an existing table itself, so it is safe after a manual createcachetable.
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    table = schema_editor.connection.ops.quote_name(CACHE_TABLE)
    schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
