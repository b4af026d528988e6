"""The import's per-field validation (with its memory of values seen) answers exactly as
``validate_fields`` does, for good rows and bad."""

from __future__ import annotations

import random

from leadboard.domain.card import FIELD_NAMES, validate_fields
from leadboard.domain.errors import InvalidInput
from leadboard.service.transfer.rows import FieldCheck
from leadboard.store.cards import CARD_COLUMNS

VALUES = {
    "name": ["Ada", " Grace ", "", "x" * 201, "\x1b[31mred"],
    "kind": ["person", "company", "robot", ""],
    "email": ["ada@example.com", "ADA@Example.COM", "bad", "a@localhost", ""],
    "phone": ["+44 20 7946 0958", "12", "call me", ""],
    "budget": ["5000", "5000.505", "-1", "lots", "1e3", ""],
    "purchase_by": ["2026-05-01", "1850-01-01", "soon", ""],
    "authority": ["yes", "no", "perhaps", "1", ""],
    "supplier": ["none", "dropped", "acme", ""],
    "value": ["12.50", "1e13", ""],
    "notes": ["line\nline", "\x07bell", ""],
}


def _answer(check: FieldCheck, data: dict) -> object:
    try:
        values = dict.fromkeys(CARD_COLUMNS)
        typed = check.validate(data, values)
        return ("ok", {name: typed[name] for name in data})
    except InvalidInput as error:
        return ("bad", str(error), error.errors)


def _manual(data: dict) -> object:
    try:
        valid = validate_fields(data)
        return ("ok", {name: getattr(valid, name) for name in data})
    except InvalidInput as error:
        return ("bad", str(error), error.errors)


def test_remembered_answers_are_the_models_answers():
    rng = random.Random(8)
    check = FieldCheck()
    assert check.per_field
    for _ in range(3000):
        data = {name: rng.choice(values) for name, values in VALUES.items() if rng.random() < 0.6}
        data["name"] = rng.choice(VALUES["name"])
        assert _answer(check, data) == _manual(data), data


def test_every_card_field_can_be_checked():
    check = FieldCheck()
    values = dict.fromkeys(CARD_COLUMNS)
    typed = check.validate({name: None for name in FIELD_NAMES if name not in ("name", "kind")} | {"name": "Ada"},
                           values)
    assert typed["name"] == "Ada"
