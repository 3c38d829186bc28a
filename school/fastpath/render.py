"""Rendering the API's output: JSON by orjson, and serializers read without DRF's per-field work.

`JSONRenderer` writes DRF's JSONRenderer's bytes, done by orjson when orjson can. Rendering the
headline's page of 20 courses takes DRF's renderer (the json module with DRF's encoder) about
40 µs and orjson about 12 µs; a page of 100, 174 µs and 49 µs. Anything orjson would render
differently goes to DRF's renderer: an indent asked for in the Accept header, settings other than
the compact UTF-8 defaults, and values orjson does not take (non-string keys, integers past 64
bits, lone surrogates). Datetimes, lazy translations and other non-JSON types go through DRF's encoder. One
difference remains by design: floats (orjson writes 1e16 where json writes 1e+16, and null for
NaN where DRF refuses it); no field of this API is a float.

`PlainReadMixin` renders a serializer's output by reading `Meta.fields` straight off the instance
or dict row, with `utc_iso` for datetimes. What each buys is in README.md in this folder.
"""

from datetime import UTC

import orjson
from django.db import models
from django.utils import timezone
from rest_framework import renderers, serializers

LINE_SEPARATOR, PARAGRAPH_SEPARATOR = "\u2028".encode(), "\u2029".encode()


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        plain = (
            self.compact
            and not self.ensure_ascii
            and self.get_indent(accepted_media_type, renderer_context or {}) is None
        )
        if plain:
            try:
                rendered = orjson.dumps(
                    data, default=self.encoder_class().default, option=orjson.OPT_PASSTHROUGH_DATETIME
                )
            except orjson.JSONEncodeError:
                pass
            else:
                # As DRF does: keep the output a strict subset of JavaScript.
                return rendered.replace(LINE_SEPARATOR, b"\\u2028").replace(PARAGRAPH_SEPARATOR, b"\\u2029")
        return super().render(data, accepted_media_type, renderer_context)


def utc_iso(value):
    """An aware datetime as DRF's DateTimeField renders it here: in UTC, ISO 8601, 'Z' for +00:00."""
    if value.tzinfo is not UTC:
        value = timezone.localtime(value, UTC)
    return value.isoformat()[:-6] + "Z"


class PlainReadMixin:
    """Render by reading `Meta.fields` straight off the instance, skipping DRF's per-field machinery.

    For serializers whose every output field is a plain attribute of the same name (model fields
    and query annotations) or a key of the same name of a dict row (a hand-written query's, see
    school.fastpath.student_courses); the list endpoints spend most of their Python time here
    otherwise. Input validation is untouched. The tests compare this output with DRF's own
    rendering.
    """

    def to_representation(self, instance):
        if isinstance(instance, dict):
            data = {name: instance[name] for name in self.Meta.fields}
        else:
            data = {name: getattr(instance, name) for name in self.Meta.fields}
        for name in self.datetime_names():
            if data[name] is not None:
                data[name] = utc_iso(data[name])
        return data

    @classmethod
    def datetime_names(cls):
        """The names of `Meta.fields` that DRF renders as DateTimeFields (worked out once)."""
        names = cls.__dict__.get("_datetime_names")
        if names is None:
            names = []
            for name in cls.Meta.fields:
                declared = cls._declared_fields.get(name)
                if declared is not None:
                    if isinstance(declared, serializers.DateTimeField):
                        names.append(name)
                elif isinstance(cls.Meta.model._meta.get_field(name), models.DateTimeField):
                    names.append(name)
            cls._datetime_names = names
        return names
