"""Registrar staff in the Django admin: the same enrollment rules as the API."""

import pytest
from django.contrib.messages import get_messages

from courses.models import Course
from courses.tests.factories import CourseFactory
from students.models import Enrollment, Student
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar_admin(client, make_user):
    user = make_user(group="Registrar")
    user.is_staff = True
    user.save()
    client.force_login(user)
    return client


def student_form(student, new_course_ids=(), delete_course_ids=()):
    """The POST of the student change form, with the enrollments inline."""
    existing = list(student.enrollments.order_by("pk"))
    data = {
        "first_name": student.first_name,
        "last_name": student.last_name,
        "email": student.email,
        "enrollments-TOTAL_FORMS": str(len(existing) + len(new_course_ids)),
        "enrollments-INITIAL_FORMS": str(len(existing)),
        "enrollments-MIN_NUM_FORMS": "0",
        "enrollments-MAX_NUM_FORMS": "1000",
    }
    for index, enrollment in enumerate(existing):
        data[f"enrollments-{index}-id"] = str(enrollment.pk)
        data[f"enrollments-{index}-student"] = str(student.pk)
        if enrollment.course_id in delete_course_ids:
            data[f"enrollments-{index}-DELETE"] = "on"
    for offset, course_id in enumerate(new_course_ids):
        index = len(existing) + offset
        data[f"enrollments-{index}-student"] = str(student.pk)
        data[f"enrollments-{index}-course"] = str(course_id)
    return data


def change_url(student):
    return f"/admin/students/student/{student.pk}/change/"


def test_enrolling_through_the_inline(registrar_admin):
    student, course = StudentFactory(), CourseFactory(capacity=1)
    response = registrar_admin.post(change_url(student), student_form(student, [course.pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(student.courses.all()) == [course]


def test_the_inline_refuses_a_full_course_with_a_form_error(registrar_admin):
    course = CourseFactory(code="FULL-1", title="Full", capacity=1)
    EnrollmentFactory(course=course)
    student = StudentFactory()
    response = registrar_admin.post(change_url(student), student_form(student, [course.pk]))
    assert response.status_code == 200
    assert "No seat left in FULL-1: Full" in response.content.decode()
    assert course.enrollments.count() == 1
    assert not student.enrollments.exists()


def test_the_inline_refuses_the_same_course_twice(registrar_admin):
    student, course = StudentFactory(), CourseFactory()
    response = registrar_admin.post(change_url(student), student_form(student, [course.pk, course.pk]))
    assert response.status_code == 200
    assert not student.enrollments.exists()


def test_deleting_an_inline_row_unenrolls(registrar_admin):
    enrollment = EnrollmentFactory()
    student = enrollment.student
    form = student_form(student, delete_course_ids=[enrollment.course_id])
    assert registrar_admin.post(change_url(student), form).status_code == 302
    assert not Enrollment.objects.exists()


def test_a_new_student_can_be_added_with_enrollments(registrar_admin):
    course = CourseFactory(capacity=3)
    data = {
        "first_name": "New",
        "last_name": "Student",
        "email": "NEW@example.edu",
        "enrollments-TOTAL_FORMS": "1",
        "enrollments-INITIAL_FORMS": "0",
        "enrollments-0-course": str(course.pk),
    }
    assert registrar_admin.post("/admin/students/student/add/", data).status_code == 302
    assert course.enrollments.get().student.email == "new@example.edu"


def test_a_seat_taken_between_check_and_save_is_refused_not_a_500(registrar_admin, monkeypatch):
    course = CourseFactory(capacity=1)
    student = StudentFactory()
    # The form's check passes; then someone else takes the last seat before the save.
    monkeypatch.setattr(
        "students.admin.enrollment_validate", lambda **kwargs: EnrollmentFactory(course=course)
    )
    response = registrar_admin.post(change_url(student), student_form(student, [course.pk]), follow=True)
    assert response.status_code == 200
    assert any("No seat left" in str(m) for m in get_messages(response.wsgi_request))
    # The whole save was rolled back (the stand-in enrollment too, made inside it).
    assert course.enrollments.count() <= course.capacity
    assert not student.enrollments.exists()


def enroll_action(client, students, course, apply=True):
    data = {"action": "enroll_in_course", "_selected_action": [str(s.pk) for s in students]}
    if apply:
        data.update(apply="Enroll", course=str(course.pk))
    return client.post("/admin/students/student/", data, follow=True)


def test_the_bulk_action_asks_for_a_course_first(registrar_admin):
    students = StudentFactory.create_batch(2)
    CourseFactory()
    response = enroll_action(registrar_admin, students, None, apply=False)
    assert "Enroll students in a course" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_the_bulk_action_enrolls_everyone(registrar_admin):
    students = StudentFactory.create_batch(3)
    course = CourseFactory(capacity=5)
    EnrollmentFactory(student=students[0], course=course)
    response = enroll_action(registrar_admin, students, course)
    assert "Enrolled 2 students" in response.content.decode()
    assert course.enrollments.count() == 3


def test_the_bulk_action_is_all_or_nothing_and_names_the_full_course(registrar_admin):
    students = StudentFactory.create_batch(3)
    course = CourseFactory(code="SEM-1", title="Seminar", capacity=2)
    response = enroll_action(registrar_admin, students, course)
    assert "No seat left in SEM-1: Seminar: nothing was enrolled." in response.content.decode()
    assert not course.enrollments.exists()


def test_course_list_shows_enrolled_and_seats_left_in_one_query(
    registrar_admin, django_assert_max_num_queries
):
    full = CourseFactory(code="AAA", capacity=2)
    EnrollmentFactory.create_batch(2, course=full)
    CourseFactory(code="BBB", capacity=None)
    page = registrar_admin.get("/admin/courses/course/").content.decode()
    assert "Enrolled" in page and "Seats left" in page and "unlimited" in page
    Course.objects.bulk_create([Course(code=f"X{i}", title="More") for i in range(40)])
    with django_assert_max_num_queries(12) as few:
        registrar_admin.get("/admin/courses/course/")
    for i in range(40, 80):
        EnrollmentFactory(course=CourseFactory(code=f"Y{i}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        registrar_admin.get("/admin/courses/course/")


def test_course_has_seats_filter(registrar_admin):
    full = CourseFactory(code="FULLC", capacity=1)
    EnrollmentFactory(course=full)
    CourseFactory(code="OPENC", capacity=3)
    page = registrar_admin.get("/admin/courses/course/", {"has_seats": "true"}).content.decode()
    assert "OPENC" in page and "FULLC" not in page
    page = registrar_admin.get("/admin/courses/course/", {"has_seats": "false"}).content.decode()
    assert "FULLC" in page and "OPENC" not in page


def test_the_roster_shows_on_the_course_page(registrar_admin):
    enrollment = EnrollmentFactory(student=StudentFactory(last_name="Rostered"))
    page = registrar_admin.get(f"/admin/courses/course/{enrollment.course_id}/change/").content.decode()
    assert "Rostered" in page


def course_form(course, **changes):
    data = {
        "code": course.code,
        "title": course.title,
        "description": course.description,
        "credits": str(course.credits),
        "capacity": "" if course.capacity is None else str(course.capacity),
        "waitlist_capacity": "" if course.waitlist_capacity is None else str(course.waitlist_capacity),
        "enrollments-TOTAL_FORMS": "0",
        "enrollments-INITIAL_FORMS": "0",
        "waitlist_entries-TOTAL_FORMS": "0",
        "waitlist_entries-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_lowering_capacity_below_the_enrollment_is_a_form_error(registrar_admin):
    course = CourseFactory(capacity=5)
    EnrollmentFactory.create_batch(3, course=course)
    url = f"/admin/courses/course/{course.pk}/change/"
    response = registrar_admin.post(url, course_form(course, capacity="2"))
    assert response.status_code == 200
    assert "below the 3 students already enrolled" in response.content.decode()
    course.refresh_from_db()
    assert course.capacity == 5
    assert registrar_admin.post(url, course_form(course, capacity="3")).status_code == 302


def test_a_course_with_students_is_not_deleted(registrar_admin):
    course = EnrollmentFactory().course
    registrar_admin.post(f"/admin/courses/course/{course.pk}/delete/", {"post": "yes"})
    assert Course.objects.filter(pk=course.pk).exists()


def test_student_search_and_course_filter(registrar_admin):
    course = CourseFactory()
    inside = StudentFactory(last_name="Inside", email="in@example.edu")
    StudentFactory(last_name="Outside", email="out@example.edu")
    EnrollmentFactory(student=inside, course=course)
    page = registrar_admin.get("/admin/students/student/", {"courses__id__exact": course.pk}).content.decode()
    assert "Inside" in page and "Outside" not in page
    page = registrar_admin.get("/admin/students/student/", {"q": "out@"}).content.decode()
    assert "Outside" in page and "Inside" not in page


def test_staff_without_permissions_see_nothing(client, make_user):
    user = make_user()
    user.is_staff = True
    user.save()
    client.force_login(user)
    index = client.get("/admin/").content.decode()
    assert "/admin/students/student/" not in index and "/admin/courses/course/" not in index
    assert client.get("/admin/students/student/").status_code == 403
    assert client.get("/admin/courses/course/").status_code == 403


def test_the_enroll_action_needs_add_enrollment(client, make_user):
    user = make_user("students.view_student", "students.change_student")
    user.is_staff = True
    user.save()
    client.force_login(user)
    page = client.get("/admin/students/student/").content.decode()
    assert "enroll_in_course" not in page
    student, course = StudentFactory(), CourseFactory()
    enroll_action(client, [student], course)
    assert not Enrollment.objects.exists()


def test_registrars_link_a_student_to_an_account_and_a_course_to_its_instructors(
    admin_client_logged_in, make_user
):
    student, course, account, teacher = StudentFactory(), CourseFactory(capacity=5), make_user(), make_user()
    page = admin_client_logged_in.get(f"/admin/students/student/{student.pk}/change/").content.decode()
    assert 'name="user"' in page
    form = {
        "first_name": student.first_name,
        "last_name": student.last_name,
        "email": student.email,
        "user": account.pk,
        "enrollments-TOTAL_FORMS": 0,
        "enrollments-INITIAL_FORMS": 0,
    }
    response = admin_client_logged_in.post(f"/admin/students/student/{student.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Student.objects.get(pk=student.pk).user == account
    form = {
        "code": course.code,
        "title": course.title,
        "description": "",
        "credits": course.credits,
        "capacity": 4,
        "waitlist_capacity": 0,
        "instructors": [teacher.pk],
        "enrollments-TOTAL_FORMS": 0,
        "enrollments-INITIAL_FORMS": 0,
        "waitlist_entries-TOTAL_FORMS": 0,
        "waitlist_entries-INITIAL_FORMS": 0,
    }
    response = admin_client_logged_in.post(f"/admin/courses/course/{course.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    course = Course.objects.get(pk=course.pk)
    assert (course.capacity, list(course.instructors.all())) == (4, [teacher])


def test_the_admin_records_its_changes_as_the_staff_user_through_the_admin(registrar_admin):
    from students.models import EnrollmentEvent

    student, course = StudentFactory(), CourseFactory()
    registrar_admin.post(change_url(student), student_form(student, [course.pk]))
    registrar_admin.post(change_url(student), student_form(student, delete_course_ids=[course.pk]))
    user = registrar_admin.session["_auth_user_id"]
    username = type(student).user.field.related_model.objects.get(pk=user).username
    rows = list(EnrollmentEvent.objects.values_list("action", "actor", "source"))
    assert rows == [("enrolled", username, "admin"), ("dropped", username, "admin")]


def test_the_course_page_shows_its_waitlist_in_order_and_the_list_counts_it(registrar_admin):
    from students.models import WaitlistEntry

    course = CourseFactory(code="LINE-2", title="Line", capacity=1, waitlist_capacity=3)
    EnrollmentFactory(course=course)
    first, second = StudentFactory(last_name="Firstinline"), StudentFactory(last_name="Secondinline")
    WaitlistEntry.objects.create(student=first, course=course)
    WaitlistEntry.objects.create(student=second, course=course)
    page = registrar_admin.get(f"/admin/courses/course/{course.pk}/change/").content.decode()
    assert "waitlist (first in line first)" in page.lower()
    assert page.index("Firstinline") < page.index("Secondinline")
    listing = registrar_admin.get("/admin/courses/course/").content.decode()
    assert "Waiting" in listing


def test_the_history_is_readable_and_shows_a_promotion(registrar_admin):
    from students.models import WaitlistEntry
    from students.services import enrollment_delete

    course = CourseFactory(capacity=1, waitlist_capacity=3)
    holder = StudentFactory()
    EnrollmentFactory(student=holder, course=course)
    waiting = StudentFactory()
    WaitlistEntry.objects.create(student=waiting, course=course)
    enrollment_delete(student=holder, course_id=course.pk)
    page = registrar_admin.get("/admin/students/enrollmentevent/", {"action": "promoted"}).content.decode()
    assert "promoted" in page
    assert registrar_admin.get("/admin/students/enrollmentevent/add/").status_code == 403


def test_a_window_that_closes_before_it_opens_is_a_form_error(registrar_admin):
    course = CourseFactory()
    data = course_form(
        course,
        enrollment_opens_at_0="2027-01-10",
        enrollment_opens_at_1="08:00:00",
        enrollment_closes_at_0="2027-01-09",
        enrollment_closes_at_1="08:00:00",
    )
    response = registrar_admin.post(f"/admin/courses/course/{course.pk}/change/", data)
    assert response.status_code == 200
    assert "must open before it closes" in response.content.decode()
