"""Check every course's enrolled_count against its enrollments; repair it, or say who must."""

from django.core.management.base import BaseCommand, CommandError

from students.services import enrollment_recount


class Command(BaseCommand):
    help = (
        "Compare each course's enrolled_count with its enrollments and repair it. The database keeps "
        "the counts itself; a wrong one means its triggers were bypassed (disabled, or data loaded "
        "around them). Exits with status 1 when a course has more students than seats: that needs "
        "a person."
    )

    def handle(self, *args, **options):
        wrong = enrollment_recount()
        over_full = [course for course in wrong if course.over_full]
        for course in wrong:
            if course.over_full:
                self.stderr.write(
                    f"OVER-FULL {course.code} ({course.title}): {course.actual} students enrolled, "
                    f"{course.capacity} seats; its count stays at {course.stored}. Unenroll "
                    f"{course.actual - course.capacity} or raise its capacity to {course.actual}, "
                    "then run recount_enrollments again."
                )
            else:
                self.stdout.write(
                    f"repaired {course.code}: enrolled_count {course.stored} -> {course.actual}"
                )
        repaired = len(wrong) - len(over_full)
        self.stdout.write(
            f"{len(wrong)} course{'s' if len(wrong) != 1 else ''} had a wrong count; "
            f"{repaired} repaired, {len(over_full)} over-full."
        )
        if over_full:
            raise CommandError(
                f"{len(over_full)} course{'s are' if len(over_full) != 1 else ' is'} over-full and "
                "need a person (see above); every other count is exact now."
            )
