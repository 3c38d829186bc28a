"""The Registrar group: staff who read and manage courses, students and enrollments.

Used by data migrations, so it works on the historical app registry they pass in.
"""

from django.contrib.auth.management import create_permissions

REGISTRAR_GROUP = "Registrar"
SCHOOL_APPS = ("courses", "students")
ACTIONS = ("view", "add", "change", "delete")


def _ensure_permissions(apps, using):
    # Permissions are normally made after `migrate` finishes; a data migration needs them now.
    for label in SCHOOL_APPS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps, using=using)
        app_config.models_module = None


def _school_permissions(apps, using):
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.using(using).filter(content_type__app_label__in=SCHOOL_APPS)
    return [p for p in perms if p.codename.split("_", 1)[0] in ACTIONS]


def grant_registrar_permissions(apps, schema_editor):
    """Give the Registrar group every view/add/change/delete permission of the school apps."""
    using = schema_editor.connection.alias
    _ensure_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.using(using).get_or_create(name=REGISTRAR_GROUP)
    group.permissions.add(*_school_permissions(apps, using))


def revoke_registrar_view_permissions(apps, schema_editor):
    """Take back the view permissions (reversing the migration that granted them)."""
    Group = apps.get_model("auth", "Group")
    group = Group.objects.using(schema_editor.connection.alias).filter(name=REGISTRAR_GROUP).first()
    if group is not None:
        group.permissions.remove(*group.permissions.filter(codename__startswith="view_"))


def revoke_registrar_permissions(*codenames):
    """A migration's reverse step: take these permissions back from the Registrar group."""

    def revoke(apps, schema_editor):
        Group = apps.get_model("auth", "Group")
        group = Group.objects.using(schema_editor.connection.alias).filter(name=REGISTRAR_GROUP).first()
        if group is not None:
            group.permissions.remove(*group.permissions.filter(codename__in=codenames))

    return revoke


def delete_registrar_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=REGISTRAR_GROUP).delete()
