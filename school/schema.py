"""OpenAPI generation: every operation documents the problem responses it can really give,
described from the one table of problems (`school.problems.PROBLEM_TYPES`)."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.mixins import CreateModelMixin, UpdateModelMixin
from rest_framework.permissions import AllowAny

from school.csv_export import CSV_FORMAT, CSV_MEDIA_TYPE
from school.idempotency import KEY_PARAMETER, REPLAYED_PARAMETER
from school.problems import BY_CODE, PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, problem_body


class ProblemErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        allow_null=True,
        required=False,
        help_text="import_invalid only: the line of the file (1 is the header).",
    )
    field = serializers.CharField(allow_null=True, help_text="The offending field; null for the body.")
    code = serializers.CharField()
    detail = serializers.CharField()


class ProblemBodySerializer(serializers.Serializer):
    type = serializers.CharField(help_text="A URI reference naming the problem type, one per code.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    # A member named like Serializer.errors: this serializer only describes bodies, never validates.
    errors = ProblemErrorSerializer(
        many=True, required=False, help_text="validation_error and import_invalid only."
    )  # type: ignore[assignment]


def member_field(name, code):
    """The schema of an extra member: lists of ids, a count, a flag, or a date-time (null: no limit)."""
    if name.endswith("_ids"):
        return serializers.ListField(
            child=serializers.IntegerField(), required=False, help_text=f"{code} only."
        )
    if name.endswith("_at"):
        return serializers.DateTimeField(allow_null=True, required=False, help_text=f"{code} only.")
    if name == "seats_left":
        return serializers.IntegerField(required=False, help_text=f"{code} only: the free seats there were.")
    return serializers.BooleanField(required=False, help_text=f"{code} only.")


# RFC 9457 problem details, with every extra member the table of problems names.
ProblemSerializer = type(
    "ProblemSerializer",
    (ProblemBodySerializer,),
    {
        "__module__": __name__,
        "__doc__": "RFC 9457 problem details; `code` is the stable, machine-readable reason.",
        **{
            name: member_field(name, problem.code)
            for problem in PROBLEM_TYPES
            for name in problem.member_docs
            if name != "errors"
        },
    },
)


def problem_example(name, code, detail, **members):
    """An OpenAPI response example of a problem, shaped by the same code that renders real ones."""
    return OpenApiExample(
        name,
        value=problem_body(code, detail, **members),
        response_only=True,
        status_codes=[str(BY_CODE[code].status)],
    )


def describe(*codes):
    """The description of a response that answers these problem codes: each with when it happens."""
    return "; ".join(f"{code}: {BY_CODE[code].when}" for code in codes)


def problem_responses(*codes):
    """`responses` entries of extend_schema for the problems an operation answers beyond the
    generic ones (`GENERIC_CODES`), grouped by status."""
    by_status = {}
    for code in codes:
        by_status.setdefault(BY_CODE[code].status, []).append(code)
    return {
        (status, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=describe(*grouped))
        for status, grouped in by_status.items()
    }


# What any operation may answer at each status, whatever it does.
GENERIC_CODES = {
    "400": ("validation_error", "parse_error"),
    "401": ("not_authenticated", "token_expired"),
    "403": ("permission_denied",),
    "404": ("not_found",),
    "406": ("not_acceptable",),
    "409": ("conflict",),
    "412": ("precondition_failed",),
    "422": ("idempotency_key_reused",),
    "413": ("request_too_large",),
    "415": ("unsupported_media_type",),
    "429": ("throttled",),
    "503": ("service_unavailable",),
}
DESCRIPTIONS = {status: describe(*codes) for status, codes in GENERIC_CODES.items()}
BODY_METHODS = {"POST", "PUT", "PATCH"}


# The lists that also answer CSV (school.csv_export): how to ask, and what comes back.
FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", CSV_FORMAT],
    description="`csv` asks for CSV, as `Accept: text/csv` does: every row, not one page.",
)
CSV_BODY = {
    "type": "string",
    "description": "CSV (UTF-8, no BOM, lines ending CRLF): a header row, then every row of the "
    "list in the same order, not one page. Text cells that a spreadsheet would run as a formula "
    "(starting with `=`, `+`, `-`, `@`, a tab or a carriage return) are written with a leading `'`.",
}


def csv_example(name, text):
    """A response example of a list's CSV answer."""
    return OpenApiExample(name, value=text, response_only=True, media_type=CSV_MEDIA_TYPE)


CONDITIONAL_READS = {"retrieve"}
CONDITIONAL_WRITES = {"update", "partial_update", "destroy"}
ETAG_HEADER = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200],
    description="The version of this representation: send it in `If-None-Match` or `If-Match`.",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    description="ETags you have: 304 with no body when the object is still at one of them.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="The ETag you read: the write happens only if the object is still at it, else 412 "
    "precondition_failed and nothing is written. Without it, the last write wins.",
)


class ProblemAutoSchema(AutoSchema):
    def _conditional(self):
        """'read', 'write' or None: whether this operation honours ETags (school.conditional)."""
        from school.conditional import ConditionalMixin

        if not isinstance(self.view, ConditionalMixin):
            return None
        action = getattr(self.view, "action", None)
        return "read" if action in CONDITIONAL_READS else "write" if action in CONDITIONAL_WRITES else None

    def _idempotent(self):
        from school.idempotency import IdempotentPostMixin

        return self.method == "POST" and isinstance(self.view, IdempotentPostMixin)

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._idempotent():
            parameters += [KEY_PARAMETER, REPLAYED_PARAMETER]
        conditional = self._conditional()
        if conditional == "read":
            parameters += [IF_NONE_MATCH, ETAG_HEADER]
        elif conditional == "write":
            parameters += [IF_MATCH] + ([ETAG_HEADER] if self.method != "DELETE" else [])
        return parameters

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        # Who may call the operation, from its permission classes (students.access and
        # school.permissions describe themselves), after what the operation does.
        who = [
            permission.describe(self.method, self.view)
            for permission in self.view.get_permissions()
            if hasattr(permission, "describe")
        ]
        if operation is not None and who:
            operation["description"] = " ".join(
                part for part in [operation.get("description", ""), *who] if part
            )
        return operation

    def _get_paginator(self):
        # Only GET lists are pages; a write that answers with a list (enrolling) is a plain array.
        return super()._get_paginator() if self.method == "GET" else None

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        problem = self.resolve_serializer(ProblemSerializer, "response").ref
        # The CSV answer of a list is text, not the JSON page drf-spectacular gives every renderer
        # (and wraps its examples in).
        for entry in responses.values():
            csv_body = entry.get("content", {}).get(CSV_MEDIA_TYPE)
            if csv_body is not None:
                csv_body["schema"] = CSV_BODY
                csv_body.pop("examples", None)
                for example in self.get_examples():
                    if example.media_type == CSV_MEDIA_TYPE:
                        csv_body.setdefault("examples", {})[example.name.replace(" ", "")] = {
                            "value": example.value,
                            "summary": example.name,
                        }
        if self._conditional() == "read":
            responses["304"] = {
                "description": "Not modified: `If-None-Match` names the current version (no body).",
                "headers": {"ETag": {"schema": {"type": "string"}, "description": ETAG_HEADER.description}},
            }
        for status in self._problem_statuses():
            entry = responses.setdefault(status, {"description": ""})
            entry.setdefault("content", {}).setdefault(PROBLEM_CONTENT_TYPE, {"schema": problem})
            if not entry.get("description"):
                entry["description"] = DESCRIPTIONS[status]
        if self._idempotent():
            in_use = describe("idempotency_key_in_use")
            if in_use not in responses["409"]["description"]:
                responses["409"]["description"] += "; " + in_use
        # Examples of problems (declared on the view with their status codes) go with the problem
        # media type, which drf-spectacular's own matching (by application/json) skips.
        for status, entry in responses.items():
            media = entry.get("content", {}).get(PROBLEM_CONTENT_TYPE)
            examples = {
                example.name.replace(" ", ""): {"value": example.value, "summary": example.name}
                for example in self.get_examples()
                if example.response_only and status in (example.status_codes or [])
            }
            if media is not None and examples and not media.get("examples"):
                media["examples"] = examples
        return dict(sorted(responses.items()))

    def _problem_statuses(self):
        permissions = self.view.get_permissions()
        statuses = {"406", "429", "503"}
        anonymous = self.method in getattr(self.view, "anonymous_methods", ())
        if not anonymous and not all(isinstance(p, AllowAny) for p in permissions):
            statuses.add("401")
        if any(getattr(p, "refuses", lambda method: False)(self.method) for p in permissions):
            statuses.add("403")
        if self.method in BODY_METHODS:
            statuses |= {"400", "413", "415"}
        if self.method in BODY_METHODS and isinstance(self.view, (CreateModelMixin, UpdateModelMixin)):
            # A unique value (course code, student email) taken by a concurrent write.
            statuses.add("409")
        if self._conditional() == "write":
            statuses.add("412")
        if self._idempotent():
            statuses |= {"409", "422"}
        if self._is_list_view() or "(?P<" in self.path_regex:
            statuses.add("404")
        if self._is_list_view():
            statuses.add("400")
        return statuses
