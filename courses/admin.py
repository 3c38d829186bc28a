"""The registrar's admin for courses: seats at a glance, the roster, and capacity rules."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction

from courses.models import Course
from courses.selectors import course_list, with_seats
from courses.services import course_delete, course_update
from school.admin import ProblemsAsMessagesMixin
from school.problems import Problem
from students.models import Enrollment
from students.services import CapacityBelowEnrollment, capacity_check


class HasSeatsFilter(admin.SimpleListFilter):
    title = "has seats"
    parameter_name = "has_seats"

    def lookups(self, request, model_admin):
        return [("true", "Yes"), ("false", "No (full)")]

    def queryset(self, request, queryset):
        if self.value() in ("true", "false"):
            return with_seats(queryset, has_seats=self.value() == "true")
        return queryset


class RosterInline(admin.TabularInline):
    """Who is in the course. Enroll and unenroll from the student's page or the students list."""

    model = Enrollment
    fields = ["student", "enrolled_at"]
    readonly_fields = ["student", "enrolled_at"]
    extra = 0
    can_delete = False
    verbose_name = "enrolled student"
    verbose_name_plural = "roster"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("student").order_by("student_id")


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = ["code", "title", "description", "credits", "capacity"]

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        try:
            capacity_check(course=self.instance, capacity=capacity)
        except CapacityBelowEnrollment as problem:
            raise ValidationError(problem.message) from None
        return capacity


@admin.register(Course)
class CourseAdmin(ProblemsAsMessagesMixin, admin.ModelAdmin):
    form = CourseForm
    list_display = ["code", "title", "credits", "capacity", "enrolled", "seats_left", "created_at"]
    list_filter = [HasSeatsFilter, "credits"]
    search_fields = ["code", "title"]
    ordering = ["code"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [RosterInline]

    def get_queryset(self, request):
        # The counts come in the list's one query, not one query per row.
        return course_list()

    @admin.display(description="Enrolled", ordering="enrolled_count")
    def enrolled(self, course):
        return course.enrolled_count

    @admin.display(description="Seats left")
    def seats_left(self, course):
        return "unlimited" if course.capacity is None else max(course.capacity - course.enrolled_count, 0)

    def delete_queryset(self, request, queryset):
        # The bulk "delete selected" action: through the same rule, all or nothing.
        try:
            with transaction.atomic():
                for course in queryset:
                    course_delete(course=course)
        except Problem as problem:
            self.message_user(request, f"Nothing was deleted: {problem.detail}", messages.ERROR)

    def save_model(self, request, obj, form, change):
        if change:
            course_update(course=obj, **{name: form.cleaned_data[name] for name in form.changed_data})
        else:
            obj.save()

    def delete_model(self, request, obj):
        course_delete(course=obj)
