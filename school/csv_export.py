"""CSV answers of list endpoints: every row, streamed in constant memory, read in keyset chunks.

A list viewset with `CSVExportMixin` answers its `list` as CSV when asked for `text/csv`
(`Accept: text/csv` or `?format=csv`): a header row, then every row of the same query as the
JSON list (same filters, same order), not one page. Rows are read `CHUNK_SIZE` at a time, each
chunk its own short query that continues after the last row of the one before (keyset
pagination: `WHERE (order key) > (last seen) ORDER BY ... LIMIT n`). So memory stays bounded by
one chunk however long the list, and no query holds a server-side cursor or a transaction open
while the client reads: safe behind PgBouncer in transaction pooling mode. Every other action,
and every other view, keeps its renderers: `text/csv` there stays 406.

Cells: text through `school.csv_cells.neutralise` (no formula runs in a spreadsheet), date-times
as the JSON renders them (ISO 8601 in UTC, `Z`); UTF-8 without a BOM, lines ending `\\r\\n` (the
csv module's default, as RFC 4180 says).
"""

import csv
import datetime
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.http import StreamingHttpResponse
from rest_framework import renderers

from school.csv_cells import neutralise
from school.fastpath.render import utc_iso

CSV_MEDIA_TYPE = "text/csv"
CSV_FORMAT = "csv"
# Rows per query: large enough that the round trips do not show, small enough to hold in memory.
CHUNK_SIZE = 2000

Ordering = list[tuple[str, bool]]  # (field, descending)


class CSVRenderer(renderers.BaseRenderer):
    """Offers `text/csv` to content negotiation. The body itself is streamed by `CSVExportMixin`;
    errors are answered as problem JSON by the exception handler, so nothing reaches `render`."""

    media_type = CSV_MEDIA_TYPE
    format = CSV_FORMAT
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise NotImplementedError("CSV answers are streamed by CSVExportMixin.list, never rendered.")


def ordering_of(queryset: QuerySet) -> Ordering:
    """The queryset's order as (field, descending) pairs, `pk` spelled as the model's primary key.

    Its last field must be unique among the rows (the lists end with the id), or keyset chunks
    could skip rows that tie across a chunk's border."""
    names = queryset.query.order_by or (
        queryset.model._meta.ordering if queryset.query.default_ordering else ()
    )
    ordering: Ordering = []
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"Keyset chunks need an ordering by field names, not {name!r}.")
        descending = name.startswith("-")
        field = name.lstrip("-")
        if field == "pk":
            field = queryset.model._meta.pk.name
        if field not in (seen for seen, _ in ordering):
            ordering.append((field, descending))
    if not ordering:
        raise ValueError("Keyset chunks need an ordered queryset.")
    return ordering


def after(ordering: Ordering, last: Sequence[Any]) -> Q:
    """The rows that come after a row whose ordering fields hold `last`:
    `f1 > v1 OR (f1 = v1 AND (f2 > v2 OR (f2 = v2 AND ...)))`, with `<` for a descending field.
    (Ordering fields are never null here: NULLs would need their own terms.)"""
    condition: Q | None = None
    for (field, descending), value in reversed(list(zip(ordering, last, strict=True))):
        beyond = Q(**{f"{field}__{'lt' if descending else 'gt'}": value})
        condition = beyond if condition is None else beyond | (Q(**{field: value}) & condition)
    assert condition is not None
    return condition


def keyset_chunks(queryset: QuerySet, columns: Sequence[str]) -> Iterator[list[tuple[Any, ...]]]:
    """Every row of `queryset` as tuples of `columns`, in its order, `CHUNK_SIZE` rows per query.

    Plain tuples (`values_list`), no model instances; each query is its own, no cursor is kept
    open between them (so not `.iterator()`, which holds a server-side cursor on PostgreSQL)."""
    ordering = ordering_of(queryset)
    names = [*columns, *(field for field, _ in ordering if field not in columns)]
    key = [names.index(field) for field, _ in ordering]
    width = len(columns)
    rows = queryset.values_list(*names)
    chunk_size = CHUNK_SIZE
    last: list[Any] | None = None
    while True:
        chunk = list((rows if last is None else rows.filter(after(ordering, last)))[:chunk_size])
        if chunk:
            yield [row[:width] for row in chunk]
        if len(chunk) < chunk_size:
            return
        last = [chunk[-1][position] for position in key]


def cell(value: Any) -> Any:
    """What to write for a value: text neutralised, a date-time as the JSON shows it."""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, datetime.datetime):
        return utc_iso(value)
    return value


class _Line:
    """A file-like object for csv.writer that hands back the line it was given to write."""

    def write(self, line: str) -> str:
        return line


def csv_lines(header: Sequence[str], chunks: Iterable[list[tuple[Any, ...]]]) -> Iterator[bytes]:
    """The header line, then the lines of each chunk, as UTF-8 bytes, one piece per chunk."""
    writer = csv.writer(_Line())
    yield writer.writerow(header).encode()
    for chunk in chunks:
        yield "".join(writer.writerow([cell(value) for value in row]) for row in chunk).encode()


def csv_response(
    *, filename: str, header: Sequence[str], chunks: Iterable[list[tuple[Any, ...]]]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_lines(header, chunks), content_type=f"{CSV_MEDIA_TYPE}; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CSVExportMixin:
    """For a list viewset: `list` also answers `text/csv`, every row of `csv_queryset()` as
    `csv_columns` (default: the header's names) under the header `csv_header`.

    `csv_queryset()` runs before the answer starts, so its errors (a bad filter, an unknown
    course: 400, 404) are problem JSON like any other; only reading the rows is deferred."""

    csv_header: tuple[str, ...] = ()
    csv_columns: tuple[str, ...] = ()

    def get_renderers(self):
        found = super().get_renderers()
        if getattr(self, "action", None) == "list":
            found.append(CSVRenderer())
        return found

    def csv_queryset(self) -> QuerySet:
        raise NotImplementedError

    def csv_filename(self) -> str:
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format != CSV_FORMAT:
            return super().list(request, *args, **kwargs)
        rows = self.csv_queryset()
        return csv_response(
            filename=self.csv_filename(),
            header=self.csv_header,
            chunks=keyset_chunks(rows, self.csv_columns or self.csv_header),
        )
