"""The stored student count (migration 0004) is exact whoever writes, and `students/` uses it."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from students.models import Student
from students.selectors import student_count
from students.services import student_delete
from students.tests.factories import EnrollmentFactory, StudentFactory

URL = "/api/v1/students/"


def stored():
    with connection.cursor() as cursor:
        cursor.execute("SELECT students FROM student_count")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_count_follows_every_kind_of_write():
    assert stored() == Student.objects.count() == 0
    StudentFactory.create_batch(3)
    Student.objects.bulk_create(
        [Student(first_name="Bulk", last_name=str(n), email=f"bulk{n}@example.edu") for n in range(5)]
    )
    assert stored() == Student.objects.count() == 8
    student_delete(student=EnrollmentFactory().student)  # 9 students, then 8
    Student.objects.filter(first_name="Bulk", last_name__in=["0", "1"]).delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM students_student WHERE last_name = %s", ["2"])
    assert stored() == Student.objects.count() == student_count() == 5


@pytest.mark.django_db
def test_the_unfiltered_list_reads_the_stored_count_and_filters_count_exactly(reader):
    StudentFactory.create_batch(4, last_name="Hopper")
    StudentFactory(last_name="Lovelace")
    with CaptureQueriesContext(connection) as queries:
        body = reader.get(URL, {"page_size": 2}).json()
    assert body["count"] == 5 and len(body["results"]) == 2
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)
    assert reader.get(URL, {"search": "hopper"}).json()["count"] == 4
    assert reader.get(URL, {"search": "nobody"}).json()["count"] == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_number", [1, 2])
def test_the_count_survives_the_test_suites_flush(round_number):
    """The second round runs after `flush` emptied the tables the first round filled."""
    assert stored() == 0
    StudentFactory.create_batch(round_number + 1)
    assert stored() == round_number + 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_inserts_and_deletes_keep_the_count_exact():
    doomed = StudentFactory.create_batch(8)
    barrier = threading.Barrier(16)

    def create(n):
        try:
            barrier.wait(timeout=30)
            for i in range(3):
                Student.objects.create(first_name="T", last_name=str(n), email=f"thread{n}-{i}@example.edu")
        finally:
            connection.close()

    def delete(student):
        try:
            barrier.wait(timeout=30)
            student_delete(student=student)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    threads += [threading.Thread(target=delete, args=(student,)) for student in doomed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert stored() == Student.objects.count() == 24
