"""fastpath.bulk against the plain ORM: the same rows, the same events, the same answers."""

import pytest
from django.db.models.functions import Lower, Upper
from django.utils import timezone

from courses.models import Course
from courses.tests.factories import CourseFactory
from school.fastpath import bulk
from students.models import Enrollment, EnrollmentEvent, Student
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def written():
    return (
        sorted(Enrollment.objects.values_list("student_id", "course_id", "enrolled_at")),
        sorted(EnrollmentEvent.objects.values_list("student_id", "course_id", "action")),
        sorted(Course.objects.values_list("pk", "enrolled_count")),
    )


def test_insert_rows_writes_what_bulk_create_writes(monkeypatch):
    students = StudentFactory.create_batch(7)
    courses = [CourseFactory(capacity=10) for _ in range(3)]
    at = timezone.now()
    rows = [(s.pk, c.pk, at) for s in students for c in courses]
    monkeypatch.setattr(bulk, "INSERT_CHUNK", 4)  # several statements
    bulk.insert_rows(Enrollment, ["student", "course", "enrolled_at"], rows)
    fast = written()
    Enrollment.objects.all().delete()
    before_events = EnrollmentEvent.objects.count()
    Enrollment.objects.bulk_create([Enrollment(student_id=s, course_id=c, enrolled_at=t) for s, c, t in rows])
    plain = written()
    assert fast[0] == plain[0]
    assert fast[2] == plain[2]
    enrolled = [event for event in plain[1] if event[2] == "enrolled"]
    assert len(enrolled) == 2 * len(rows) and len(fast[1]) == len(rows)
    assert EnrollmentEvent.objects.count() == before_events + len(rows)


def test_insert_rows_of_students_matches_the_orm():
    now = timezone.now()
    bulk.insert_rows(
        Student,
        ["email", "first_name", "last_name", "created_at", "updated_at"],
        [("a@x.edu", "A", "B", now, now)],
    )
    student = Student.objects.get()
    assert (student.email, student.first_name, student.last_name) == ("a@x.edu", "A", "B")
    # (SQLite's path is bulk_create, whose auto_now fields take the moment of the save.)
    assert abs((student.created_at - now).total_seconds()) < 5


@pytest.mark.parametrize(
    ("lookup", "values"),
    [
        ("pk", "ids"),
        ("email", ["student1@example.edu", "nobody@example.edu"]),
    ],
)
def test_any_of_answers_what_in_answers(lookup, values):
    students = StudentFactory.create_batch(5)
    if values == "ids":
        values = [students[0].pk, students[3].pk, 10**9]
    else:
        values = [students[1].email, "nobody@example.edu"]
    fast = set(Student.objects.filter(**{f"{lookup}__any_of": values}).values_list("pk", flat=True))
    plain = set(Student.objects.filter(**{f"{lookup}__in": values}).values_list("pk", flat=True))
    assert fast == plain and fast


def test_any_of_on_a_foreign_key_and_on_an_expression():
    course = CourseFactory(code="ANY-1")
    students = StudentFactory.create_batch(3)
    for student in students[:2]:
        Enrollment.objects.create(student=student, course=course)
    ids = [students[0].pk, students[2].pk]
    assert list(Enrollment.objects.filter(student_id__any_of=ids).values_list("student_id", flat=True)) == [
        students[0].pk
    ]
    upper = Course.objects.annotate(key=Upper("code")).filter(key__any_of=["ANY-1", "NONE"])
    assert list(upper.values_list("pk", flat=True)) == [course.pk]
    lower = Student.objects.annotate(key=Lower("email")).filter(key__any_of=[students[1].email])
    assert list(lower.values_list("pk", flat=True)) == [students[1].pk]
