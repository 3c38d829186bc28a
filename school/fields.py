"""Serializer fields that take JSON types at their word: no number as text, no text as number."""

from django.db import models
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


class BoundedListField(serializers.ListField):
    """A list whose length is checked before any item is: a list over `max_length` costs one
    comparison and answers one error, not one validation and one error per item."""

    def to_internal_value(self, data):
        if self.max_length is not None and isinstance(data, list) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)
