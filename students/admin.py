from django.contrib import admin

from students.models import Student


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["first_name", "last_name", "email"]
    ordering = ["last_name", "first_name"]
    readonly_fields = ["created_at", "updated_at"]
