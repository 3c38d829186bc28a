"""`make run`'s demo set-up: four users with tokens, demo data once, nothing duplicated on a rerun."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import override_settings
from rest_framework.authtoken.models import Token

from courses.models import Course
from students.models import Enrollment, Student

pytestmark = pytest.mark.django_db


def setup_demo():
    out = StringIO()
    call_command("setup_demo", stdout=out)
    return out.getvalue()


@override_settings(DEBUG=True)
def test_makes_users_tokens_and_data_and_prints_them():
    output = setup_demo()
    admin = User.objects.get(username="admin")
    registrar = User.objects.get(username="registrar")
    assert admin.is_superuser and admin.check_password("admin-demo-password")
    assert not registrar.is_superuser and registrar.is_staff
    assert registrar.groups.filter(name="Registrar").exists()
    for user in (admin, registrar):
        assert Token.objects.get(user=user).key in output
    assert "admin-demo-password" in output and "registrar-demo-password" in output
    assert "http://127.0.0.1:8000/admin/" in output
    assert Course.objects.exists() and Student.objects.exists()
    assert Enrollment.objects.exists()
    student, instructor = User.objects.get(username="student"), User.objects.get(username="instructor")
    assert Student.objects.get(user=student).pk == Student.objects.order_by("pk").first().pk
    assert list(instructor.taught_courses.all()) == [Course.objects.order_by("pk").first()]
    assert not student.is_staff and not instructor.is_staff
    for user in (student, instructor):
        assert Token.objects.get(user=user).key in output
    assert "student-demo-password" in output and "instructor-demo-password" in output


@override_settings(DEBUG=True)
def test_a_second_run_changes_nothing():
    setup_demo()
    tokens = dict(Token.objects.values_list("user__username", "key"))
    counts = (User.objects.count(), Course.objects.count(), Student.objects.count())
    links = (
        list(Student.objects.exclude(user=None).values_list("pk", "user")),
        Course.instructors.through.objects.count(),
    )
    setup_demo()
    assert dict(Token.objects.values_list("user__username", "key")) == tokens
    assert (
        list(Student.objects.exclude(user=None).values_list("pk", "user")),
        Course.instructors.through.objects.count(),
    ) == links
    assert (User.objects.count(), Course.objects.count(), Student.objects.count()) == counts


@override_settings(DEBUG=True)
def test_demo_data_is_loaded_once_not_refilled_after_staff_edit_it():
    setup_demo()
    Student.objects.all().delete()
    setup_demo()
    assert not Student.objects.exists()


def test_refuses_without_debug():
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        setup_demo()
    assert not User.objects.exists()
