"""Serializer fields that take JSON types at their word: no number as text, no text as number."""

from datetime import UTC, datetime

from django.db import models
from django.utils import timezone
from rest_framework import serializers


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


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

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
        models.IntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
    }


def plain(value):
    """A model attribute as DRF's fields render it: datetimes in UTC, ISO 8601, 'Z' for +00:00."""
    if isinstance(value, datetime):
        text = timezone.localtime(value, UTC).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return value


class PlainReadMixin:
    """Render by reading `Meta.fields` straight off the instance, skipping DRF's per-field machinery.

    For serializers whose every output field is a plain attribute of the same name (model fields
    and query annotations), or a key of the same name of a dict row; the list endpoints spend most of their Python time here otherwise.
    Input validation is untouched. The tests compare this output with DRF's own rendering.
    """

    def to_representation(self, instance):
        if isinstance(instance, dict):  # a row of a hand-written query (students.selectors)
            return {name: plain(instance[name]) for name in self.Meta.fields}
        return {name: plain(getattr(instance, name)) for name in self.Meta.fields}
