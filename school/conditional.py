"""Conditional requests on one object: `ETag` and `If-None-Match` (304) on reads, `If-Match`
(412 `precondition_failed`, nothing written) on writes.

The ETag is a digest of the object's representation, so it changes whenever anything shown
changes (a course's `enrolled_count` too). A write with `If-Match` locks the row, compares, and
writes in one transaction: a concurrent write cannot slip between the check and the write.
"""

import hashlib

import orjson
from django.db import transaction
from django.utils.http import parse_etags, quote_etag
from rest_framework import status
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from school.problems import PreconditionFailed


def etag_of(data) -> str:
    """A strong ETag of a representation (the serializer's data)."""
    digest = hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()
    return quote_etag(digest[:32])


def _weak_free(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def if_none_match_hits(header: str | None, etag: str) -> bool:
    """`If-None-Match` names this version (weak comparison, `*` for any)."""
    if not header:
        return False
    tags = parse_etags(header)
    return "*" in tags or _weak_free(etag) in {_weak_free(tag) for tag in tags}


def if_match_passes(header: str, etag: str) -> bool:
    """`If-Match` names this version (strong comparison: a weak tag never matches; `*` for any)."""
    tags = parse_etags(header)
    return "*" in tags or etag in tags


class ConditionalMixin:
    """For a viewset's retrieve, update (PUT, PATCH) and destroy of one object."""

    def locked_object(self):
        queryset = self.get_queryset().select_for_update(of=("self",))
        lookup = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        instance = get_object_or_404(queryset, **{self.lookup_field: lookup})
        self.check_object_permissions(self.request, instance)
        return instance

    def check_if_match(self, request):
        header = request.headers.get("If-Match")
        if header is None:
            return  # without If-Match, the last write wins
        current = etag_of(self.get_serializer(self.locked_object()).data)
        if not if_match_passes(header, current):
            raise PreconditionFailed()

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        etag = etag_of(response.data)
        if if_none_match_hits(request.headers.get("If-None-Match"), etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        response["ETag"] = etag
        return response

    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            self.check_if_match(request)
            response = super().update(request, *args, **kwargs)
        response["ETag"] = etag_of(response.data)
        return response

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            self.check_if_match(request)
            return super().destroy(request, *args, **kwargs)
