"""Repair every course's enrolled_count from its enrollments."""

from django.core.management.base import BaseCommand

from students.services import enrollment_recount


class Command(BaseCommand):
    help = "Set each course's enrolled_count from its enrollments, e.g. after editing the database by hand."

    def handle(self, *args, **options):
        wrong = enrollment_recount()
        self.stdout.write(f"{wrong} course{'s' if wrong != 1 else ''} had a wrong count; all are exact now.")
