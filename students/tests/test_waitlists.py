"""Waitlists and enrollment windows: joining, leaving, first-come promotion that nobody jumps,
and windows that bind students, not registrars."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from courses.models import Course
from courses.tests.factories import CourseFactory
from school.tests.problems import assert_problem, error_fields
from students.models import Enrollment, EnrollmentEvent, WaitlistEntry
from students.services import enrollment_delete, student_delete, waitlist_join
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


def waitlist_url(student):
    return f"/api/v1/students/{student.pk}/waitlist/"


def join(client, student, course):
    return client.post(waitlist_url(student), {"course_id": course.pk}, format="json")


@pytest.fixture
def full_course():
    """One seat, taken; up to three may wait."""
    course = CourseFactory(capacity=1, waitlist_capacity=3)
    EnrollmentFactory(course=course)
    return course


def waiting(course):
    return list(
        WaitlistEntry.objects.filter(course=course).order_by("id").values_list("student_id", flat=True)
    )


def enrolled(course):
    return set(Enrollment.objects.filter(course=course).values_list("student_id", flat=True))


def test_joining_a_full_course_puts_students_in_line(registrar, full_course):
    first, second = StudentFactory(), StudentFactory()
    response = join(registrar, first, full_course)
    assert response.status_code == 201
    assert response["Location"].endswith(waitlist_url(first))
    body = response.json()
    assert (body["course_id"], body["status"], body["position"]) == (full_course.pk, "waitlisted", 1)
    assert join(registrar, second, full_course).json()["position"] == 2
    again = join(registrar, first, full_course)
    assert again.status_code == 200 and again.json() == body
    assert waiting(full_course) == [first.pk, second.pk]
    full_course.refresh_from_db()
    assert full_course.waitlist_count == 2
    listed = registrar.get(waitlist_url(second)).json()
    assert [(e["course_id"], e["position"]) for e in listed["results"]] == [(full_course.pk, 2)]
    line = registrar.get(f"/api/v1/courses/{full_course.pk}/waitlist/").json()
    assert [(s["id"], s["position"]) for s in line["results"]] == [(first.pk, 1), (second.pk, 2)]
    assert set(line["results"][0]) >= {"first_name", "email", "username", "joined_at"}


def test_joining_with_a_free_seat_and_nobody_waiting_enrolls_at_once(registrar):
    course, student = CourseFactory(capacity=2, waitlist_capacity=0), StudentFactory()
    body = join(registrar, student, course).json()
    assert (body["status"], body["position"]) == ("enrolled", None)
    assert enrolled(course) == {student.pk} and not waiting(course)


def test_the_refusals_of_joining(registrar, full_course):
    student = StudentFactory()
    enrolled_student = Enrollment.objects.get(course=full_course).student
    assert_problem(join(registrar, enrolled_student, full_course), 409, "already_enrolled")
    no_waitlist = CourseFactory(capacity=1, waitlist_capacity=0)
    EnrollmentFactory(course=no_waitlist)
    assert_problem(join(registrar, student, no_waitlist), 409, "waitlist_full")
    for _ in range(3):
        join(registrar, StudentFactory(), full_course)
    assert_problem(join(registrar, student, full_course), 409, "waitlist_full")
    body = assert_problem(
        registrar.post(waitlist_url(student), {"course_id": 10**9}, format="json"), 400, "unknown_course"
    )
    assert body["invalid_course_ids"] == [10**9]
    body = assert_problem(
        registrar.post(waitlist_url(student), {"course_id": "1"}, format="json"), 400, "validation_error"
    )
    assert error_fields(body) == {"course_id"}
    assert_problem(join(registrar, type(student)(pk=10**9), full_course), 404, "not_found")


def test_a_drop_promotes_the_first_in_line_with_its_events(registrar, full_course):
    first, second = StudentFactory(), StudentFactory()
    join(registrar, first, full_course)
    join(registrar, second, full_course)
    holder = Enrollment.objects.get(course=full_course).student
    assert registrar.delete(f"/api/v1/students/{holder.pk}/courses/{full_course.pk}/").status_code == 204
    assert enrolled(full_course) == {first.pk}
    assert waiting(full_course) == [second.pk]
    assert registrar.get(waitlist_url(second)).json()["results"][0]["position"] == 1
    tail = list(EnrollmentEvent.objects.order_by("-id").values_list("student_id", "action")[:3])[::-1]
    assert tail == [(holder.pk, "dropped"), (first.pk, "promoted"), (first.pk, "enrolled")]
    full_course.refresh_from_db()
    assert (full_course.enrolled_count, full_course.waitlist_count) == (1, 1)


def test_raising_or_removing_the_capacity_promotes(registrar, full_course):
    line = [StudentFactory() for _ in range(3)]
    for student in line:
        join(registrar, student, full_course)
    registrar.patch(f"/api/v1/courses/{full_course.pk}/", {"capacity": 2}, format="json")
    assert waiting(full_course) == [line[1].pk, line[2].pk]
    registrar.patch(f"/api/v1/courses/{full_course.pk}/", {"capacity": None}, format="json")
    assert not waiting(full_course) and enrolled(full_course) >= {s.pk for s in line}


def test_deleting_a_student_frees_their_seat_and_their_places(full_course):
    holder = Enrollment.objects.get(course=full_course).student
    other_full = CourseFactory(capacity=1, waitlist_capacity=5)
    EnrollmentFactory(course=other_full)
    next_in_line = StudentFactory()
    waitlist_join(student=next_in_line, course_id=full_course.pk)
    waitlist_join(student=holder, course_id=other_full.pk)
    holder_pk = holder.pk
    student_delete(student=holder)
    assert enrolled(full_course) == {next_in_line.pk}
    assert not waiting(other_full)
    assert EnrollmentEvent.objects.filter(student_id=holder_pk, action="left_waitlist").count() == 1


def test_nobody_jumps_the_queue_by_enrolling(registrar, full_course):
    waiting_student, jumper = StudentFactory(), StudentFactory()
    join(registrar, waiting_student, full_course)
    body = assert_problem(
        registrar.post(
            f"/api/v1/students/{jumper.pk}/courses/", {"course_ids": [full_course.pk]}, format="json"
        ),
        409,
        "course_full",
    )
    assert body["waitlist_available"] is True
    for _ in range(2):
        join(registrar, StudentFactory(), full_course)
    body = assert_problem(
        registrar.post(
            f"/api/v1/students/{jumper.pk}/courses/", {"course_ids": [full_course.pk]}, format="json"
        ),
        409,
        "course_full",
    )
    assert "waitlist_available" not in body


def test_leaving(registrar, full_course):
    student = StudentFactory()
    join(registrar, student, full_course)
    url = f"{waitlist_url(student)}{full_course.pk}/"
    assert registrar.delete(url).status_code == 204
    assert not waiting(full_course)
    assert EnrollmentEvent.objects.filter(student_id=student.pk).last().action == "left_waitlist"
    assert_problem(registrar.delete(url), 404, "not_found")


def test_deleting_a_course_without_students_removes_its_line(registrar):
    course = CourseFactory(capacity=1, waitlist_capacity=2)
    holder = StudentFactory()
    EnrollmentFactory(student=holder, course=course)
    waiting_student = StudentFactory()
    join(registrar, waiting_student, course)
    assert_problem(registrar.delete(f"/api/v1/courses/{course.pk}/"), 409, "course_has_enrollments")
    Course.objects.filter(pk=course.pk).update(capacity=1)
    # Dropping promotes the waiting student; once they drop too, the course may go.
    enrollment_delete(student=holder, course_id=course.pk)
    enrollment_delete(student=waiting_student, course_id=course.pk)
    assert registrar.delete(f"/api/v1/courses/{course.pk}/").status_code == 204


def test_deleting_a_course_with_only_a_line_writes_left_waitlist(full_course):
    from courses.services import course_delete

    course = CourseFactory(capacity=1, waitlist_capacity=2)
    student = StudentFactory()
    EnrollmentFactory(course=course)
    waitlist_join(student=student, course_id=course.pk)
    Enrollment.objects.filter(course=course).delete()  # promotes the student
    enrollment_delete(student=student, course_id=course.pk)
    assert not waiting(course)
    line_only = CourseFactory(capacity=1, waitlist_capacity=2)
    EnrollmentFactory(course=line_only)
    other = StudentFactory()
    waitlist_join(student=other, course_id=line_only.pk)
    with pytest.raises(Exception):  # noqa: B017 - it still has its student
        course_delete(course=line_only)
    assert waiting(line_only) == [other.pk]


def test_a_waitlist_capacity_below_those_waiting_is_400(registrar, full_course):
    for _ in range(2):
        join(registrar, StudentFactory(), full_course)
    body = assert_problem(
        registrar.patch(f"/api/v1/courses/{full_course.pk}/", {"waitlist_capacity": 1}, format="json"),
        400,
        "validation_error",
    )
    assert error_fields(body) == {"waitlist_capacity"}
    assert (
        registrar.patch(
            f"/api/v1/courses/{full_course.pk}/", {"waitlist_capacity": 2}, format="json"
        ).status_code
        == 200
    )


def test_any_writer_gets_promotion_raw_sql_too(full_course):
    student = StudentFactory()
    waitlist_join(student=student, course_id=full_course.pk)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM student_courses WHERE course_id = %s", [full_course.pk])
    assert enrolled(full_course) == {student.pk} and not waiting(full_course)
    full_course.refresh_from_db()
    assert (full_course.enrolled_count, full_course.waitlist_count) == (1, 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the commit-time check is PostgreSQL's")
def test_the_database_refuses_a_free_seat_while_someone_waits():
    """A write around the promotion (here, a forged count of waiting students on a course with
    free seats) is refused when the transaction commits (checked now with SET CONSTRAINTS)."""
    course = CourseFactory(capacity=3, waitlist_capacity=5)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE courses_course SET waitlist_count = 1 WHERE id = %s", [course.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    course.refresh_from_db()
    assert course.waitlist_count == 0


def test_the_window_order_is_checked(registrar):
    now = datetime.now(UTC)
    body = assert_problem(
        registrar.post(
            "/api/v1/courses/",
            {
                "code": "WIN-1",
                "title": "Window",
                "enrollment_opens_at": (now + timedelta(days=2)).isoformat(),
                "enrollment_closes_at": (now + timedelta(days=1)).isoformat(),
            },
            format="json",
        ),
        400,
        "validation_error",
    )
    assert error_fields(body) == {"enrollment_closes_at"}


OPENS, CLOSES = datetime(2027, 1, 10, 8, tzinfo=UTC), datetime(2027, 1, 20, 18, tzinfo=UTC)


@pytest.fixture
def windowed(make_user, client_for):
    """A course open from OPENS to CLOSES (one seat), and a student user with their client."""
    course = CourseFactory(
        capacity=1, waitlist_capacity=5, enrollment_opens_at=OPENS, enrollment_closes_at=CLOSES
    )
    student = StudentFactory(user=make_user())
    return course, student, client_for(student.user)


@pytest.mark.parametrize("moment", [OPENS - timedelta(seconds=1), CLOSES, CLOSES + timedelta(days=3)])
def test_a_student_outside_the_window_gets_enrollment_closed(windowed, moment):
    course, student, client = windowed
    with time_machine.travel(moment, tick=False):
        for response in (
            client.post(
                f"/api/v1/students/{student.pk}/courses/", {"course_ids": [course.pk]}, format="json"
            ),
            join(client, student, course),
        ):
            body = assert_problem(response, 409, "enrollment_closed")
            assert body["enrollment_opens_at"] == "2027-01-10T08:00:00Z"
            assert body["enrollment_closes_at"] == "2027-01-20T18:00:00Z"
    assert not enrolled(course) and not waiting(course)


def test_a_student_who_may_enroll_anyone_is_not_bound_by_windows(make_user, client_for):
    """Whether a writer is bound is asked only when a window is closed: then it is still asked."""
    course = CourseFactory(
        capacity=1, waitlist_capacity=5, enrollment_opens_at=OPENS, enrollment_closes_at=CLOSES
    )
    student = StudentFactory(user=make_user("students.add_enrollment"))
    client = client_for(student.user)
    with time_machine.travel(CLOSES + timedelta(days=1), tick=False):
        url = f"/api/v1/students/{student.pk}/courses/"
        assert client.post(url, {"course_ids": [course.pk]}, format="json").status_code == 201
        assert client.delete(f"{url}{course.pk}/").status_code == 204
        assert join(client, student, course).json()["status"] == "enrolled"


def test_inside_the_window_a_student_enrolls_drops_and_waits(windowed, make_user, client_for):
    course, student, client = windowed
    with time_machine.travel(OPENS, tick=False):
        assert (
            client.post(
                f"/api/v1/students/{student.pk}/courses/", {"course_ids": [course.pk]}, format="json"
            ).status_code
            == 201
        )
    with time_machine.travel(CLOSES + timedelta(hours=1), tick=False):
        assert_problem(
            client.delete(f"/api/v1/students/{student.pk}/courses/{course.pk}/"), 409, "enrollment_closed"
        )
        # Registrars are not bound by windows.
        registrar = client_for(make_user(group="Registrar"))
        assert registrar.delete(f"/api/v1/students/{student.pk}/courses/{course.pk}/").status_code == 204
        other = StudentFactory()
        assert (
            registrar.post(
                f"/api/v1/students/{other.pk}/courses/", {"course_ids": [course.pk]}, format="json"
            ).status_code
            == 201
        )
