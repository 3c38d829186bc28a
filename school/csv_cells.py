"""Text cells of the CSV files the API writes and reads, safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to a
spreadsheet (OWASP "CSV injection"): exports write it with a leading `'`, which spreadsheets
show as text. So that an export imports back unchanged, imports remove that one `'` again.
The two are exact inverses: a value that already starts with `'`s and then a trigger gets one
more `'` on the way out and loses one on the way in; any other value is left alone both ways
(a name like `'t Hooft` stays as it is).
"""

import re

FORMULA_TRIGGERS = "=+-@\t\r"
_NEEDS_QUOTE = re.compile(f"'*[{re.escape(FORMULA_TRIGGERS)}]")
_QUOTED = re.compile(f"'+[{re.escape(FORMULA_TRIGGERS)}]")


def neutralise(text: str) -> str:
    """The cell to write for `text`: a leading `'` if a spreadsheet would run it as a formula."""
    return "'" + text if _NEEDS_QUOTE.match(text) else text


def restore(cell: str) -> str:
    """The text a cell written by neutralise() stands for."""
    return cell[1:] if _QUOTED.match(cell) else cell
