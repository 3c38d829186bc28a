"""The registrar's admin for courses: seats at a glance and capacity rules. (The roster inline
is added by the students app, which owns enrollments.)"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import transaction

from courses.exceptions import CapacityBelowEnrollment
from courses.models import DESCRIPTION_MAX_LENGTH, Course
from courses.selectors import course_list, with_seats
from courses.services import capacity_check, course_delete, course_update
from school.admin import DomainErrorsAsMessagesMixin
from school.errors import DomainError


class HasSeatsFilter(admin.SimpleListFilter):
    title = "has seats"
    parameter_name = "has_seats"

    def lookups(self, request, model_admin):
        return [("true", "Yes"), ("false", "No (full)")]

    def queryset(self, request, queryset):
        if self.value() in ("true", "false"):
            return with_seats(queryset, has_seats=self.value() == "true")
        return queryset


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = [
            "code",
            "title",
            "description",
            "credits",
            "capacity",
            "waitlist_capacity",
            "enrollment_opens_at",
            "enrollment_closes_at",
            "instructors",
        ]
        widgets = {"description": forms.Textarea(attrs={"maxlength": DESCRIPTION_MAX_LENGTH})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].max_length = DESCRIPTION_MAX_LENGTH
        self.fields["description"].validators.append(MaxLengthValidator(DESCRIPTION_MAX_LENGTH))

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        try:
            capacity_check(course=self.instance, capacity=capacity)
        except CapacityBelowEnrollment as error:
            raise ValidationError(error.message) from None
        return capacity

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("enrollment_opens_at"), cleaned.get("enrollment_closes_at")
        if opens is not None and closes is not None and opens >= closes:
            self.add_error("enrollment_closes_at", "The enrollment window must open before it closes.")
        waitlist_capacity = cleaned.get("waitlist_capacity")
        if (
            self.instance.pk
            and waitlist_capacity is not None
            and waitlist_capacity < self.instance.waitlist_count
        ):
            self.add_error(
                "waitlist_capacity",
                f"{waitlist_capacity} is below the {self.instance.waitlist_count} students already waiting.",
            )
        return cleaned


@admin.register(Course)
class CourseAdmin(DomainErrorsAsMessagesMixin, admin.ModelAdmin):
    form = CourseForm
    list_display = ["code", "title", "credits", "capacity", "enrolled", "seats_left", "waiting", "created_at"]
    list_filter = [HasSeatsFilter, "credits"]
    search_fields = ["code", "title"]
    ordering = ["code"]
    readonly_fields = ["created_at", "updated_at"]
    filter_horizontal = ["instructors"]

    def get_queryset(self, request):
        # The counts come in the list's one query, not one query per row.
        return course_list()

    @admin.display(description="Enrolled", ordering="enrolled_count")
    def enrolled(self, course):
        return course.enrolled_count

    @admin.display(description="Waiting", ordering="waitlist_count")
    def waiting(self, course):
        return course.waitlist_count

    @admin.display(description="Seats left")
    def seats_left(self, course):
        return "unlimited" if course.capacity is None else max(course.capacity - course.enrolled_count, 0)

    def delete_queryset(self, request, queryset):
        # The bulk "delete selected" action: through the same rule, all or nothing.
        try:
            with transaction.atomic():
                for course in queryset:
                    course_delete(course=course)
        except DomainError as error:
            self.message_user(request, f"Nothing was deleted: {error.message}", messages.ERROR)

    def save_model(self, request, obj, form, change):
        if change:
            # Instructors are a many-to-many: the admin saves them after this, in save_related.
            fields = [name for name in form.changed_data if not Course._meta.get_field(name).many_to_many]
            course_update(course=obj, **{name: form.cleaned_data[name] for name in fields})
        else:
            obj.save()

    def delete_model(self, request, obj):
        course_delete(course=obj)
