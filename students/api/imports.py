"""The API's door to CSV imports: `POST imports/students/`, `imports/courses/`, `imports/enrollments/`."""

import hashlib

from django.core.files.uploadhandler import (
    FileUploadHandler,
    MemoryFileUploadHandler,
    TemporaryFileUploadHandler,
)
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from school.idempotency import IdempotentPostMixin
from school.locations import LOCATION_HEADER
from school.problems import RequestTooLarge
from school.schema import problem_example, problem_responses
from students.access import ImportAccess
from students.exceptions import MAX_IMPORT_BYTES, ImportTooLarge
from students.imports import HEADERS, KINDS, csv_import

# Room for the multipart envelope around the file (boundaries, part headers) before the body is
# refused unread by its Content-Length.
ENVELOPE = 64 * 1024
TRUE, FALSE = ("true", "1"), ("false", "0")
# Where a client reads what an import of each kind wrote.
RESULT_LIST = {"students": "student-list", "courses": "course-list", "enrollments": "course-list"}


class ImportFileSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=f"The CSV file: UTF-8 (a BOM is allowed), a header row, at most {MAX_IMPORT_BYTES:,} bytes."
    )


class ImportResultSerializer(serializers.Serializer):
    """What an import did (or, with `dry_run`, would do): rows by what became of them."""

    rows = serializers.IntegerField(help_text="Data rows in the file (blank lines are not rows).")
    created = serializers.IntegerField(help_text="Students or courses created.")
    updated = serializers.IntegerField(help_text="Students or courses changed.")
    enrolled = serializers.IntegerField(help_text="Enrollments created.")
    dropped = serializers.IntegerField(help_text="Enrollments removed.")
    unchanged = serializers.IntegerField(help_text="Rows that changed nothing.")
    dry_run = serializers.BooleanField(help_text="True: checked only, nothing was written.")


class ImportSizeLimit(FileUploadHandler):
    """Refuses an upload as soon as it is over the import's limit, before it is all stored."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > MAX_IMPORT_BYTES:
            raise ImportTooLarge()
        return raw_data

    def file_complete(self, file_size):
        return None


DRY_RUN = OpenApiParameter(
    "dry_run", bool, description="true: check every row and answer what would change, writing nothing."
)


def import_schema(kind):
    return extend_schema(
        summary=f"Import {kind} from CSV",
        description=(
            f"Multipart, one field `file`. Columns {HEADERS[kind]} Column order is free and extra columns "
            "are ignored. All or nothing: if any row is wrong, nothing is written and the answer (400 "
            "import_invalid) lists every problem with its `row` (the line of the file). 201 when something "
            "changed, 200 when nothing did (or with `dry_run=true`)."
        ),
        parameters=[DRY_RUN, LOCATION_HEADER],
        request={"multipart/form-data": ImportFileSerializer},
        responses={
            201: OpenApiResponse(ImportResultSerializer, description="Imported; something changed."),
            200: OpenApiResponse(ImportResultSerializer, description="Nothing changed, or a dry run."),
            **problem_responses("validation_error", "parse_error", "import_invalid", "request_too_large"),
        },
        examples=[
            OpenApiExample(
                "Imported",
                value={
                    "rows": 3,
                    "created": 0,
                    "updated": 0,
                    "enrolled": 2,
                    "dropped": 1,
                    "unchanged": 0,
                    "dry_run": False,
                },
                response_only=True,
                status_codes=["201", "200"],
            ),
            problem_example(
                "Wrong rows",
                "import_invalid",
                "2 rows are wrong (2 problems); nothing was imported.",
                errors=[
                    {
                        "row": 3,
                        "field": "course_code",
                        "code": "unknown_course",
                        "detail": "No course has this code.",
                    },
                    {
                        "row": 7,
                        "field": "course_code",
                        "code": "course_full",
                        "detail": "No seat is left for this row: the course had 0 free.",
                    },
                ],
            ),
        ],
    )


class CsvImportView(IdempotentPostMixin, APIView):
    """A CSV import of one kind (the view's `kind`): the shared importer, students.imports."""

    kind = "students"
    permission_classes = [ImportAccess]
    parser_classes = [MultiPartParser]

    def initial(self, request, *args, **kwargs):
        # Before anything reads the body: a declared size over the limit is refused unread, and
        # an upload that turns out larger stops being stored once it is over.
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_IMPORT_BYTES + ENVELOPE:
            raise RequestTooLarge(limit=MAX_IMPORT_BYTES)
        http = request._request
        http.upload_handlers = [
            ImportSizeLimit(http),
            MemoryFileUploadHandler(http),
            TemporaryFileUploadHandler(http),
        ]
        super().initial(request, *args, **kwargs)

    def idempotency_fingerprint(self, request):
        """The method, path with query, and the file's bytes (the multipart envelope around them
        differs from one client to the next)."""
        digest = hashlib.sha256()
        digest.update(f"{request.method} {request.get_full_path()}\n".encode())
        upload = request.FILES.get("file")
        if upload is not None:
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
        return digest.hexdigest()

    def post(self, request, *args, **kwargs):
        dry_run = self.dry_run(request)
        uploads = request.FILES.getlist("file")
        if len(uploads) != 1:
            raise ValidationError(
                {"file": ["Send one CSV file in the multipart field `file`."]}, code="required"
            )
        result = csv_import(
            kind=self.kind, file=uploads[0], dry_run=dry_run, actor=request.user.get_username()
        )
        body = ImportResultSerializer({**result.counts(), "dry_run": dry_run}).data
        if dry_run or not result.changed:
            return Response(body, status=status.HTTP_200_OK)
        location = reverse(RESULT_LIST[self.kind], request=request)
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})

    @staticmethod
    def dry_run(request):
        value = request.query_params.get("dry_run", "false").strip().lower()
        if value not in TRUE + FALSE:
            raise ValidationError({"dry_run": ["Use true or false."]}, code="invalid")
        return value in TRUE


def import_view(kind):
    """The view of `imports/<kind>/`, documented for that kind."""
    assert kind in KINDS

    @import_schema(kind)
    def post(self, request, *args, **kwargs):
        return CsvImportView.post(self, request, *args, **kwargs)

    view = type(f"{kind.capitalize()}ImportView", (CsvImportView,), {"kind": kind, "post": post})
    view.__doc__ = f"A CSV import of {kind}."
    return view.as_view()
