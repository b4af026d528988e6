"""The faster text and phone checks refuse and keep exactly what plain regular expressions say:
one-line fields lose every control character (tab and newline too, and the bidi controls); long
fields keep tab and newline, with ``\\r\\n`` and a lone ``\\r`` read as a newline."""

from __future__ import annotations

import random
import re

import pytest

from leadboard.domain.card import CardFields, validate_fields
from leadboard.domain.errors import InvalidInput

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_CONTROL_BUT_LAYOUT = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]+$")
ALPHABET = "ab Z9+()./-\t\n\r\x1b\x07\x85\x9b\u2028\u00a0\u200b\u202e\u2066\u061c٣²é "


def _original_text(value: str) -> str | None:
    return _CONTROL.sub("", value).strip() or None


def _original_long_text(value: str) -> str | None:
    return _CONTROL_BUT_LAYOUT.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip() or None


def _original_phone_ok(value: str) -> bool:
    digits = sum(ch.isdigit() for ch in value)
    return bool(_PHONE_CHARS.match(value)) and 6 <= digits <= 15


def _texts(count: int) -> list[str]:
    rng = random.Random(3)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 24))) for _ in range(count)]


def test_one_line_text_is_cleaned_exactly_as_the_plain_formula_says():
    for text in _texts(3000):
        assert CardFields(name="-", company=text).company == _original_text(text), repr(text)


def test_long_text_is_cleaned_exactly_as_the_plain_formula_says():
    for text in _texts(3000):
        assert CardFields(name="-", notes=text).notes == _original_long_text(text), repr(text)


def test_phone_numbers_are_judged_exactly_as_before():
    rng = random.Random(4)
    digits = "0123456789 +-()./٣"
    candidates = _texts(2000) + ["".join(rng.choice(digits) for _ in range(rng.randrange(1, 25)))
                                 for _ in range(3000)]
    for text in candidates:
        cleaned = _original_text(text)
        if cleaned is None:
            continue
        try:
            validate_fields({"name": "Ada", "phone": text})
            accepted = True
        except InvalidInput:
            accepted = False
        assert accepted == _original_phone_ok(cleaned), repr(text)


@pytest.mark.parametrize("phone", ["+44 20 7946 0958", "(030) 123-456", "0049.30.1234567"])
def test_real_phone_numbers_are_accepted(phone):
    assert validate_fields({"name": "Ada", "phone": phone}).phone == phone
