"""Enrolling, listing and unenrolling through /api/v1/students/{id}/courses/."""

import pytest

from courses.tests.factories import CourseFactory
from school.tests.problems import assert_problem, error_fields
from students.models import Enrollment
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

COURSE_ITEM_FIELDS = {
    "id",
    "code",
    "title",
    "description",
    "credits",
    "capacity",
    "enrolled_count",
    "waitlist_capacity",
    "waitlist_count",
    "enrollment_opens_at",
    "enrollment_closes_at",
    "instructor_usernames",
    "created_at",
    "updated_at",
    "enrolled_at",
}


def courses_url(student_id):
    return f"/api/v1/students/{student_id}/courses/"


@pytest.fixture
def student():
    return StudentFactory()


def enroll(client, student_id, course_ids):
    return client.post(courses_url(student_id), {"course_ids": course_ids}, format="json")


def test_enrolling_in_valid_courses_answers_201_with_the_courses_by_id(registrar, student):
    second, first = CourseFactory(), CourseFactory()
    response = enroll(registrar, student.pk, [second.pk, first.pk])
    assert response.status_code == 201
    body = response.json()
    assert [c["id"] for c in body] == sorted([first.pk, second.pk])
    assert set(body[0]) == COURSE_ITEM_FIELDS
    assert body[0]["enrolled_count"] == 1
    assert body[0]["enrolled_at"]
    assert set(student.courses.values_list("pk", flat=True)) == {first.pk, second.pk}


def test_re_enrolling_is_200_and_never_duplicates(registrar, student):
    course = CourseFactory()
    assert enroll(registrar, student.pk, [course.pk]).status_code == 201
    response = enroll(registrar, student.pk, [course.pk])
    assert response.status_code == 200
    assert [c["id"] for c in response.json()] == [course.pk]
    assert Enrollment.objects.count() == 1


def test_a_mix_of_new_and_existing_is_201_and_lists_all(registrar, student):
    old, new = CourseFactory(), CourseFactory()
    EnrollmentFactory(student=student, course=old)
    response = enroll(registrar, student.pk, [new.pk, old.pk])
    assert response.status_code == 201
    assert [c["id"] for c in response.json()] == [old.pk, new.pk]
    assert Enrollment.objects.count() == 2


def test_repeated_ids_count_once(registrar, student):
    course = CourseFactory()
    response = enroll(registrar, student.pk, [course.pk, course.pk, course.pk])
    assert response.status_code == 201
    assert len(response.json()) == 1
    assert Enrollment.objects.count() == 1


def test_enrolling_in_unknown_course_writes_nothing(registrar, student):
    course = CourseFactory()
    response = enroll(registrar, student.pk, [course.pk, 999_998, 999_997])
    body = assert_problem(response, 400, "unknown_course")
    assert body["invalid_course_ids"] == [999_997, 999_998]
    assert not Enrollment.objects.exists()


def test_unknown_student_is_404_even_with_a_bad_body(registrar):
    assert_problem(enroll(registrar, 424242, "not a list"), 404, "not_found")


def test_permission_comes_before_the_student_lookup(reader):
    assert_problem(enroll(reader, 424242, [1]), 403, "permission_denied")


def test_enrolling_needs_add_enrollment(make_user, client_for, student):
    course = CourseFactory()
    without = client_for(make_user("students.delete_enrollment", "students.change_student"))
    assert_problem(enroll(without, student.pk, [course.pk]), 403, "permission_denied")
    with_it = client_for(make_user("students.add_enrollment"))
    assert enroll(with_it, student.pk, [course.pk]).status_code == 201


def test_anonymous_is_401(api_client, student):
    assert_problem(enroll(api_client, student.pk, [1]), 401, "not_authenticated")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"course_ids": []},
        {"course_ids": None},
        {"course_ids": "1,2"},
        {"course_ids": 5},
        {"course_ids": {"1": 1}},
        {"course_ids": [[1]]},
        {"course_ids": [None]},
        {"course_ids": [True]},
        {"course_ids": [1.0]},
        {"course_ids": [1.5]},
        {"course_ids": ["1"]},
        {"course_ids": [0]},
        {"course_ids": [-3]},
        {"course_ids": [2**63]},
        {"course_ids": [10**30]},
        {"course_ids": list(range(1, 102))},
        {"courses": [1]},
    ],
)
def test_malformed_bodies_are_400_naming_course_ids(registrar, student, body):
    CourseFactory()
    response = registrar.post(courses_url(student.pk), body, format="json")
    problem = assert_problem(response, 400, "validation_error")
    assert {field.split(".")[0] for field in error_fields(problem)} == {"course_ids"}
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize("raw", ["[1, 2]", '"course_ids"', "null", "42"])
def test_bodies_that_are_not_objects_are_400(registrar, student, raw):
    response = registrar.generic("POST", courses_url(student.pk), raw, content_type="application/json")
    assert_problem(response, 400, "validation_error")


def test_malformed_json_is_parse_error(registrar, student):
    response = registrar.generic(
        "POST", courses_url(student.pk), '{"course_ids": [1,', content_type="application/json"
    )
    assert_problem(response, 400, "parse_error")


def test_a_hundred_courses_in_one_request(registrar, student):
    courses = CourseFactory.create_batch(100)
    response = enroll(registrar, student.pk, [c.pk for c in reversed(courses)])
    assert response.status_code == 201
    assert [c["id"] for c in response.json()] == [c.pk for c in courses]


def test_listing_returns_the_related_course_data_by_course_id(reader, student):
    later = CourseFactory(code="ZED1", title="Zoology", credits=4, capacity=10)
    earlier = CourseFactory(code="ALP1", title="Alpha")
    other = CourseFactory()
    EnrollmentFactory(student=student, course=later)
    EnrollmentFactory(student=student, course=earlier)
    EnrollmentFactory(course=later)  # someone else, counted in enrolled_count
    EnrollmentFactory(course=other)
    body = reader.get(courses_url(student.pk)).json()
    assert body["count"] == 2
    assert [c["id"] for c in body["results"]] == sorted([earlier.pk, later.pk])
    zoology = next(c for c in body["results"] if c["id"] == later.pk)
    assert zoology["code"] == "ZED1" and zoology["title"] == "Zoology" and zoology["credits"] == 4
    assert zoology["capacity"] == 10 and zoology["enrolled_count"] == 2
    assert set(zoology) == COURSE_ITEM_FIELDS


def test_listing_is_paginated(reader, student):
    for course in CourseFactory.create_batch(25):
        EnrollmentFactory(student=student, course=course)
    body = reader.get(courses_url(student.pk), {"page_size": 10, "page": 3}).json()
    assert body["count"] == 25
    assert len(body["results"]) == 5
    assert_problem(reader.get(courses_url(student.pk), {"page": 4, "page_size": 10}), 404, "not_found")


@pytest.mark.parametrize("student_id", ["424242", "99999999999999999999999"])
def test_listing_an_unknown_student_is_404(reader, student_id):
    assert_problem(reader.get(courses_url(student_id)), 404, "not_found")
    assert_problem(reader.get(f"{courses_url(student_id)}1/"), 404, "not_found")


def test_one_of_the_students_courses(reader, student):
    course = CourseFactory()
    enrollment = EnrollmentFactory(student=student, course=course)
    body = reader.get(f"{courses_url(student.pk)}{course.pk}/").json()
    assert body["id"] == course.pk
    assert body["enrolled_at"].replace("Z", "+00:00")[:19] == enrollment.enrolled_at.isoformat()[:19]
    assert_problem(reader.get(f"{courses_url(student.pk)}{CourseFactory().pk}/"), 404, "not_found")


def test_unenrolling(registrar, student):
    course = CourseFactory()
    EnrollmentFactory(student=student, course=course)
    assert registrar.delete(f"{courses_url(student.pk)}{course.pk}/").status_code == 204
    assert not Enrollment.objects.exists()
    assert_problem(registrar.delete(f"{courses_url(student.pk)}{course.pk}/"), 404, "not_found")


@pytest.mark.parametrize("course_id", ["999999", "99999999999999999999999"])
def test_unenrolling_where_not_enrolled_is_404(registrar, student, course_id):
    assert_problem(registrar.delete(f"{courses_url(student.pk)}{course_id}/"), 404, "not_found")


def test_unenrolling_needs_delete_enrollment(make_user, client_for, student):
    course = CourseFactory()
    EnrollmentFactory(student=student, course=course)
    client = client_for(make_user("students.add_enrollment"))
    assert_problem(client.delete(f"{courses_url(student.pk)}{course.pk}/"), 403, "permission_denied")
    assert Enrollment.objects.count() == 1


def test_deleting_a_student_deletes_their_enrollments(registrar, student):
    course = CourseFactory()
    EnrollmentFactory(student=student, course=course)
    assert registrar.delete(f"/api/v1/students/{student.pk}/").status_code == 204
    assert not Enrollment.objects.exists()


def test_the_roster_lists_students_by_id_with_enrolled_at(reader):
    course = CourseFactory()
    students = StudentFactory.create_batch(3)
    for s in reversed(students):
        EnrollmentFactory(student=s, course=course)
    EnrollmentFactory()  # another course's student
    body = reader.get(f"/api/v1/courses/{course.pk}/students/").json()
    assert body["count"] == 3
    assert [s["id"] for s in body["results"]] == [s.pk for s in students]
    assert set(body["results"][0]) == {
        "id",
        "first_name",
        "last_name",
        "email",
        "username",
        "created_at",
        "updated_at",
        "enrolled_at",
    }


@pytest.mark.parametrize("course_id", ["424242", "99999999999999999999999"])
def test_the_roster_of_an_unknown_course_is_404(reader, course_id):
    assert_problem(reader.get(f"/api/v1/courses/{course_id}/students/"), 404, "not_found")


def test_roster_needs_authentication(api_client):
    course = CourseFactory()
    assert_problem(api_client.get(f"/api/v1/courses/{course.pk}/students/"), 401, "not_authenticated")


def test_students_filtered_by_course(reader):
    course = CourseFactory()
    inside = StudentFactory.create_batch(2)
    StudentFactory()
    for s in inside:
        EnrollmentFactory(student=s, course=course)
    body = reader.get("/api/v1/students/", {"course": course.pk}).json()
    assert [s["id"] for s in body["results"]] == [s.pk for s in inside]
    assert reader.get("/api/v1/students/", {"course": 999999}).json()["count"] == 0


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", "99999999999999999999999"])
def test_a_malformed_course_filter_is_400(reader, value):
    body = assert_problem(reader.get("/api/v1/students/", {"course": value}), 400, "validation_error")
    assert error_fields(body) == {"course"}


def test_a_student_without_courses_has_an_empty_first_page(reader, student):
    body = reader.get(courses_url(student.pk)).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}
    assert_problem(reader.get(courses_url(student.pk), {"page": 2}), 404, "not_found")


def test_the_count_and_links_come_with_the_page(reader, student):
    for course in CourseFactory.create_batch(5):
        EnrollmentFactory(student=student, course=course)
    body = reader.get(courses_url(student.pk), {"page_size": 2, "page": 2}).json()
    assert body["count"] == 5
    assert "page=3" in body["next"] and "page_size=2" in body["next"]
    assert body["previous"] is not None


def test_a_201_names_the_students_courses_in_location(registrar):
    student, course = StudentFactory(), CourseFactory()
    response = registrar.post(courses_url(student.pk), {"course_ids": [course.pk]}, format="json")
    assert response.status_code == 201
    assert response["Location"] == f"http://testserver{courses_url(student.pk)}"
    again = registrar.post(courses_url(student.pk), {"course_ids": [course.pk]}, format="json")
    assert again.status_code == 200 and "Location" not in again
