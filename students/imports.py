"""CSV imports of students, courses and enrollments: the one importer behind the API, the admin
and `manage.py import_csv`.

An import reads the whole file first (UTF-8, BOM allowed, a header row; columns in any order,
extra columns ignored) and checks every row, collecting every problem with its line number;
only a file without any problem is written, in one transaction, through the services' bulk
paths (`students_upsert`, `courses_upsert`, `enrollments_change`), so the seat, waitlist and
event rules are the ones every other write obeys. A dry run does the same and rolls back.

Costs are bounded by the file: at most MAX_IMPORT_BYTES read and MAX_IMPORT_ROWS rows kept
(each a short tuple), a cell at most the csv module's field limit; a bigger file stops being
read as soon as it is over.
"""

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Func
from django.db.models.functions import Lower, Upper

from courses.exceptions import CapacityBelowEnrollment
from courses.models import DESCRIPTION_MAX_LENGTH, Course
from courses.services import UpsertResult, courses_upsert
from school.csv_cells import restore
from students.events import writing_as
from students.exceptions import MAX_IMPORT_BYTES, CoursesFull, ImportInvalid, ImportTooLarge, RowError
from students.models import EventSource, Student
from students.services import enrollments_change, students_upsert

MAX_IMPORT_ROWS = 100_000
# The preview shows this many of the changes an import would make.
MAX_LISTED_CHANGES = 500
CHUNK = 5000

ENROLL, DROP = "enroll", "drop"


@dataclass(frozen=True)
class Kind:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


# What each kind's columns do, for people (the API's schema, the admin's upload page).
HEADERS = {
    "students": "`email,first_name,last_name`: creates, or updates the names of the student with that email.",
    "courses": "`code,title[,description,credits,capacity]`: creates, or updates the course with that code; "
    "a column left out keeps its value, an empty `capacity` is unlimited.",
    "enrollments": "`student_email,course_code[,action]`: `action` `enroll` (the default) or `drop`. Drops "
    "come first; the seats they free go to waiting students first; every enrollment needs a seat.",
}

KINDS = {
    kind.name: kind
    for kind in (
        Kind("students", ("email", "first_name", "last_name")),
        Kind("courses", ("code", "title"), ("description", "credits", "capacity")),
        Kind("enrollments", ("student_email", "course_code"), ("action",)),
    )
}


@dataclass(frozen=True)
class Change:
    row: int
    action: str  # created, updated, enrolled, dropped
    what: str


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    enrolled: int = 0
    dropped: int = 0
    unchanged: int = 0
    changes: list[Change] = field(default_factory=list)  # the first MAX_LISTED_CHANGES

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.enrolled or self.dropped)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "enrolled": self.enrolled,
            "dropped": self.dropped,
            "unchanged": self.unchanged,
        }

    def upserted(self, done: UpsertResult, lines: dict[str, int]) -> None:
        """Count what a bulk upsert did, and note its changes by the lines of their keys."""
        self.created, self.updated, self.unchanged = len(done.created), len(done.updated), len(done.unchanged)
        self.note([lines[key] for key in done.created], "created", done.created)
        self.note([lines[key] for key in done.updated], "updated", done.updated)

    def note(self, rows: list[int], action: str, what: list[str]) -> None:
        for row, text in zip(rows, what, strict=True):
            if len(self.changes) >= MAX_LISTED_CHANGES:
                return
            self.changes.append(Change(row, action, text))


Progress = Callable[[int], None]  # called with the number of rows read so far


def csv_import(
    *,
    kind: str,
    file: IO[bytes],
    dry_run: bool = False,
    actor: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import `file` as `kind` (students, courses, enrollments): every row, or none.

    Raises ImportInvalid listing every wrong row (or what is wrong with the file), or
    ImportTooLarge. Changes are recorded as `actor` through the import door."""
    importer = IMPORTERS[kind]
    rows = read_rows(KINDS[kind], file, progress=progress)
    result = ImportResult(kind=kind, dry_run=dry_run, rows=len(rows))
    with writing_as(actor, EventSource.IMPORT), transaction.atomic():
        importer(rows, result)
        if dry_run:
            transaction.set_rollback(True)
    return result


# A row as read: its line number and its cells by column name (absent optional columns left out).
Row = tuple[int, dict[str, str]]


class _Limited(io.RawIOBase):
    """A binary file read no further than `limit` bytes: ImportTooLarge past them."""

    def __init__(self, file: IO[bytes], limit: int) -> None:
        self.file, self.left = file, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.file.read(len(buffer))
        self.left -= len(data)
        if self.left < 0:
            raise ImportTooLarge()
        buffer[: len(data)] = data
        return len(data)


def read_rows(kind: Kind, file: IO[bytes], *, progress: Progress | None = None) -> list[Row]:
    """Every data row of the file, after checking the file's shape (ImportInvalid, ImportTooLarge)."""
    reader = csv.reader(_text_lines(io.BufferedReader(_Limited(file, MAX_IMPORT_BYTES))), strict=True)
    records = _records(reader)
    _, header = next(records, (1, []))
    columns = _columns(kind, header)
    rows: list[Row] = []
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if len(rows) == MAX_IMPORT_ROWS:
            raise ImportInvalid(
                [RowError(line, None, "too_many_rows", f"An import holds at most {MAX_IMPORT_ROWS:,} rows.")]
            )
        rows.append(
            (line, {name: restore(cells[i].strip()) if i < len(cells) else "" for name, i in columns})
        )
        if progress is not None and len(rows) % CHUNK == 0:
            progress(len(rows))
    if progress is not None:
        progress(len(rows))
    return rows


def _text_lines(binary: IO[bytes]) -> Iterator[str]:
    """The file's lines as text, decoded line by line, so that bytes that are not UTF-8 (or a NUL,
    which no database column takes) are reported at their line."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    number = 0
    for number, raw in enumerate(binary, start=1):
        try:
            text = decoder.decode(raw)
        except UnicodeDecodeError:
            raise ImportInvalid(
                [RowError(number, None, "encoding", "This line is not UTF-8 text: save the file as UTF-8.")]
            ) from None
        if "\x00" in text:
            raise ImportInvalid([RowError(number, None, "malformed", "This line holds a NUL character.")])
        yield text
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ImportInvalid(
            [RowError(number, None, "encoding", "The file ends inside a UTF-8 character.")]
        ) from None


def _records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(the line a record starts on, its cells); a file that is not CSV is ImportInvalid at the
    line where that shows."""
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportInvalid(
                [RowError(line, None, "malformed", f"The file is not valid CSV from this line: {error}.")]
            ) from None
        yield line, cells
        line = reader.line_num + 1


def _columns(kind: Kind, header: list[str]) -> list[tuple[str, int]]:
    """[(column name, index)] of the kind's columns present in the header row."""
    names = [name.strip().lower() for name in header]
    if not any(names):
        raise ImportInvalid([RowError(1, None, "missing_header", "The file has no header row.")])
    errors = []
    for name in sorted({name for name in names if names.count(name) > 1 and name in kind.columns}):
        errors.append(RowError(1, name, "duplicate_column", f"The column {name!r} appears more than once."))
    for name in kind.required:
        if name not in names:
            errors.append(RowError(1, name, "missing_column", f"The header has no {name!r} column."))
    if errors:
        raise ImportInvalid(errors)
    return [(name, names.index(name)) for name in kind.columns if name in names]


def _clean(model: type[Any], name: str, value: Any, line: int, errors: list[RowError]) -> Any:
    """`value` as the model field `name` stores it, or None after noting why it is wrong."""
    try:
        return model._meta.get_field(name).clean(value, None)
    except ValidationError as error:
        errors.append(RowError(line, name, "validation_error", " ".join(error.messages)))
        return None


def _duplicates(keys: list[tuple[int, Any]], field_name: str, what: str, errors: list[RowError]) -> None:
    """A row whose key an earlier row already has is wrong: which one should win?"""
    first: dict[Any, int] = {}
    for line, key in keys:
        if key in first:
            errors.append(RowError(line, field_name, "duplicate", f"The same {what} as line {first[key]}."))
        else:
            first[key] = line


def import_students(rows: list[Row], result: ImportResult) -> None:
    errors: list[RowError] = []
    cleaned = []
    for line, cells in rows:
        values = [
            _clean(Student, name, cells[name], line, errors) for name in ("email", "first_name", "last_name")
        ]
        cleaned.append((line, values))
    _duplicates([(line, values[0]) for line, values in cleaned if values[0]], "email", "email", errors)
    if errors:
        raise ImportInvalid(errors)
    lines = {values[0]: line for line, values in cleaned}
    done = students_upsert(rows=[(values[0], values[1], values[2]) for _, values in cleaned])
    result.upserted(done, lines)


def import_courses(rows: list[Row], result: ImportResult) -> None:
    errors: list[RowError] = []
    cleaned = []
    for line, cells in rows:
        course: dict[str, Any] = {
            "code": _clean(Course, "code", cells["code"], line, errors),
            "title": _clean(Course, "title", cells["title"], line, errors),
        }
        if "description" in cells:
            course["description"] = cells["description"]
            if len(cells["description"]) > DESCRIPTION_MAX_LENGTH:
                errors.append(
                    RowError(
                        line,
                        "description",
                        "validation_error",
                        f"At most {DESCRIPTION_MAX_LENGTH:,} characters.",
                    )
                )
        for name in ("credits", "capacity"):
            if name in cells:
                # An empty credits cell is the default (0); an empty capacity is unlimited.
                raw = cells[name] or (0 if name == "credits" else None)
                course[name] = _clean(Course, name, raw, line, errors)
        cleaned.append((line, course))
    _duplicates(
        [(line, course["code"]) for line, course in cleaned if course["code"]], "code", "code", errors
    )
    if errors:
        raise ImportInvalid(errors)
    lines = {course["code"]: line for line, course in cleaned}
    try:
        done = courses_upsert(rows=[course for _, course in cleaned])
    except ExceptionGroup as refused:
        below = [error for error in refused.exceptions if isinstance(error, CapacityBelowEnrollment)]
        if len(below) < len(refused.exceptions):
            raise
        raise ImportInvalid(
            [
                RowError(lines[error.course_code or ""], "capacity", "validation_error", error.message)
                for error in below
            ]
        ) from None
    result.upserted(done, lines)


def import_enrollments(rows: list[Row], result: ImportResult) -> None:
    errors: list[RowError] = []
    code_field = Course._meta.get_field("code")
    keys = [
        (_normal_email(cells["student_email"]), code_field.to_python(cells["course_code"]))
        for _, cells in rows
    ]
    # Looked up as their unique indexes hold them (emails stored lower-case, codes upper-case).
    student_ids = _ids_by(Student, Lower("email"), sorted({email for email, _ in keys}))
    course_ids = _ids_by(Course, Upper("code"), sorted({code for _, code in keys}))
    wanted = []  # (line, action, student id, course id)
    for (line, cells), (email, code) in zip(rows, keys, strict=True):
        action = (cells.get("action") or ENROLL).lower()
        if action not in (ENROLL, DROP):
            errors.append(RowError(line, "action", "validation_error", "The action is 'enroll' or 'drop'."))
        student_id, course_id = student_ids.get(email), course_ids.get(code)
        if student_id is None:
            detail = "No student has this email." if email else "This field cannot be blank."
            errors.append(
                RowError(line, "student_email", "unknown_student" if email else "validation_error", detail)
            )
        if course_id is None:
            detail = "No course has this code." if code else "This field cannot be blank."
            errors.append(
                RowError(line, "course_code", "unknown_course" if code else "validation_error", detail)
            )
        if student_id is not None and course_id is not None and action in (ENROLL, DROP):
            wanted.append((line, action, student_id, course_id))
    _duplicates([(line, (s, c)) for line, _, s, c in wanted], "course_code", "student and course", errors)
    if errors:
        raise ImportInvalid(errors)
    lines = {(s, c): line for line, _, s, c in wanted}
    try:
        done = enrollments_change(
            enroll=[(s, c) for _, action, s, c in wanted if action == ENROLL],
            drop=[(s, c) for _, action, s, c in wanted if action == DROP],
        )
    except CoursesFull as full:
        raise ImportInvalid(
            [
                RowError(
                    lines[pair],
                    "course_code",
                    "course_full",
                    f"No seat is left for this row: the course had {full.seats_left.get(pair[1], 0)} free.",
                )
                for pair in full.refused
            ]
        ) from None
    result.enrolled, result.dropped = len(done.enrolled), len(done.dropped)
    result.unchanged = result.rows - result.enrolled - result.dropped
    names = {pk: email for email, pk in student_ids.items()}
    codes_by_id = {pk: code for code, pk in course_ids.items()}
    for action, pairs in (("enrolled", done.enrolled), ("dropped", done.dropped)):
        result.note(
            [lines[pair] for pair in pairs], action, [f"{names[s]} in {codes_by_id[c]}" for s, c in pairs]
        )


def _normal_email(value: str) -> str:
    return Student._meta.get_field("email").to_python(value) or ""


def _ids_by(model: type[Any], key: Func, values: list[str]) -> dict[str, int]:
    """{value: id} of the rows whose `key` is one of `values` (a query per CHUNK values)."""
    found: dict[str, int] = {}
    values = [value for value in values if value]
    rows = model.objects.annotate(key=key)
    for start in range(0, len(values), CHUNK):
        found.update(rows.filter(key__any_of=values[start : start + CHUNK]).values_list("key", "pk"))
    return found


IMPORTERS: dict[str, Callable[[list[Row], ImportResult], None]] = {
    "students": import_students,
    "courses": import_courses,
    "enrollments": import_enrollments,
}
