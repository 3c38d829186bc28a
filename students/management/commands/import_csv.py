"""Import students, courses or enrollments from a CSV file: the importer the API and admin use."""

import os

from django.core.management.base import BaseCommand, CommandError

from students.exceptions import ImportInvalid, ImportTooLarge
from students.imports import KINDS, csv_import

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Import a CSV file of students (email,first_name,last_name), courses "
        "(code,title[,description,credits,capacity]) or enrollments (student_email,course_code[,action]). "
        "All or nothing: any wrong row is reported with its line number, nothing is written, and the "
        "exit status is 1. --dry-run checks everything and writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS), help="what the file holds")
        parser.add_argument("file", help="path of the CSV file (UTF-8)")
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")

    def handle(self, *args, kind, file, dry_run, **options):
        try:
            handle = open(file, "rb")  # noqa: SIM115 (closed below, after the progress bar reads it)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        size = os.fstat(handle.fileno()).st_size or 1
        try:
            result = csv_import(
                kind=kind,
                file=handle,
                dry_run=dry_run,
                progress=lambda rows: self.bar(rows, handle.tell(), size),
            )
        except ImportInvalid as invalid:
            self.stdout.write("")
            for wrong in invalid.errors:
                where = f"line {wrong.row}" if wrong.row is not None else "file"
                field = f", {wrong.field}" if wrong.field else ""
                self.stderr.write(f"{where}{field}: {wrong.code}: {wrong.detail}")
            raise CommandError(invalid.message) from None
        except ImportTooLarge as too_large:
            raise CommandError(too_large.message) from None
        finally:
            handle.close()
        self.stdout.write("")
        counts = ", ".join(f"{count:,} {name}" for name, count in result.counts().items())
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            f"{verb} {kind}: {counts}." + (" Nothing was written (dry run)." if dry_run else "")
        )

    def bar(self, rows, position, size):
        """Rows read so far, and a bar of the bytes read."""
        done = min(position / size, 1.0)
        filled = int(done * BAR_WIDTH)
        self.stdout.write(
            f"\rreading [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:4.0%} {rows:,} rows", ending=""
        )
