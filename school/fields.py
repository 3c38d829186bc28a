"""Serializer fields that take JSON types at their word: no number as text, no text as number."""

from datetime import UTC

from django.db import models
from django.utils import timezone
from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """Text only; with `normalize` (from a normalised model field), the stored form, so that the
    validators (`max_length`, the email check) judge what will be stored."""

    def __init__(self, *, normalize=None, **kwargs):
        self.normalize = normalize
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        value = super().to_internal_value(data)
        return self.normalize(value) if self.normalize else value


class StrictEmailField(StrictCharField, serializers.EmailField):
    pass


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose text and integer fields refuse the other JSON types."""

    def unique_ignoring_case(self, field, value, message):
        """`value`, if no other row has it in `field` in any case; else a 400 naming the field.
        (The database's functional unique index settles a race between two such checks.)"""
        others = self.Meta.model.objects.filter(**{f"{field}__iexact": value})
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(message, code="unique")
        return value

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        normalize = getattr(model_field, "normalize", None)
        if normalize is not None:
            field_kwargs["normalize"] = normalize
        return field_class, field_kwargs

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
        models.IntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
    }


def utc_iso(value):
    """An aware datetime as DRF's DateTimeField renders it here: in UTC, ISO 8601, 'Z' for +00:00."""
    if value.tzinfo is not UTC:
        value = timezone.localtime(value, UTC)
    return value.isoformat()[:-6] + "Z"


class PlainReadMixin:
    """Render by reading `Meta.fields` straight off the instance, skipping DRF's per-field machinery.

    For serializers whose every output field is a plain attribute of the same name (model fields
    and query annotations) or a key of the same name of a dict row (a hand-written query's, see
    students.selectors); the list endpoints spend most of their Python time here otherwise.
    Input validation is untouched. The tests compare this output with DRF's own rendering.
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


class BoundedListField(serializers.ListField):
    """A list whose length is checked before any item is: a list over `max_length` costs one
    comparison and answers one error, not one validation and one error per item."""

    def to_internal_value(self, data):
        if self.max_length is not None and isinstance(data, list) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)
