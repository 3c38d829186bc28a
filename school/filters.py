"""Query-parameter filtering shared by the list endpoints."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from school.ids import MAX_ID


class StableOrderingFilter(django_filters.OrderingFilter):
    """`?ordering=` that always ends with the id, so equal values never shuffle across pages."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "pk")
        return qs


def no_undecodable_text(value):
    # Django decodes a query string that is not valid UTF-8 (a lone surrogate, say) into U+FFFD.
    if "\ufffd" in value:
        raise ValidationError("The value is not valid UTF-8 text.", code="invalid")


class SearchFilterSet(django_filters.FilterSet):
    """`?search=`: a case-insensitive substring match over the subclass's `search_fields`."""

    search_fields: tuple[str, ...] = ()
    search = django_filters.CharFilter(
        method="filter_search", max_length=200, validators=[no_undecodable_text], label="Search"
    )

    def filter_search(self, queryset, name, value):
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class IdFilter(django_filters.NumberFilter):
    """A positive 64-bit id; anything else (text, fractions, huge numbers) is a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)
