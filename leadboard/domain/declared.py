"""The fields a team declares in its rules file (``[fields.industry]``), and their values.

A declared field's value lives in the card's extras under the field's name, as text a person
types back unchanged (``field_text``): so an extra an import kept becomes the value of a field the
team declares later under that name, with nothing to migrate. Every write reads the value by the
field's type with the parsers the card's own fields use (amounts by ``values.read_amount``, dates
as ``read_date``, yes/no as pydantic reads ``authority``), and stores it normalised.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from leadboard.domain.card import MONEY_MAX, field_text
from leadboard.domain.errors import InvalidInput
from leadboard.domain.text import LIMITS, checked, one_line
from leadboard.domain.values import read_amount, read_date

FieldType = Literal["text", "number", "money", "date", "choice", "yes/no"]
FIELD_TYPES: tuple[str, ...] = ("text", "number", "money", "date", "choice", "yes/no")

#: what ``yes/no`` takes, as pydantic reads a card's own yes/no field
_YES = frozenset({"yes", "y", "true", "t", "on", "1"})
_NO = frozenset({"no", "n", "false", "f", "off", "0"})


class DeclaredField(BaseModel):
    """One ``[fields.NAME]`` table of a rules file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: Annotated[str, checked(one_line, LIMITS.line)]
    type: FieldType = "text"
    choices: list[Annotated[str, checked(one_line, LIMITS.line)]] | None = None

    @model_validator(mode="after")
    def _choices_for_a_choice(self) -> DeclaredField:
        if self.type == "choice" and not self.choices:
            raise ValueError("a choice field needs its choices (choices = [\"...\", ...])")
        if self.type != "choice" and self.choices is not None:
            raise ValueError(f"choices are for a choice field, and this one is {self.type}")
        return self

    def stored(self, text: Any) -> str | None:
        """``text`` as the field stores it (None: blank, no value), or ``ValueError`` saying why not."""
        text = one_line(str(text)) if text is not None else ""
        if not text:
            return None
        if len(text) > LIMITS.line:
            raise ValueError(f"is too long (at most {LIMITS.line} characters)")
        if self.type == "text":
            return text
        if self.type in ("money", "number"):
            return field_text(self._number(text))
        if self.type == "date":
            when = read_date(text)
            if when is None or not 1900 <= when.year <= 2200:
                raise ValueError("is not a date (use YYYY-MM-DD)")
            return when.isoformat()
        if self.type == "yes/no":
            word = text.lower()
            if word not in _YES | _NO:
                raise ValueError("must be yes or no")
            return field_text(word in _YES)
        for choice in self.choices or ():
            if choice.casefold() == text.casefold():
                return choice
        raise ValueError(f"must be one of {', '.join(self.choices or ())}")

    def _number(self, text: str) -> Decimal:
        amount = read_amount(text.removeprefix("-") if self.type == "number" else text)
        if amount is None:
            raise ValueError("is not an amount (use digits, e.g. 12500 or 12500.50)" if self.type == "money"
                             else "is not a number")
        value = -amount.value if self.type == "number" and text.startswith("-") else amount.value
        if self.type == "money":
            if value > MONEY_MAX:
                raise ValueError("is too large")
            if value != value.quantize(Decimal("0.01")):
                raise ValueError("has more than 2 decimal places")
        return value

    def typed(self, text: str | None) -> Any:
        """A stored value as its type (None when unset, or when it is not readable as the type:
        an import keeps a cell it could not read as text)."""
        if text is None or text == "":
            return None
        try:
            if self.type in ("money", "number"):
                return Decimal(text)
            if self.type == "date":
                return date.fromisoformat(text)
        except (InvalidOperation, ValueError):
            return None
        if self.type == "yes/no":
            return {"yes": True, "no": False}.get(text)
        if self.type == "choice":
            return text if text in (self.choices or ()) else None
        return text


def split_changes(changes: dict[str, Any], declared: dict[str, DeclaredField]
                  ) -> tuple[dict[str, Any], dict[str, str | None]]:
    """``changes`` as the card's own fields and the declared fields' stored values (None: cleared);
    ``InvalidInput`` naming the first declared field whose value its type refuses."""
    own: dict[str, Any] = {}
    extras: dict[str, str | None] = {}
    for name, value in changes.items():
        field = declared.get(name)
        if field is None:
            own[name] = value
            continue
        try:
            extras[name] = field.stored(value)
        except ValueError as error:
            raise InvalidInput(f"{name}: {error}", field=name, errors={name: str(error)}) from None
    return own, extras


def with_extras(extra: dict[str, str], changes: dict[str, str | None]) -> dict[str, str]:
    """A card's extras with declared values set (None removes one)."""
    result = dict(extra)
    for name, value in changes.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = value
    return result


class DeclaredView:
    """A card as the gate checks read it: its own fields, and each declared field's typed value."""

    __slots__ = ("_card", "_declared")

    def __init__(self, card: Any, declared: dict[str, DeclaredField]) -> None:
        self._card = card
        self._declared = declared

    def __getattr__(self, name: str) -> Any:
        field = self._declared.get(name)
        if field is None:
            return getattr(self._card, name)
        return field.typed((getattr(self._card, "extra", None) or {}).get(name))


__all__ = ["FIELD_TYPES", "DeclaredField", "DeclaredView", "FieldType", "split_changes", "with_extras"]
