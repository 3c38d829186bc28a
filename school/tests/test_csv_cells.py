"""CSV cells: formulas neutralised on export, restored on import, exactly."""

import pytest

from school.csv_cells import neutralise, restore


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),
        ("Ada", "Ada"),
        ("'t Hooft", "'t Hooft"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_formulas_get_a_quote_and_lose_it_again(text, cell):
    assert neutralise(text) == cell
    assert restore(cell) == text


@pytest.mark.parametrize("text", ["=", "''''-", "'", "''", "x'=", "'t", "@@", "-'"])
def test_restore_undoes_neutralise_for_any_text(text):
    assert restore(neutralise(text)) == text
