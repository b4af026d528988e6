"""The faster text and phone checks refuse and keep exactly what the original formulas did."""

from __future__ import annotations

import random
import re

import pytest

from leadboard.domain.card import CardFields, validate_fields
from leadboard.domain.errors import InvalidInput

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]+$")
ALPHABET = "ab Z9+()./-\t\n\r\x1b\x07\x85\u2028\u00a0\u200b٣²é "


def _original_text(value: str) -> str | None:
    return _CONTROL.sub("", value).strip() or None


def _original_phone_ok(value: str) -> bool:
    digits = sum(ch.isdigit() for ch in value)
    return bool(_PHONE_CHARS.match(value)) and 6 <= digits <= 15


def _texts(count: int) -> list[str]:
    rng = random.Random(3)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 24))) for _ in range(count)]


def test_text_is_cleaned_exactly_as_before():
    for text in _texts(3000):
        assert CardFields._blank_is_none(text) == _original_text(text), repr(text)


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
