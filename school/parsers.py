"""The API's one request parser: JSON, bounded in size and depth."""

import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from school.problems import RequestTooLarge


def reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


class BoundedJSONParser(JSONParser):
    """JSON bodies up to Django's upload limit (2.5 MB by default), strict UTF-8, no NaN.

    DRF hands a JSONParser the body that Django's `request.body` read, and that refuses a body
    over the limit first (RequestDataTooBig, made the same 413 by school.exceptions); the check
    here holds for any stream that reaches the parser by another way."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise RequestTooLarge(limit=limit)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError("The body is not valid UTF-8.") from None
        try:
            return json.loads(text, parse_constant=reject_constant)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
