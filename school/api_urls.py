"""Every path of the API, version 1, in one place."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter
from rest_framework_nested.routers import NestedSimpleRouter

from courses.api.views import CourseViewSet
from school.auth import ObtainTokenView
from students.api.imports import import_view
from students.api.views import (
    CourseStudentViewSet,
    CourseWaitlistViewSet,
    EnrollmentEventViewSet,
    StudentCourseViewSet,
    StudentEventViewSet,
    StudentViewSet,
    StudentWaitlistViewSet,
)

router = DefaultRouter()
router.register("courses", CourseViewSet, basename="course")
router.register("students", StudentViewSet, basename="student")
router.register("enrollment-events", EnrollmentEventViewSet, basename="enrollment-event")

student_router = NestedSimpleRouter(router, "students", lookup="student")
student_router.register("courses", StudentCourseViewSet, basename="student-course")
student_router.register("events", StudentEventViewSet, basename="student-event")
student_router.register("waitlist", StudentWaitlistViewSet, basename="student-waitlist")

course_router = NestedSimpleRouter(router, "courses", lookup="course")
course_router.register("students", CourseStudentViewSet, basename="course-student")
course_router.register("waitlist", CourseWaitlistViewSet, basename="course-waitlist")

urlpatterns = [
    path("", include(router.urls)),
    path("", include(student_router.urls)),
    path("", include(course_router.urls)),
    path("imports/students/", import_view("students"), name="import-students"),
    path("imports/courses/", import_view("courses"), name="import-courses"),
    path("imports/enrollments/", import_view("enrollments"), name="import-enrollments"),
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]
