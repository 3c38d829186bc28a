"""PlainReadMixin renders exactly what DRF's own fields would (school/fastpath/render.py)."""

import pytest
from rest_framework import serializers

from courses.api.serializers import CourseSerializer
from courses.selectors import course_list
from courses.tests.factories import CourseFactory
from students.api.serializers import CourseStudentSerializer, StudentCourseSerializer, StudentSerializer
from students.selectors import course_roster, student_course_list
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


def drf_rendering(serializer_class, instance):
    return serializers.ModelSerializer.to_representation(serializer_class(), instance)


@pytest.mark.parametrize("capacity", [None, 30])
def test_plain_rendering_equals_drf_rendering(capacity):
    course = CourseFactory(capacity=capacity, description="Some text")
    student = StudentFactory()
    EnrollmentFactory(student=student, course=course)
    cases = [
        (CourseSerializer, course_list().get(pk=course.pk)),
        (StudentSerializer, student),
        (StudentCourseSerializer, student_course_list(student_id=student.pk).get()),
        (CourseStudentSerializer, course_roster(course=course).get()),
    ]
    for serializer_class, instance in cases:
        fast = serializer_class().to_representation(instance)
        assert fast == drf_rendering(serializer_class, instance)
        assert fast["created_at"].endswith("Z")
