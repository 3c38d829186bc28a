from functools import partial

from django.db import router
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.reverse import reverse

from courses.models import Course
from school.conditional import ConditionalMixin
from school.csv_export import CSVExportMixin
from school.fastpath.enrollment import place_in_line
from school.fastpath.student_courses import student_course_page, student_courses_among
from school.idempotency import IdempotentPostMixin
from school.ids import MAX_ID, is_valid_id
from school.locations import LOCATION_HEADER, CreatedLocationMixin
from school.pagination import whole_number_param
from school.schema import FORMAT_PARAMETER, csv_example, problem_example, problem_responses
from students.access import (
    EventFeedAccess,
    RosterAccess,
    StudentCourseAccess,
    StudentHistoryAccess,
    StudentRecordAccess,
    StudentWaitlistAccess,
    bound_by_windows,
    own_student_id,
    visible_students,
)
from students.api.filters import StudentFilter
from students.api.serializers import (
    CourseStudentSerializer,
    CourseWaitlistStudentSerializer,
    EnrollmentEventSerializer,
    EnrollmentRequestSerializer,
    EventFeedSerializer,
    RosterRequestSerializer,
    StudentCourseSerializer,
    StudentSerializer,
    WaitlistEntrySerializer,
    WaitlistJoinSerializer,
)
from students.models import Student
from students.selectors import (
    course_roster,
    course_roster_enrollments,
    course_waitlist,
    event_feed,
    student_count,
    student_course_list,
    student_events,
    student_list,
    student_waitlist,
)
from students.services import (
    WAITLISTED,
    enrollment_create,
    enrollment_delete,
    enrollments_change,
    student_delete,
    waitlist_join,
    waitlist_leave,
)

ID_PATTERN = r"[0-9]+"
MAX_FEED_LIMIT = 1000


class OfOneStudentMixin:
    """For a viewset under `/students/{student_id}/`: the student of the URL, 404 if none."""

    def student_id(self):
        student_id = int(self.kwargs["student_id"])
        if not is_valid_id(student_id):
            raise Http404  # larger than any id: some databases refuse to even compare it
        return student_id

    def get_student(self):
        if not hasattr(self, "_student"):
            self._student = get_object_or_404(Student, pk=self.student_id())
        return self._student

    def student_to_write(self):
        """The student of the URL, for a service that locks its row and answers StudentNotFound
        (404) itself when it is gone. A student user writing their own needs no read first:
        authentication found their student with the token. Anyone else's is looked up (404 when
        there is none), so that a missing student answers before a bad body does."""
        student_id = self.student_id()
        if own_student_id(self.request.user) != student_id:
            return self.get_student()
        return Student.from_db(router.db_for_write(Student), ["id"], [student_id])  # other fields deferred


@extend_schema_view(
    list=extend_schema(
        description="Students: their names and emails, and the account each signs in with; by id "
        "unless `ordering` says otherwise. As CSV (`Accept: text/csv` or `format=csv`): every "
        "student the filters select, in the same order, not one page; columns "
        "`id,first_name,last_name,email`.",
        parameters=[FORMAT_PARAMETER],
        examples=[
            csv_example(
                "Students as CSV",
                "id,first_name,last_name,email\r\n41,Ada,Lovelace,ada@example.edu\r\n",
            )
        ],
    ),
    create=extend_schema(parameters=[LOCATION_HEADER]),
)
class StudentViewSet(
    CSVExportMixin, IdempotentPostMixin, ConditionalMixin, CreatedLocationMixin, viewsets.ModelViewSet
):
    """Students: their names and emails, and the account each signs in with."""

    serializer_class = StudentSerializer
    permission_classes = [StudentRecordAccess]
    filterset_class = StudentFilter
    lookup_url_kwarg = "id"
    lookup_value_regex = ID_PATTERN
    csv_header = ("id", "first_name", "last_name", "email")

    def get_queryset(self):
        # Reads show what the caller may read; a write was allowed by its model permission.
        if self.request.method in SAFE_METHODS:
            return visible_students(self.request.user, student_list())
        return student_list()

    def perform_destroy(self, instance):
        student_delete(student=instance)

    def csv_queryset(self):
        return self.filter_queryset(self.get_queryset())

    def csv_filename(self):
        return "students.csv"

    def known_count(self, queryset):
        """The unfiltered list's length is the stored student count (no COUNT(*) per page)."""
        return None if queryset.query.where else student_count()


STUDENT_ID = OpenApiParameter("student_id", int, OpenApiParameter.PATH, description="The student's id.")
COURSE_ID = OpenApiParameter("course_id", int, OpenApiParameter.PATH, description="The course's id.")
ENROLLED_EXAMPLE = [
    {
        "id": 7,
        "code": "CS-101",
        "title": "Introduction to Computing",
        "description": "",
        "credits": 5,
        "capacity": 30,
        "enrolled_count": 12,
        "instructor_usernames": ["grace"],
        "created_at": "2026-09-01T08:00:00Z",
        "updated_at": "2026-09-01T08:00:00Z",
        "enrolled_at": "2026-11-27T09:30:00Z",
    }
]


NOT_FOUND_EXAMPLE = problem_example("Not found", "not_found", "Not found.")


@extend_schema(parameters=[STUDENT_ID])
@extend_schema_view(
    list=extend_schema(
        summary="List a student's courses",
        description="By course id, each with `enrolled_at`. 404 when there is no such student.",
        examples=[
            OpenApiExample("A student's courses", value=ENROLLED_EXAMPLE[0], response_only=True),
            NOT_FOUND_EXAMPLE,
        ],
    ),
    retrieve=extend_schema(
        summary="One of a student's courses",
        description="404 when there is no such student, or the student is not enrolled in the course.",
        parameters=[COURSE_ID],
        examples=[
            OpenApiExample("One of a student's courses", value=ENROLLED_EXAMPLE[0], response_only=True),
            NOT_FOUND_EXAMPLE,
        ],
    ),
    create=extend_schema(
        summary="Enroll a student in courses",
        description=(
            "All or nothing: either every listed course ends up enrolled, or nothing is written. "
            "Checks, first failure answers: 401/403, student exists (404), body (400 "
            "validation_error), every id is a course (400 unknown_course with "
            "`invalid_course_ids`), seats (409 course_full with `full_course_ids`; only "
            "enrollments this request would newly create count). 201 if at least one enrollment "
            "was created, 200 if all already existed. The body is the list of the requested "
            "courses as the student's courses, by course id (not a paginated page)."
        ),
        request=EnrollmentRequestSerializer,
        parameters=[LOCATION_HEADER],
        responses={
            201: OpenApiResponse(StudentCourseSerializer(many=True), description="Enrolled (something new)."),
            200: OpenApiResponse(StudentCourseSerializer(many=True), description="Already enrolled in all."),
            **problem_responses(
                "validation_error", "parse_error", "unknown_course", "not_found", "course_full"
            ),
        },
        examples=[
            OpenApiExample("Enroll in two courses", value={"course_ids": [7, 12]}, request_only=True),
            OpenApiExample(
                "Enrolled", value=ENROLLED_EXAMPLE, response_only=True, status_codes=["201", "200"]
            ),
            problem_example(
                "Unknown course", "unknown_course", "No course has the id 999.", invalid_course_ids=[999]
            ),
            problem_example(
                "Course full",
                "course_full",
                "No seat is left for this request in course 7; nothing was enrolled.",
                full_course_ids=[7],
            ),
        ],
    ),
    destroy=extend_schema(
        summary="Unenroll a student from a course",
        parameters=[COURSE_ID],
        responses={
            204: OpenApiResponse(description="Unenrolled."),
            **problem_responses("not_found"),
        },
        examples=[NOT_FOUND_EXAMPLE],
    ),
)
class StudentCourseViewSet(
    OfOneStudentMixin,
    IdempotentPostMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A student's courses: `/students/{student_id}/courses/`."""

    serializer_class = StudentCourseSerializer
    permission_classes = [StudentCourseAccess]
    lookup_url_kwarg = "course_id"
    lookup_value_regex = ID_PATTERN
    filter_backends = []

    def get_queryset(self):
        return student_course_list(student_id=self.student_id())

    def list(self, request, *args, **kwargs):
        # The API's hottest read: the page and the total in one precompiled query (a student has
        # at most a few hundred courses, so the window count is cheap); no student lookup unless
        # the page is empty.
        student_id = self.student_id()
        page = self.paginator.paginate_rows(
            request,
            lambda offset, limit: student_course_page(student_id=student_id, offset=offset, limit=limit),
            self.get_queryset,
        )
        if not page:
            self.get_student()  # an empty list, or no such student (404)?
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        self.get_student()
        return super().retrieve(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        student = self.student_to_write()
        body = EnrollmentRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = enrollment_create(
            student=student,
            course_ids=body.validated_data["course_ids"],
            within_windows=partial(bound_by_windows, request.user),
        )
        courses = student_courses_among(student_id=student.pk, course_ids=result.course_ids)
        if not result.created:
            return Response(StudentCourseSerializer(courses, many=True).data, status=status.HTTP_200_OK)
        location = reverse("student-course-list", kwargs={"student_id": student.pk}, request=request)
        return Response(
            StudentCourseSerializer(courses, many=True).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )

    def destroy(self, request, *args, **kwargs):
        enrollment_delete(
            student=self.get_student(),
            course_id=int(self.kwargs["course_id"]),
            within_windows=partial(bound_by_windows, request.user),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


ROSTER_EXAMPLE = {
    "id": 41,
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.edu",
    "username": "ada",
    "created_at": "2026-09-01T08:00:00Z",
    "updated_at": "2026-09-01T08:00:00Z",
    "enrolled_at": "2026-11-27T09:30:00Z",
}


@extend_schema(parameters=[COURSE_ID])
@extend_schema_view(
    list=extend_schema(
        summary="A course's roster",
        description="By student id, each with `enrolled_at`. 404 when there is no such course. As "
        "CSV (`Accept: text/csv` or `format=csv`): every student of the course, not one page; "
        "columns `id,first_name,last_name,email,enrolled_at`.",
        parameters=[FORMAT_PARAMETER],
        examples=[
            OpenApiExample("A course's student", value=ROSTER_EXAMPLE, response_only=True),
            csv_example(
                "A course's roster as CSV",
                "id,first_name,last_name,email,enrolled_at\r\n"
                "41,Ada,Lovelace,ada@example.edu,2026-11-27T09:30:00Z\r\n",
            ),
            NOT_FOUND_EXAMPLE,
        ],
    ),
    create=extend_schema(
        summary="Enroll students in a course (bulk roster)",
        description=(
            "All or nothing: either every listed student ends up enrolled, or nothing is written. "
            "Checks, first failure answers: 401/403, course exists (404), body (400 "
            "validation_error), every id is a student (400 unknown_student with "
            "`invalid_student_ids`), seats (409 course_full with `seats_left`; only enrollments "
            "this request would newly create count, and nobody passes students on the waitlist). "
            "201 if at least one enrollment was "
            "created, 200 if all already existed. The body is those students' roster entries, by "
            "student id (not a paginated page)."
        ),
        request=RosterRequestSerializer,
        parameters=[LOCATION_HEADER],
        responses={
            201: OpenApiResponse(CourseStudentSerializer(many=True), description="Enrolled (someone new)."),
            200: OpenApiResponse(
                CourseStudentSerializer(many=True), description="All were enrolled already."
            ),
            **problem_responses(
                "validation_error",
                "parse_error",
                "unknown_course",
                "unknown_student",
                "not_found",
                "course_full",
            ),
        },
        examples=[
            OpenApiExample("Enroll three students", value={"student_ids": [41, 42, 43]}, request_only=True),
            OpenApiExample(
                "Enrolled", value=[ROSTER_EXAMPLE], response_only=True, status_codes=["201", "200"]
            ),
            problem_example(
                "Unknown student", "unknown_student", "No student has the id 999.", invalid_student_ids=[999]
            ),
            problem_example(
                "Course full",
                "course_full",
                "No seat is left for this request in course 7; nothing was enrolled.",
                full_course_ids=[7],
                seats_left=2,
            ),
        ],
    ),
)
class CourseStudentViewSet(
    CSVExportMixin,
    IdempotentPostMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """A course's students: `/courses/{course_id}/students/`."""

    serializer_class = CourseStudentSerializer
    permission_classes = [RosterAccess]
    filter_backends = []
    csv_header = ("id", "first_name", "last_name", "email", "enrolled_at")
    csv_columns = ("student_id", "student__first_name", "student__last_name", "student__email", "enrolled_at")

    def get_course(self):
        if not hasattr(self, "_course"):
            self._course = get_object_or_404(Course, pk=self.kwargs["course_id"])
        return self._course

    def get_queryset(self):
        return course_roster(course=self.get_course())

    def csv_queryset(self):
        # The same students as the JSON roster, read as enrollments: continuing from a student id
        # is then a range of the index on (course_id, student_id).
        return course_roster_enrollments(course=self.get_course())

    def csv_filename(self):
        course = self.get_course()
        return f"course-{course.code or course.pk}-roster.csv"

    def create(self, request, *args, **kwargs):
        course = self.get_course()
        body = RosterRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        student_ids = sorted(set(body.validated_data["student_ids"]))
        result = enrollments_change(enroll=[(student_id, course.pk) for student_id in student_ids])
        entries = CourseStudentSerializer(self.get_queryset().filter(pk__in=student_ids), many=True).data
        if not result.enrolled:
            return Response(entries, status=status.HTTP_200_OK)
        location = reverse("course-student-list", kwargs={"course_id": course.pk}, request=request)
        return Response(entries, status=status.HTTP_201_CREATED, headers={"Location": location})


EVENT_EXAMPLE = {
    "id": 1042,
    "student_id": 41,
    "course_id": 7,
    "action": "enrolled",
    "at": "2026-11-27T09:30:00.123456Z",
    "actor": "registrar",
    "source": "api",
}


@extend_schema(parameters=[STUDENT_ID])
@extend_schema_view(
    list=extend_schema(
        summary="A student's enrollment history",
        description="Every change to the student's enrollments, oldest first: `enrolled`, `dropped` "
        "(also when the student was deleted). 404 when there is no such student.",
        examples=[OpenApiExample("An event", value=EVENT_EXAMPLE, response_only=True), NOT_FOUND_EXAMPLE],
    )
)
class StudentEventViewSet(OfOneStudentMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """A student's history: `/students/{student_id}/events/`."""

    serializer_class = EnrollmentEventSerializer
    permission_classes = [StudentHistoryAccess]
    filter_backends = []

    def get_queryset(self):
        return student_events(student_id=self.get_student().pk)


FEED_PARAMETERS = [
    OpenApiParameter("after", int, description="Only events with a higher id (default 0: from the start)."),
    OpenApiParameter(
        "limit", int, description=f"At most this many events, 1 to {MAX_FEED_LIMIT} (default 100)."
    ),
    OpenApiParameter("student", int, description="Only this student's events."),
    OpenApiParameter("course", int, description="Only this course's events."),
]


@extend_schema_view(
    list=extend_schema(
        summary="The enrollment change feed",
        description=(
            "Events with `id > after`, in ascending id. Poll with `after=next_after`: every event "
            "arrives exactly once, in id order, however many writers commit concurrently (an id "
            "never becomes visible after a higher one). Replaying from `after=0` rebuilds every "
            "enrollment."
        ),
        parameters=FEED_PARAMETERS,
        responses={200: EventFeedSerializer, **problem_responses("validation_error")},
        examples=[
            OpenApiExample(
                "A page of the feed",
                value={"results": [EVENT_EXAMPLE], "next_after": 1042},
                response_only=True,
            )
        ],
    )
)
class EnrollmentEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The change feed: `/enrollment-events/`."""

    serializer_class = EnrollmentEventSerializer
    permission_classes = [EventFeedAccess]
    filter_backends = []
    pagination_class = None

    def get_queryset(self):  # for the schema; list() reads event_feed()
        return student_events(student_id=0)

    def list(self, request, *args, **kwargs):
        after = whole_number_param(request, "after", maximum=MAX_ID, default=0)
        limit = whole_number_param(request, "limit", minimum=1, maximum=MAX_FEED_LIMIT, default=100)
        student_id = whole_number_param(request, "student", minimum=1, maximum=MAX_ID)
        course_id = whole_number_param(request, "course", minimum=1, maximum=MAX_ID)
        events = event_feed(after=after, limit=limit, student_id=student_id, course_id=course_id)
        return Response(
            {
                "results": self.get_serializer(events, many=True).data,
                "next_after": events[-1].id if events else after,
            }
        )


@extend_schema(parameters=[STUDENT_ID])
@extend_schema_view(
    list=extend_schema(
        summary="A student's waitlist entries",
        description="By course id, each with its `position` in line (1 = next). 404 when there is no such student.",
    ),
    create=extend_schema(
        summary="Join a course's waitlist",
        description=(
            "Checks, first failure answers: 401/403, student (404), body (400 validation_error), "
            "course (400 unknown_course), the window (409 enrollment_closed, for students), already "
            "enrolled (409 already_enrolled). Then: already waiting, 200 with the same entry; a free "
            "seat and nobody waiting, enrolled at once (201, `status` `enrolled`); the waitlist full "
            "or none, 409 waitlist_full; else 201 with `status` `waitlisted`."
        ),
        request=WaitlistJoinSerializer,
        parameters=[LOCATION_HEADER],
        responses={
            201: OpenApiResponse(WaitlistEntrySerializer, description="In line, or enrolled at once."),
            200: OpenApiResponse(WaitlistEntrySerializer, description="Already in line."),
            **problem_responses(
                "validation_error",
                "parse_error",
                "unknown_course",
                "not_found",
                "enrollment_closed",
                "already_enrolled",
                "waitlist_full",
            ),
        },
    ),
    destroy=extend_schema(
        summary="Leave a course's waitlist",
        parameters=[COURSE_ID],
        responses={
            204: OpenApiResponse(description="Left."),
            **problem_responses("not_found", "enrollment_closed"),
        },
    ),
)
class StudentWaitlistViewSet(
    OfOneStudentMixin,
    IdempotentPostMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A student's waitlist entries: `/students/{student_id}/waitlist/`."""

    serializer_class = WaitlistEntrySerializer
    permission_classes = [StudentWaitlistAccess]
    lookup_url_kwarg = "course_id"
    lookup_value_regex = ID_PATTERN
    filter_backends = []

    def get_queryset(self):
        return student_waitlist(student_id=self.get_student().pk)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([self.entry(e) for e in page])

    @staticmethod
    def entry(waiting):
        return {
            "course_id": waiting.course_id,
            "status": WAITLISTED,
            "position": waiting.position,
            "joined_at": waiting.joined_at,
        }

    def create(self, request, *args, **kwargs):
        student = self.student_to_write()
        body = WaitlistJoinSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        course_id = body.validated_data["course_id"]
        result = waitlist_join(
            student=student, course_id=course_id, within_windows=partial(bound_by_windows, request.user)
        )
        if result.status == WAITLISTED:
            joined_at, position = place_in_line(student.pk, course_id)
            data = {
                "course_id": course_id,
                "status": WAITLISTED,
                "position": position,
                "joined_at": joined_at,
            }
        else:
            enrolled_at = student.enrollments.get(course_id=course_id).enrolled_at
            data = {
                "course_id": course_id,
                "status": result.status,
                "position": None,
                "joined_at": enrolled_at,
            }
        if not result.created:
            return Response(WaitlistEntrySerializer(data).data, status=status.HTTP_200_OK)
        location = reverse("student-waitlist-list", kwargs={"student_id": student.pk}, request=request)
        return Response(
            WaitlistEntrySerializer(data).data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )

    def destroy(self, request, *args, **kwargs):
        waitlist_leave(
            student=self.get_student(),
            course_id=int(self.kwargs["course_id"]),
            within_windows=partial(bound_by_windows, request.user),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[COURSE_ID])
@extend_schema_view(
    list=extend_schema(
        summary="A course's waitlist",
        description="In joining order, each a student with `position` (1 = next) and `joined_at`. "
        "404 when there is no such course.",
    )
)
class CourseWaitlistViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A course's waitlist: `/courses/{course_id}/waitlist/`."""

    serializer_class = CourseWaitlistStudentSerializer
    permission_classes = [RosterAccess]
    filter_backends = []

    def get_queryset(self):
        return course_waitlist(course=get_object_or_404(Course, pk=self.kwargs["course_id"]))
