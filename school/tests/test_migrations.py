"""`migrate` is the only schema tool: it makes every table, and every migration reverses."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.django_db


def table_names():
    return set(connection.introspection.table_names())


def test_migrate_makes_the_app_tables_and_the_cache_table():
    assert {"courses_course", "students_student", "student_courses", "school_cache"} <= table_names()


def test_the_enrollment_table_has_the_documented_columns():
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, "student_courses")}
    assert {"student_id", "course_id", "enrolled_at"} <= columns


@pytest.mark.django_db(transaction=True)
def test_the_enrollment_migration_reverses_alone():
    call_command("migrate", "school", "0002", verbosity=0)
    call_command("migrate", "students", "0001", verbosity=0)
    assert "student_courses" not in table_names()
    call_command("migrate", verbosity=0)
    assert "student_courses" in table_names()


def test_the_database_cache_works_without_createcachetable():
    from django.core.cache import caches

    cache = caches["default"]
    cache.set("probe", 42)
    assert cache.get("probe") == 42


def school_permissions():
    return set(
        Permission.objects.filter(content_type__app_label__in=["courses", "students"]).values_list(
            "codename", flat=True
        )
    )


def test_registrar_group_holds_every_permission_of_the_school_apps():
    group = Group.objects.get(name="Registrar")
    expected = school_permissions()
    assert expected >= {"add_course", "change_course", "delete_course", "add_student", "change_student"}
    assert expected >= {"add_enrollment", "change_enrollment", "delete_enrollment"}
    assert expected >= {"view_course", "view_student", "view_enrollment"}
    assert set(group.permissions.values_list("codename", flat=True)) == expected


@pytest.mark.django_db(transaction=True)
def test_every_migration_reverses_and_reapplies():
    for app in ("school", "students", "courses"):
        call_command("migrate", app, "zero", verbosity=0)
    assert not {"courses_course", "students_student", "student_courses", "school_cache"} & table_names()
    assert not Group.objects.filter(name="Registrar").exists()
    call_command("migrate", verbosity=0)
    assert {"courses_course", "students_student", "student_courses", "school_cache"} <= table_names()
    registrar = Group.objects.get(name="Registrar")
    assert set(registrar.permissions.values_list("codename", flat=True)) == school_permissions()


@pytest.mark.django_db(transaction=True)
def test_the_seat_counter_migration_counts_existing_enrollments():
    from courses.models import Course
    from courses.tests.factories import CourseFactory
    from students.tests.factories import EnrollmentFactory

    course = CourseFactory()
    EnrollmentFactory.create_batch(3, course=course)
    call_command("migrate", "courses", "0001", verbosity=0)
    call_command("migrate", verbosity=0)
    assert Course.objects.get(pk=course.pk).enrolled_count == 3
