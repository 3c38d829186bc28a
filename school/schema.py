"""OpenAPI generation: every operation documents the problem responses it can really give."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers
from rest_framework.mixins import CreateModelMixin, UpdateModelMixin
from rest_framework.permissions import AllowAny, DjangoModelPermissions

from school.problems import PROBLEM_CONTENT_TYPE, problem_body


class ProblemErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="The offending field; null for the body.")
    code = serializers.CharField()
    detail = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details; `code` is the stable, machine-readable reason."""

    type = serializers.CharField(help_text="A URI reference naming the problem type, one per code.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = ProblemErrorSerializer(many=True, required=False, help_text="validation_error only.")
    invalid_course_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="unknown_course only."
    )
    full_course_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="course_full only."
    )


def problem_example(name, status, code, detail, **members):
    """An OpenAPI response example of a problem, shaped by the same code that renders real ones."""
    return OpenApiExample(
        name,
        value=problem_body(status, code, detail, **members),
        response_only=True,
        status_codes=[str(status)],
    )


DESCRIPTIONS = {
    "400": "validation_error (bad body or query parameters, named in `errors`) or parse_error (malformed JSON)",
    "401": "not_authenticated: no valid token or session",
    "403": "permission_denied: the user lacks the model permission for this action",
    "404": "not_found",
    "406": "not_acceptable: the Accept header asks for a type this endpoint cannot give",
    "409": "conflict: the write collided with another one; retrying may succeed",
    "413": "request_too_large: the body is over 2.5 MB",
    "415": "unsupported_media_type: send application/json",
    "429": "throttled: wait for the seconds in Retry-After",
}
BODY_METHODS = {"POST", "PUT", "PATCH"}
WRITE_METHODS = BODY_METHODS | {"DELETE"}


class ProblemAutoSchema(AutoSchema):
    def _get_paginator(self):
        # Only GET lists are pages; a write that answers with a list (enrolling) is a plain array.
        return super()._get_paginator() if self.method == "GET" else None

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        problem = self.resolve_serializer(ProblemSerializer, "response").ref
        for status in self._problem_statuses():
            entry = responses.setdefault(status, {"description": ""})
            entry.setdefault("content", {}).setdefault(PROBLEM_CONTENT_TYPE, {"schema": problem})
            if not entry.get("description"):
                entry["description"] = DESCRIPTIONS[status]
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
        statuses = {"406", "429"}
        if not all(isinstance(p, AllowAny) for p in permissions):
            statuses.add("401")
        if self.method in WRITE_METHODS and any(isinstance(p, DjangoModelPermissions) for p in permissions):
            statuses.add("403")
        if self.method in BODY_METHODS:
            statuses |= {"400", "413", "415"}
        if self.method in BODY_METHODS and isinstance(self.view, (CreateModelMixin, UpdateModelMixin)):
            # A unique value (course code, student email) taken by a concurrent write.
            statuses.add("409")
        if self._is_list_view() or "(?P<" in self.path_regex:
            statuses.add("404")
        if self._is_list_view():
            statuses.add("400")
        return statuses
