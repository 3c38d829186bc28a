"""Text model fields stored in a normal form, normalised in one place: the field itself.

A value is normalised wherever it enters: every save (`pre_save`), model validation and forms
(`to_python`, so the admin's checks see the stored form), and API input (the serializer field
that `school.fields.StrictModelSerializer` builds from the model field normalises before its
validators run, so `max_length` and uniqueness are checked on the stored form).
"""

from collections.abc import Callable
from typing import Any

from django.db import models


class NormalizedMixin:
    def __init__(self, *args: Any, normalize: Callable[[str], str], **kwargs: Any) -> None:
        self.normalize = normalize
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        # The normal form is Python's business, not the schema's: migrations see the plain field.
        name, _, args, kwargs = super().deconstruct()
        base = next(cls for cls in type(self).__mro__ if cls.__module__.startswith("django.db.models"))
        return name, f"django.db.models.{base.__name__}", args, kwargs

    def clone(self):
        _, _, args, kwargs = self.deconstruct()
        return type(self)(*args, normalize=self.normalize, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return self.normalize(value) if isinstance(value, str) else value

    def pre_save(self, model_instance, add):
        value = self.to_python(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value


class NormalizedCharField(NormalizedMixin, models.CharField):
    pass


class NormalizedEmailField(NormalizedMixin, models.EmailField):
    pass
