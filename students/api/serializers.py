from rest_framework import serializers

from students.models import Student, normalize_email


class StudentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Student
        fields = ["id", "first_name", "last_name", "email", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_email(self, value):
        email = normalize_email(value)
        others = Student.objects.filter(email__iexact=email)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError("A student with this email already exists.", code="unique")
        return email
