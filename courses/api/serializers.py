from courses.models import DESCRIPTION_MAX_LENGTH, Course
from school.fastpath.render import PlainReadMixin
from school.fields import StrictModelSerializer, UsernameListField


class CourseSerializer(PlainReadMixin, StrictModelSerializer):
    """A course. `capacity` null means unlimited seats; `enrolled_count` is read-only."""

    instructor_usernames = UsernameListField(
        source="instructors",
        help_text="The usernames of who teaches it (they may read its roster); sorted.",
    )

    class Meta:
        model = Course
        fields = [
            "id",
            "code",
            "title",
            "description",
            "credits",
            "capacity",
            "enrolled_count",
            "instructor_usernames",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "enrolled_count", "created_at", "updated_at"]
        extra_kwargs = {"description": {"max_length": DESCRIPTION_MAX_LENGTH}}

    def validate_code(self, value):
        return self.unique_ignoring_case("code", value, "A course with this code already exists.")
