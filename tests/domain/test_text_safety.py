"""What text may hold, per place it goes: a pasted escape sequence never reaches a terminal, a
spreadsheet never runs an export, and the rules are the same whichever way the text came in."""

from __future__ import annotations

import json
import random

import pytest

from leadboard.domain.errors import InvalidInput
from leadboard.domain.text import (
    CONTROL_CHARACTERS,
    LIMITS,
    csv_cell,
    csv_cell_restored,
    for_terminal,
    is_control,
    json_for_terminal,
    multi_line,
    one_line,
    within,
)

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
CONTROLS = "".join(chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]) + BIDI
#: look alike or sit near the controls, but are text: kept everywhere
TEXT = "Ünïcødé ٣² \u00a0 \u200b \u2028 zwj\u200d emoji 🎉 'quote' \"double\" \\backslash [red]x[/]"


def test_every_control_and_bidi_character_counts_as_control_and_nothing_else_does():
    assert all(is_control(char) for char in CONTROLS)
    assert not any(is_control(char) for char in TEXT)
    assert is_control("\x9b")  # the 8-bit CSI: as dangerous as ESC [


def test_no_control_character_is_printable_so_printable_text_needs_no_cleaning():
    # the cleaning and escaping functions skip printable text: this is what makes that safe
    assert not any(char.isprintable() for char in CONTROL_CHARACTERS)
    assert set(CONTROLS) == CONTROL_CHARACTERS


def test_a_one_line_field_loses_every_control_character_and_its_outer_spaces():
    assert one_line(" Ada\x1b[2J Love\tlace\n\u202e ") == "Ada[2J Lovelace"
    assert one_line(TEXT) == TEXT.strip()
    assert one_line(CONTROLS) == ""


def test_a_note_keeps_its_lines_and_tabs_and_loses_the_rest():
    assert multi_line(" first line\r\nsecond\tline\rthird\x1b]52;c;bad\x07\x9b\u2066 ") == \
        "first line\nsecond\tline\nthird]52;c;bad"
    assert multi_line(TEXT) == TEXT.strip()
    assert multi_line(CONTROLS) == ""


def test_cleaning_twice_changes_nothing():
    rng = random.Random(7)
    alphabet = CONTROLS + "ab \u00a0é"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 20)))
        assert one_line(one_line(text)) == one_line(text)
        assert multi_line(multi_line(text)) == multi_line(text)
        assert not any(is_control(char) for char in one_line(text))
        assert not any(is_control(char) and char not in "\t\n" for char in multi_line(text))


def test_terminal_output_shows_controls_as_visible_escapes():
    assert for_terminal("Eve\x1b]0;pwned\x07") == "Eve\\x1b]0;pwned\\x07"
    assert for_terminal("\x9b31m \x7f \u202eevil\u2069 \u061c") == "\\x9b31m \\x7f \\u202eevil\\u2069 \\u061c"
    assert for_terminal("two\nlines\tand\r") == "two\\nlines\\tand\\r"
    assert for_terminal("two\nlines\tand\r", keep_lines=True) == "two\nlines\tand\\r"
    assert for_terminal(TEXT) == TEXT
    assert for_terminal(None) == ""
    assert for_terminal(12) == "12"


def test_terminal_output_of_any_text_holds_no_control_character():
    shown = for_terminal(CONTROLS)
    assert shown.isprintable() and shown.isascii()
    assert not any(is_control(char) for char in for_terminal(CONTROLS, keep_lines=True) if char not in "\t\n")


def test_json_for_a_terminal_escapes_what_json_dumps_leaves_raw_and_means_the_same():
    value = {"name": "Eve\x1b[2J", "lost_reason": "csi\x9b bidi\u202e del\x7f", "notes": "a\nb", "n": 1}
    document = json.dumps(value, ensure_ascii=False, indent=2)
    assert "\x9b" in document and "\u202e" in document  # json.dumps itself lets these through
    safe = json_for_terminal(document)
    assert json.loads(safe) == value
    assert "\\u009b" in safe and "\\u202e" in safe and "\\u007f" in safe
    assert not any(is_control(char) for char in safe if char not in "\n")
    assert json_for_terminal(json.dumps(TEXT, ensure_ascii=False)) == json.dumps(TEXT, ensure_ascii=False)


@pytest.mark.parametrize("cell", ["=1+1", "+1 555 0100", "-2", "@SUM(A1)", "\tfoo", "\rfoo",
                                  "=HYPERLINK(\"http://example.com\")"])
def test_a_cell_a_spreadsheet_would_run_is_shown_as_text(cell):
    assert csv_cell(cell) == "'" + cell
    assert csv_cell_restored(csv_cell(cell)) == cell


@pytest.mark.parametrize("cell", ["Ada", "", "12500", "a=b", " =1", "'quoted'", "'", "O'Brien"])
def test_an_ordinary_cell_is_left_alone(cell):
    assert csv_cell(cell) == cell
    assert csv_cell_restored(cell) == cell


def test_neutralising_a_cell_is_undone_exactly_whatever_the_cell_starts_with():
    rng = random.Random(11)
    alphabet = "'=+-@\t\ra 1"
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 6)))
        cell = csv_cell(text)
        assert csv_cell_restored(cell) == text, repr(text)
        assert not cell or cell[0] not in "=+-@\t\r"


def test_a_cell_that_already_starts_with_a_quote_before_a_formula_gets_one_more():
    assert csv_cell("'=1") == "''=1"
    assert csv_cell_restored("''=1") == "'=1"
    assert csv_cell_restored("'=1") == "=1"


def test_a_text_longer_than_its_limit_is_refused_with_the_fields_sentence():
    assert within("x" * LIMITS.reason, LIMITS.reason, "reason") == "x" * LIMITS.reason
    with pytest.raises(InvalidInput) as caught:
        within("x" * (LIMITS.reason + 1), LIMITS.reason, "reason")
    assert str(caught.value) == f"reason: is too long (at most {LIMITS.reason} characters)"
    assert caught.value.field == "reason"

