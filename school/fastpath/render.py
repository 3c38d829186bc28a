"""Serializers rendered without DRF's per-field machinery.

`PlainReadMixin` renders a serializer's output by reading `Meta.fields` straight off the instance
or dict row, with `utc_iso` for datetimes: DRF's own rendering builds and runs a field object per
value. What it buys, measured, and what pins it to DRF's output: README.md in this folder.
"""

from datetime import UTC

from django.db import models
from django.utils import timezone
from rest_framework import serializers


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
