"""Local demo set-up for `make run`: demo users, their tokens, demo data once."""

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from courses.models import Course
from school.registrar import REGISTRAR_GROUP
from students.models import Student

# Fixed on purpose so that a newcomer can log in; refused unless DJANGO_DEBUG is on.
DEMO_USERS = [
    {"username": "admin", "password": "admin-demo-password", "role": "superuser"},
    {"username": "registrar", "password": "registrar-demo-password", "role": "registrar"},
    {"username": "student", "password": "student-demo-password", "role": "student"},
    {"username": "instructor", "password": "instructor-demo-password", "role": "instructor"},
]
DEMO_SIZE = {"students": 40, "courses": 12, "per_student": 3}


class Command(BaseCommand):
    help = "Create the local demo users and data (only what is missing) and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "setup_demo makes users with known passwords: run it only with DJANGO_DEBUG=1."
            )
        if not Course.objects.exists() and not Student.objects.exists():
            call_command("seed_demo", verbosity=0, stdout=self.stdout, **DEMO_SIZE)
        tokens = {spec["username"]: self._demo_user(spec) for spec in DEMO_USERS}
        base = options["base_url"].rstrip("/")
        lines = [
            "",
            "school is starting:",
            f"  API:        {base}/api/v1/",
            f"  API docs:   {base}/api/v1/docs/",
            f"  Admin:      {base}/admin/",
            f"  Health:     {base}/healthz",
            "",
            "Demo users (local only):",
        ]
        for spec in DEMO_USERS:
            lines.append(
                f"  {spec['username']:<10} password {spec['password']:<26} token {tokens[spec['username']]}"
            )
        lines += ["", f'Try: curl -H "Authorization: Token {tokens["registrar"]}" {base}/api/v1/courses/', ""]
        self.stdout.write("\n".join(lines))

    def _demo_user(self, spec):
        role = spec["role"]
        user, created = User.objects.get_or_create(
            username=spec["username"],
            defaults={"is_staff": role in ("superuser", "registrar"), "is_superuser": role == "superuser"},
        )
        if created:
            user.set_password(spec["password"])
            user.save()
        if role == "registrar":
            user.groups.add(Group.objects.get(name=REGISTRAR_GROUP))
        elif role == "student" and not Student.objects.filter(user=user).exists():
            # The first demo student without an account signs in as `student`.
            first = Student.objects.filter(user=None).order_by("pk").first()
            if first is not None:
                first.user = user
                first.save(update_fields=["user"])
        elif role == "instructor" and not user.taught_courses.exists():
            first = Course.objects.order_by("pk").first()
            if first is not None:
                first.instructors.add(user)
        token, _ = Token.objects.get_or_create(user=user)
        return token.key
