"""A page read with its total in one query paginates as DRF's paginate_queryset does
(school/fastpath/pagination.py): the same count, links and rows, and the same 404s."""

import pytest
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from courses.tests.factories import CourseFactory
from school.fastpath.student_courses import student_course_page
from school.pagination import PagePagination
from students.api.serializers import StudentCourseSerializer
from students.selectors import student_course_list
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


def paginated(query, paginate):
    """The response data of one page, or the NotFound it raised."""
    request = Request(APIRequestFactory().get("/api/v1/students/1/courses/", query))
    paginator = PagePagination()
    try:
        page = paginate(paginator, request)
    except NotFound as error:
        return ("404", str(error.detail))
    return paginator.get_paginated_response(StudentCourseSerializer(page, many=True).data).data


QUERIES = [
    {},
    {"page_size": 1},
    {"page_size": 3},
    {"page_size": 3, "page": 2},
    {"page_size": 3, "page": 3},
    {"page_size": 3, "page": 4},  # past the end
    {"page": 2},
    {"page_size": 100},
    {"page_size": 500, "page": 1},  # capped at 100
]


@pytest.mark.parametrize("courses", [0, 1, 7])
@pytest.mark.parametrize("query", QUERIES)
def test_paginate_rows_answers_what_paginate_queryset_answers(courses, query):
    student = StudentFactory()
    for course in CourseFactory.create_batch(courses, capacity=None):
        EnrollmentFactory(student=student, course=course)

    def plain(paginator, request):
        return paginator.paginate_queryset(student_course_list(student_id=student.pk), request)

    def one_query(paginator, request):
        return paginator.paginate_rows(
            request,
            lambda offset, limit: student_course_page(student_id=student.pk, offset=offset, limit=limit),
            lambda: student_course_list(student_id=student.pk),
        )

    expected = paginated(query, plain)
    assert paginated(query, one_query) == expected
    if courses and not query.get("page", 1) > 1:
        assert expected["count"] == courses and expected["results"]
