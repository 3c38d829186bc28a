from django.db import migrations, models
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_enrollments(apps, schema_editor):
    """Fill the new counter from the enrollments that already exist."""
    Course = apps.get_model("courses", "Course")
    Enrollment = apps.get_model("students", "Enrollment")
    per_course = (
        Enrollment.objects.filter(course=OuterRef("pk"))
        .order_by()
        .values("course")
        .annotate(n=Count("*"))
        .values("n")
    )
    Course.objects.using(schema_editor.connection.alias).update(
        enrolled_count=Coalesce(Subquery(per_course, output_field=IntegerField()), 0)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0001_initial"),
        ("students", "0002_enrollment"),
    ]

    operations = [
        migrations.AddField(
            model_name="course",
            name="enrolled_count",
            field=models.PositiveIntegerField(
                default=0, editable=False, help_text="Students enrolled now (read-only)."
            ),
        ),
        # Reversing drops the column, so there is nothing to undo.
        migrations.RunPython(count_enrollments, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="course",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("capacity__isnull", True), ("enrolled_count__lte", models.F("capacity")), _connector="OR"
                ),
                name="course_enrolled_within_capacity",
            ),
        ),
    ]
