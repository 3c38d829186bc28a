from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from courses.api.serializers import CourseSerializer
from school.fastpath.render import PlainReadMixin
from school.fields import BoundedListField, StrictIntegerField, StrictModelSerializer, UsernameField
from school.ids import MAX_ID
from students.models import EnrollmentEvent, Student

MAX_COURSES_PER_REQUEST = 100
MAX_STUDENTS_PER_REQUEST = 1000


class StudentSerializer(PlainReadMixin, StrictModelSerializer):
    """A student. `email` is unique ignoring case and stored lower-case."""

    username = UsernameField(
        source="user",
        help_text="The username of the account this student signs in with, or null; one account per student.",
    )

    class Meta:
        model = Student
        fields = ["id", "first_name", "last_name", "email", "username", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_email(self, value):
        return self.unique_ignoring_case("email", value, "A student with this email already exists.")

    def validate_username(self, user):
        # The database's one-to-one unique index settles a race between two such checks.
        others = Student.objects.filter(user=user)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if user is not None and others.exists():
            raise serializers.ValidationError(
                f"The user {user.username!r} is already linked to another student.", code="unique"
            )
        return user


class StudentCourseSerializer(CourseSerializer):
    """One of a student's courses: the course, and when the student enrolled in it."""

    enrolled_at = serializers.DateTimeField(read_only=True)

    class Meta(CourseSerializer.Meta):
        fields = [*CourseSerializer.Meta.fields, "enrolled_at"]
        read_only_fields = CourseSerializer.Meta.fields


class CourseStudentSerializer(StudentSerializer):
    """One student of a course's roster, and when they enrolled."""

    enrolled_at = serializers.DateTimeField(read_only=True)

    class Meta(StudentSerializer.Meta):
        fields = [*StudentSerializer.Meta.fields, "enrolled_at"]
        read_only_fields = StudentSerializer.Meta.fields


class CourseIdField(StrictIntegerField):
    """A course id: a JSON integer (not a string, float or boolean), positive, 64-bit."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class EnrollmentRequestSerializer(serializers.Serializer):
    """The courses to enroll a student in: all of them, or none."""

    course_ids = BoundedListField(
        child=CourseIdField(),
        min_length=1,
        max_length=MAX_COURSES_PER_REQUEST,
        help_text="1 to 100 course ids; repeats count once.",
    )


class RosterRequestSerializer(serializers.Serializer):
    """The students to enroll in a course: all of them, or none."""

    student_ids = BoundedListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=MAX_STUDENTS_PER_REQUEST,
        help_text=f"1 to {MAX_STUDENTS_PER_REQUEST:,} student ids; repeats count once.",
    )


class EnrollmentEventSerializer(PlainReadMixin, serializers.ModelSerializer):
    """One change to an enrollment: what happened, to whom, when, by whom, through which door."""

    class Meta:
        model = EnrollmentEvent
        fields = ["id", "student_id", "course_id", "action", "at", "actor", "source"]
        read_only_fields = fields


@extend_schema_serializer(many=False)  # one object, though it answers a list action
class EventFeedSerializer(serializers.Serializer):
    """A page of the change feed (for the schema)."""

    results = EnrollmentEventSerializer(many=True)
    next_after = serializers.IntegerField(
        help_text="The id of the last result (the given `after` when there is none): the next `after`."
    )


class WaitlistEntrySerializer(serializers.Serializer):
    """A student's place in a course's line (or, right after joining, their new seat)."""

    course_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["waitlisted", "enrolled"])
    position = serializers.IntegerField(allow_null=True, help_text="1 = next in line; null when enrolled.")
    joined_at = serializers.DateTimeField()


class WaitlistJoinSerializer(serializers.Serializer):
    """The course whose waitlist to join."""

    course_id = CourseIdField()


class CourseWaitlistStudentSerializer(StudentSerializer):
    """A student waiting for a course: the student, their place in line and when they joined."""

    position = serializers.IntegerField(read_only=True)
    joined_at = serializers.DateTimeField(read_only=True)

    class Meta(StudentSerializer.Meta):
        fields = [*StudentSerializer.Meta.fields, "position", "joined_at"]
        read_only_fields = StudentSerializer.Meta.fields
