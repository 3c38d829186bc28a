from rest_framework import serializers

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
            "waitlist_capacity",
            "waitlist_count",
            "enrollment_opens_at",
            "enrollment_closes_at",
            "instructor_usernames",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "enrolled_count", "waitlist_count", "created_at", "updated_at"]
        extra_kwargs = {"description": {"max_length": DESCRIPTION_MAX_LENGTH}}

    def validate(self, attrs):
        # The window as it will be: what is sent, else what the course has.
        def current(name):
            if name in attrs:
                return attrs[name]
            return getattr(self.instance, name, None)

        opens, closes = current("enrollment_opens_at"), current("enrollment_closes_at")
        if opens is not None and closes is not None and opens >= closes:
            field = "enrollment_closes_at" if "enrollment_closes_at" in attrs else "enrollment_opens_at"
            raise serializers.ValidationError(
                {field: "The enrollment window must open before it closes."}, code="window_order"
            )
        return attrs

    def validate_code(self, value):
        return self.unique_ignoring_case("code", value, "A course with this code already exists.")
