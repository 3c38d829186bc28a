from django.contrib import admin

from courses.models import Course


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "credits", "capacity", "created_at"]
    list_filter = ["credits"]
    search_fields = ["code", "title"]
    ordering = ["code"]
    readonly_fields = ["created_at", "updated_at"]
