"""The registrar's admin for students and their enrollments; every enrollment goes through
`students.services`, so the admin obeys the same rules as the API."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse

from courses.admin import CourseAdmin
from courses.models import Course
from school.admin import DomainErrorsAsMessagesMixin
from school.errors import DomainError
from students.admin_imports import CHANGE_LIST_WITH_IMPORTS, CsvImportAdminMixin
from students.exceptions import CoursesFull, UnknownCourses
from students.models import Enrollment, EnrollmentEvent, Student, WaitlistEntry
from students.services import (
    enrollment_create,
    enrollment_create_many,
    enrollment_delete,
    enrollment_validate,
    student_delete,
)


def describe(error):
    """A sentence for staff that names the courses an enrollment error is about."""
    if isinstance(error, CoursesFull):
        names = ", ".join(str(c) for c in Course.objects.filter(pk__in=error.course_ids).order_by("pk"))
        return f"No seat left in {names}: nothing was enrolled."
    if isinstance(error, UnknownCourses):
        ids = ", ".join(map(str, error.course_ids))
        return f"No course has the id {ids}: nothing was enrolled."
    return error.message


class EnrollmentFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        courses = [
            form.cleaned_data["course"]
            for form in self.forms
            if form.has_changed() and form.instance.pk is None and not form.cleaned_data.get("DELETE")
        ]
        if len({course.pk for course in courses}) < len(courses):
            raise ValidationError("The same course is listed twice.")
        if courses:
            try:
                enrollment_validate(student=self.instance, course_ids=[course.pk for course in courses])
            except DomainError as error:
                raise ValidationError(describe(error)) from None


class EnrollmentInline(admin.TabularInline):
    """The student's enrollments. Existing rows are read-only: unenroll with "Delete"."""

    model = Enrollment
    formset = EnrollmentFormSet
    fields = ["course", "enrolled_at"]
    readonly_fields = ["enrolled_at"]
    autocomplete_fields = ["course"]
    extra = 0
    verbose_name = "enrollment"
    verbose_name_plural = "enrollments"

    def has_change_permission(self, request, obj=None):
        return False


class EnrollInCourseForm(forms.Form):
    course = forms.ModelChoiceField(queryset=Course.objects.order_by("code"), label="Course")


class CourseFilter(admin.RelatedFieldListFilter):
    """Students enrolled in a course, listed by code."""

    def field_choices(self, field, request, model_admin):
        return [(course.pk, str(course)) for course in Course.objects.order_by("code")]


@admin.register(Student)
class StudentAdmin(CsvImportAdminMixin, DomainErrorsAsMessagesMixin, admin.ModelAdmin):
    csv_import_kinds = ("students", "enrollments")
    change_list_template = CHANGE_LIST_WITH_IMPORTS
    list_display = ["last_name", "first_name", "email", "created_at"]
    list_filter = [("courses", CourseFilter), "created_at"]
    search_fields = ["first_name", "last_name", "email"]
    ordering = ["last_name", "first_name"]
    readonly_fields = ["created_at", "updated_at"]
    autocomplete_fields = ["user"]
    inlines = [EnrollmentInline]
    actions = ["enroll_in_course"]

    def describe_error(self, error):
        return describe(error)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Enrollment:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        student = form.instance
        for enrollment in formset.deleted_objects:
            enrollment_delete(student=student, course_id=enrollment.course_id)
        new_course_ids = [enrollment.course_id for enrollment in formset.new_objects]
        if new_course_ids:
            enrollment_create(student=student, course_ids=new_course_ids)

    @admin.action(description="Enroll in course…", permissions=["enroll"])
    def enroll_in_course(self, request, queryset):
        students = list(queryset.order_by("pk"))
        form = EnrollInCourseForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            course = form.cleaned_data["course"]
            try:
                results = enrollment_create_many(students=students, course_ids=[course.pk])
            except DomainError as error:
                self.message_user(request, describe(error), messages.ERROR)
                return None
            new = sum(result.created for result in results.values())
            self.message_user(
                request,
                f"Enrolled {new} student{'s' if new != 1 else ''} in {course}"
                f" ({len(students) - new} already were).",
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Enroll students in a course",
            "opts": self.model._meta,
            "students": students,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/students/student/enroll_in_course.html", context)

    def delete_model(self, request, obj):
        student_delete(student=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for student in queryset.order_by("pk"):
                student_delete(student=student)

    def has_enroll_permission(self, request):
        return request.user.has_perm("students.add_enrollment")


class ReadOnlyInline(admin.TabularInline):
    """Rows shown on a page that does not change them."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RosterInline(ReadOnlyInline):
    """Who is in the course. Enroll and unenroll from the student's page or the students list."""

    model = Enrollment
    fields = ["student", "enrolled_at"]
    readonly_fields = ["student", "enrolled_at"]
    verbose_name = "enrolled student"
    verbose_name_plural = "roster"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("student").order_by("student_id")


class WaitlistInline(ReadOnlyInline):
    """Who waits for a seat, first in line first; the database enrolls them as seats free."""

    model = WaitlistEntry
    fields = ["student", "joined_at"]
    readonly_fields = ["student", "joined_at"]
    verbose_name = "waiting student"
    verbose_name_plural = "waitlist (first in line first)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("student").order_by("id")


@admin.register(EnrollmentEvent)
class EnrollmentEventAdmin(admin.ModelAdmin):
    """The enrollment history, read-only: who enrolled, dropped, waited or was promoted, when,
    by whom and through which door."""

    list_display = ["id", "at", "action", "student_id", "course_id", "actor", "source"]
    list_filter = ["action", "source"]
    search_fields = ["=student_id", "=course_id", "actor"]
    ordering = ["-id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The course page shows its roster and waitlist; enrollments are this app's, so the inlines are
# added here and the courses app knows nothing of them.
admin.site.unregister(Course)


@admin.register(Course)
class CourseWithRosterAdmin(CsvImportAdminMixin, CourseAdmin):
    csv_import_kinds = ("courses", "enrollments")
    change_list_template = CHANGE_LIST_WITH_IMPORTS
    inlines = [*CourseAdmin.inlines, RosterInline, WaitlistInline]
