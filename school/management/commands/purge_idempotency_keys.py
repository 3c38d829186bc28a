"""Delete the answers kept for Idempotency-Key retries once they are 24 hours old."""

from django.core.management.base import BaseCommand

from school.idempotency import purge


class Command(BaseCommand):
    help = "Delete the answers kept for Idempotency-Key retries that are older than 24 hours."

    def handle(self, *args, **options):
        self.stdout.write(f"deleted {purge()} kept answers older than 24 hours")
