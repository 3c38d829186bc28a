"""The orjson renderer writes DRF's JSONRenderer's bytes (school/fastpath/render.py)."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from school.fastpath.render import JSONRenderer

PAYLOADS = [
    {},
    [],
    "",
    0,
    True,
    {"count": 2, "next": None, "previous": "http://testserver/api/v1/courses/?page_size=2", "results": []},
    {"text": "Zoë Ünïcødé 中文 🎓", "quote": '"\\/', "controls": "\x00\x01\x08\t\n\x0c\r\x1f\x7f"},
    {"separators": "a\u2028b\u2029c"},
    {"big": 2**63 - 1, "bigger": 2**64, "negative": -(2**70)},
    {1: "a non-string key"},
    {"lazy": gettext_lazy("Invalid token.")},
    {
        "when": datetime(2026, 11, 27, 9, 30, tzinfo=UTC),
        "micro": datetime(2026, 1, 1, 0, 0, 0, 5, tzinfo=UTC),
    },
    {"offset": datetime(2026, 11, 27, 9, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))},
    {"decimal": Decimal("1.50")},
    ReturnDict({"id": 1, "items": ReturnList([{"id": 2}], serializer=None)}, serializer=None),
    {"nested": [[[{"deep": [None, False, "x"]}]]]},
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_orjson_renders_drfs_bytes(payload):
    assert JSONRenderer().render(payload) == DRFJSONRenderer().render(payload)


def test_an_indent_asked_for_is_honoured_as_drf_honours_it():
    payload = {"a": [1, 2]}
    media_type = "application/json; indent=2"
    assert JSONRenderer().render(payload, media_type) == DRFJSONRenderer().render(payload, media_type)
    assert b"\n  " in JSONRenderer().render(payload, media_type)


def test_lone_surrogates_fail_as_they_fail_in_drf():
    with pytest.raises(UnicodeEncodeError):
        DRFJSONRenderer().render({"bad": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        JSONRenderer().render({"bad": "\ud800"})


def test_nothing_renders_as_nothing():
    assert JSONRenderer().render(None) == b""
