"""Serializer fields that take JSON types at their word: no number as text, no text as number."""

from django.contrib.auth import get_user_model
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


USERNAME_MAX_LENGTH = 150  # django.contrib.auth's User.username
MAX_USERNAMES = 50


class ReadsByNameMixin:
    """Read the value from the attribute (or dict key) of the field's own name, whatever its
    `source` says: `source` names what it writes (a relation); the name, a property that lists
    fill in one query."""

    def get_attribute(self, instance):
        return instance[self.field_name] if isinstance(instance, dict) else getattr(instance, self.field_name)


class UsernameField(ReadsByNameMixin, StrictCharField):
    """A linked `auth.User`, written and read as its username (or null). Reads the model's
    property of the field's name (`username`), so that a list reads it from `select_related`."""

    default_error_messages = {"does_not_exist": "No user has the username {username!r}."}

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", USERNAME_MAX_LENGTH)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value

    def run_validation(self, data=serializers.empty):
        # The text is checked as text (type, length) first; then the user is looked up.
        username = super().run_validation(data)
        if username is None:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            self.fail("does_not_exist", username=username)
        return user


class UsernameListField(ReadsByNameMixin, BoundedListField):
    """Linked `auth.User`s, written and read as a list of usernames (sorted when read); every
    unknown username is named, and the whole list costs one query."""

    default_error_messages = {"does_not_exist": "No user has the username {usernames}."}

    def __init__(self, **kwargs):
        kwargs.setdefault("child", StrictCharField(max_length=USERNAME_MAX_LENGTH))
        kwargs.setdefault("max_length", MAX_USERNAMES)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_representation(self, data):
        return list(data)

    def to_internal_value(self, data):
        usernames = list(dict.fromkeys(super().to_internal_value(data)))
        users = {user.username: user for user in get_user_model().objects.filter(username__in=usernames)}
        unknown = [name for name in usernames if name not in users]
        if unknown:
            self.fail("does_not_exist", usernames=", ".join(repr(name) for name in unknown))
        return [users[name] for name in usernames]
