import factory

from courses.tests.factories import CourseFactory
from students.models import Enrollment, Student
from students.services import enrollment_create


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"student{n}@example.edu")


class EnrollmentFactory(factory.django.DjangoModelFactory):
    """Enrolls through the service, like every other writer, so seat counts stay exact."""

    class Meta:
        model = Enrollment

    student = factory.SubFactory(StudentFactory)
    course = factory.SubFactory(CourseFactory)

    @classmethod
    def _create(cls, model_class, student, course, **kwargs):
        enrollment_create(student=student, course_ids=[course.pk])
        course.refresh_from_db(fields=["enrolled_count"])
        return model_class.objects.get(student=student, course=course)
