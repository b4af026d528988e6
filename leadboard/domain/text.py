"""Text safety and length limits: the one place that says what user text may hold and how long it may be.

Text comes from people (the board, the command line), from files (imports, rules files) and from
colleagues (through the shared database). It is cleaned on the way in, by context:

- ``one_line``: a name, a company, a phone number, a user name: every control character is
  removed (tab and newline too) and the ends are stripped.
- ``multi_line``: a note, a reason, an activity summary: line breaks become ``\\n``, tab and
  newline are kept, every other control character is removed, the ends are stripped.

and escaped on the way out, by where it goes:

- ``for_terminal``: human output shows each control character as a visible escape (``\\x1b``,
  ``\\u202e``), so nothing stored can move the cursor, retitle a pane, set the clipboard or reorder
  what is shown. ``keep_lines=True`` lets tab and newline through for multi-line output.
- ``json_for_terminal``: a JSON document with every control character left raw by ``json.dumps``
  written as a ``\\uXXXX`` escape (still the same JSON value).
- ``csv_cell`` / ``csv_cell_restored``: OWASP's CSV-injection neutralising of a cell a spreadsheet
  would run as a formula, and its exact inverse for reading leadboard's own exports back.

A *control character* here is C0 (U+0000-U+001F), DEL (U+007F), C1 (U+0080-U+009F, which includes
the 8-bit CSI U+009B) and the bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E,
U+2066-U+2069) that reorder how a line is shown. Pure Python: no database, no terminal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from leadboard.domain.errors import InvalidInput

#: every control character, as (first, last) code points
_CONTROL_RANGES = (
    (0x00, 0x1F),  # C0: ESC starts every escape sequence, BEL ends an OSC (pane title, clipboard)
    (0x7F, 0x9F),  # DEL, and C1: U+009B is a one-character CSI, U+009D an OSC
    (0x061C, 0x061C), (0x200E, 0x200F), (0x202A, 0x202E), (0x2066, 0x2069),  # bidi controls
)
CONTROL_CHARACTERS = frozenset(chr(code) for first, last in _CONTROL_RANGES for code in range(first, last + 1))
#: the two control characters multi-line text is laid out with
LAYOUT = frozenset("\t\n")


def _any_of(chars: frozenset[str]) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(char) for char in sorted(chars)) + "]")


_CONTROL = _any_of(CONTROL_CHARACTERS)
_CONTROL_BUT_LAYOUT = _any_of(CONTROL_CHARACTERS - LAYOUT)
# a cell a spreadsheet reads as a formula (or that hides one behind a tab or carriage return);
# the leading quotes make the neutralising reversible (see csv_cell)
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")


def is_control(char: str) -> bool:
    """True for one of the characters this module removes or escapes."""
    return char in CONTROL_CHARACTERS


# ---- on the way in -------------------------------------------------------------------------------


def one_line(text: str) -> str:
    """A one-line field as stored: no control character at all, no space at either end."""
    # a control character is never printable, so the (costlier) removal is only needed otherwise
    if text.isprintable():
        return text.strip()
    return _CONTROL.sub("", text).strip()


def multi_line(text: str) -> str:
    """A note, reason or summary as stored: ``\\r\\n`` and a lone ``\\r`` become ``\\n``; tab and
    newline stay; every other control character goes; no space at either end."""
    if text.isprintable():
        return text.strip()
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_BUT_LAYOUT.sub("", text).strip()


# ---- on the way out ------------------------------------------------------------------------------


def _escape(char: str) -> str:
    special = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}.get(char)
    if special is not None:
        return special
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_ESCAPES = {ord(char): _escape(char) for char in CONTROL_CHARACTERS}
_ESCAPES_BUT_LAYOUT = {code: escape for code, escape in _ESCAPES.items() if chr(code) not in LAYOUT}
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in _ESCAPES_BUT_LAYOUT}


def for_terminal(value: object, keep_lines: bool = False) -> str:
    """``value`` as text a terminal shows and never obeys: each control character becomes a
    visible escape (``\\x1b``, ``\\x9b``, ``\\u202e``). One line unless ``keep_lines``, which lets
    tab and newline through."""
    if value is None:
        return ""
    text = str(value)
    if text.isprintable():
        return text
    return text.translate(_ESCAPES_BUT_LAYOUT if keep_lines else _ESCAPES)


def json_for_terminal(document: str) -> str:
    """A JSON document (as ``json.dumps(..., ensure_ascii=False)`` writes it) with every control
    character it left raw written as ``\\uXXXX``: the same JSON value, inert in a terminal.

    ``json.dumps`` already escapes C0 inside strings, so a raw tab or newline in ``document`` is
    layout (indentation) and stays; DEL, C1 and the bidi controls are escaped."""
    return document.translate(_JSON_ESCAPES)


def csv_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: one starting with ``=``, ``+``, ``-``, ``@``, tab or
    carriage return (the OWASP CSV-injection list) gets a single quote in front.

    A cell that already starts with quotes followed by one of those gets one more quote, so
    ``csv_cell_restored`` can tell every neutralised cell from a cell that just starts with a quote
    and undo exactly what was done."""
    return "'" + text if _FORMULA.match(text) else text


def csv_cell_restored(cell: str) -> str:
    """The text ``csv_cell`` was given, from the cell it made (for leadboard's own exports only:
    a foreign file's ``'=1`` means what it says)."""
    return cell[1:] if _NEUTRALISED.match(cell) else cell


# ---- length limits -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Limits:
    """The most characters each kind of user text may have, whichever way it arrives (a form, the
    command line, an import). The database's column sizes agree (``tests/store`` checks them)."""

    line: int = 200
    """A one-line card field: name, company, title, phone, owner, decision maker, payment terms."""
    user: int = 200
    """A user name: who made a move, logged an activity, created or last changed a card."""
    email: int = 320
    """An email address (email-validator itself stops at 254)."""
    long_text: int = 4000
    """A multi-line card field: need, requirements, terms, notes."""
    reason: int = 4000
    """Why a card was demoted or lost (typed or imported), as kept on the card and in its history."""
    summary: int = 2000
    """What an activity (call, meeting, email, note) was about."""
    warnings: int = 500
    """The ids of the warning rules accepted on a card's last move, comma-separated."""
    rule_id: int = 60
    """A gate rule's id in a rules file."""
    rule_message: int = 200
    """A gate rule's message in a rules file (one line)."""
    lost_reason_choice: int = 100
    """One of the lost reasons a rules file offers to choose from."""


LIMITS = Limits()


def within(text: str, limit: int, field: str) -> str:
    """``text`` if it has at most ``limit`` characters, else ``InvalidInput`` naming ``field`` in
    the sentence a card field's validation says."""
    if len(text) > limit:
        raise InvalidInput(f"{field}: is too long (at most {limit} characters)", field=field)
    return text


def checked(clean: Callable[[str], str], limit: int, required: bool = True) -> AfterValidator:
    """For a pydantic field: the text cleaned by ``clean`` (``one_line`` or ``multi_line``), then
    held to ``limit`` (and, if ``required``, not blank), refused with the sentences a card field
    gets: ``Annotated[str, checked(one_line, LIMITS.user)]``."""

    def check(text: str) -> str:
        text = clean(text)
        if required and not text:
            raise PydanticCustomError("string_too_short", "is required")
        if len(text) > limit:
            raise PydanticCustomError("string_too_long", "is too long (at most {max_length} characters)",
                                      {"max_length": limit})
        return text

    return AfterValidator(check)


__all__ = ["CONTROL_CHARACTERS", "LAYOUT", "LIMITS", "Limits", "checked", "csv_cell", "csv_cell_restored",
           "for_terminal", "is_control", "json_for_terminal", "multi_line", "one_line", "within"]
