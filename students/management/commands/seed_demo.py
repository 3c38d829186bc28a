"""Fill the database with a synthetic, deterministic data set, in bulk."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from courses.models import Course
from students.models import Student
from students.services import enrollments_bulk_create

FIRST_NAMES = [
    "Ada", "Alan", "Amara", "Bao", "Carmen", "Chidi", "Dmitri", "Elena", "Farah", "Grace",
    "Hiro", "Ines", "Jonas", "Kavya", "Liam", "Mei", "Nadia", "Omar", "Priya", "Quentin",
    "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoe",
]  # fmt: skip
LAST_NAMES = [
    "Abe", "Bianchi", "Castro", "Dubois", "Eze", "Fischer", "Garcia", "Haddad", "Ivanova",
    "Jensen", "Kim", "Lopez", "Mensah", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi",
    "Silva", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Yilmaz", "Zhang",
]  # fmt: skip
SUBJECTS = [
    "Algebra", "Anatomy", "Astronomy", "Biology", "Chemistry", "Databases", "Economics",
    "Ethics", "Geology", "History", "Linguistics", "Logic", "Music Theory", "Philosophy",
    "Physics", "Psychology", "Sociology", "Statistics", "Typography", "Writing",
]  # fmt: skip
LEVELS = ["Introduction to", "Topics in", "Advanced", "Seminar in", "Methods of"]
SEMINAR_SEATS = 25


def demo_course(number):
    subject = SUBJECTS[number % len(SUBJECTS)]
    level = LEVELS[(number // len(SUBJECTS)) % len(LEVELS)]
    return Course(
        code=f"DEMO-{number:05d}",
        title=f"{level} {subject}",
        description=f"A demonstration course on {subject.lower()}.",
        credits=(number % 6) + 1,
        # Every fifth course is a small seminar; the rest have no seat limit.
        capacity=SEMINAR_SEATS if number % 5 == 0 else None,
    )


def demo_student(number):
    return Student(
        first_name=FIRST_NAMES[number % len(FIRST_NAMES)],
        last_name=LAST_NAMES[(number // len(FIRST_NAMES)) % len(LAST_NAMES)],
        email=f"student{number:07d}@example.edu",
    )


class Command(BaseCommand):
    help = (
        "Fill the database with a synthetic data set of the given size, in bulk. Deterministic: "
        "running it again adds only what is missing, never duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument("--students", type=int, default=200, help="number of students")
        parser.add_argument("--courses", type=int, default=20, help="number of courses")
        parser.add_argument(
            "--per-student",
            type=int,
            default=0,
            help="courses each student is enrolled in (seats permitting)",
        )
        parser.add_argument("--batch-size", type=int, default=5000, help="rows per INSERT")

    def handle(self, *args, **options):
        for name in ("students", "courses", "per_student", "batch_size"):
            if options[name] < (1 if name == "batch_size" else 0):
                raise CommandError(f"--{name.replace('_', '-')} must not be negative or zero.")
        if options["per_student"] > options["courses"]:
            raise CommandError("--per-student cannot be more than --courses.")
        started = time.monotonic()
        self._insert("courses", Course, demo_course, options["courses"], options["batch_size"])
        self._insert("students", Student, demo_student, options["students"], options["batch_size"])
        if options["per_student"]:
            self._enroll(
                options["students"], options["courses"], options["per_student"], options["batch_size"]
            )
        self.stdout.write(f"Done in {time.monotonic() - started:.1f}s.")

    def _insert(self, label, model, make, total, batch_size):
        before = model.objects.count()
        for start in range(0, total, batch_size):
            rows = [make(number) for number in range(start + 1, min(start + batch_size, total) + 1)]
            with transaction.atomic():
                # Conflicts are rows an earlier run made: skipping them keeps reruns harmless.
                model.objects.bulk_create(rows, batch_size=batch_size, ignore_conflicts=True)
            self.stdout.write(f"{label}: {start + len(rows):,} / {total:,}")
        self.stdout.write(f"{label}: {model.objects.count() - before:,} new")

    def _enroll(self, students, courses, per_student, batch_size):
        """Student n takes `per_student` courses spread evenly from course n, through the
        enrollment service's bulk path: existing pairs and full seminars are skipped."""
        course_ids = dict(
            Course.objects.filter(code__in=[demo_course(n).code for n in range(1, courses + 1)]).values_list(
                "code", "id"
            )
        )
        ordered_course_ids = [course_ids[demo_course(n).code] for n in range(1, courses + 1)]
        stride = courses // per_student
        students_per_batch = max(1, batch_size // per_student)
        created = 0
        for start in range(1, students + 1, students_per_batch):
            numbers = range(start, min(start + students_per_batch, students + 1))
            emails = [demo_student(n).email for n in numbers]
            student_ids = dict(Student.objects.filter(email__in=emails).values_list("email", "id"))
            pairs = [
                (student_ids[demo_student(n).email], ordered_course_ids[(n + j * stride) % courses])
                for n in numbers
                for j in range(per_student)
            ]
            created += enrollments_bulk_create(pairs=pairs)
            self.stdout.write(f"enrollments: students {numbers[-1]:,} / {students:,}")
        self.stdout.write(f"enrollments: {created:,} new")
