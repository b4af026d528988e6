"""A card's fields and their validation.

``CardFields`` is the one place a value typed by a user (in a form, on the command line, in an
imported file) becomes data: every path validates through it, so every path refuses the same things
with the same sentence.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from leadboard.domain.errors import InvalidInput
from leadboard.domain.stages import Stage
from leadboard.domain.text import LIMITS, multi_line, one_line
from leadboard.domain.values import read_amount, read_date

MONEY_MAX = Decimal("1e12")

_PLAIN_NUMBER = re.compile(r"^\s*-?[0-9]*\.?[0-9]*\s*$")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]+$")
_PHONE_PUNCTUATION = str.maketrans("", "", " ()./-+")
#: the text fields that may hold several lines (a card's long fields, and why it was lost); every
#: other text is one line. Either way no escape sequence survives to reach a terminal.
MULTI_LINE_FIELDS = frozenset({"need", "requirements", "terms", "notes", "lost_reason"})


class Supplier(StrEnum):
    NONE = "none"
    CURRENT = "current"
    DROPPED = "dropped"


class Kind(StrEnum):
    PERSON = "person"
    COMPANY = "company"


class ActivityKind(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    NOTE = "note"
    #: a completed planned task: like a note, it keeps the card fresh but is not contact with them
    TASK = "task"


#: the activities that are contact with the customer: what the ``activities`` gate check counts
INTERACTIONS = frozenset({ActivityKind.CALL, ActivityKind.MEETING, ActivityKind.EMAIL})


ShortText = Annotated[str, Field(max_length=LIMITS.line)]
LongText = Annotated[str, Field(max_length=LIMITS.long_text)]
Money = Annotated[Decimal, Field(ge=0, le=MONEY_MAX, max_digits=16, decimal_places=2)]


def _email(value: str) -> str:
    # email-validator is imported with the first address checked: reading cards never checks one
    from leadboard.domain.emails import normalized_email

    return normalized_email(value)


#: pydantic's ``EmailStr`` check and normalisation, with the common address validated fast
Email = Annotated[str, Field(max_length=LIMITS.email), AfterValidator(_email)]


class CardFields(BaseModel):
    """Everything a salesperson can type about a card."""

    # built on the first validation, not at import: reading cards (model_construct) never needs it
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", validate_assignment=True,
                              defer_build=True)

    name: Annotated[str, Field(min_length=1, max_length=LIMITS.line)]
    """The person's or company's name, as the salesperson says it."""
    kind: Kind = Kind.PERSON
    company: ShortText | None = None
    title: ShortText | None = None
    """Job title of the person."""
    email: Email | None = None
    phone: ShortText | None = None
    owner: ShortText | None = None
    """The salesperson the card belongs to (a login name)."""
    need: LongText | None = None
    """What they need from us, in their words."""
    budget: Money | None = None
    purchase_by: date | None = None
    """When they expect to buy."""
    authority: bool | None = None
    """Whether this contact can make, or strongly influence, the buying decision."""
    decision_maker: ShortText | None = None
    """Who signs."""
    requirements: LongText | None = None
    supplier: Supplier | None = None
    """Their current supplier: none, current (still with them) or dropped."""
    value: Money | None = None
    """The deal value."""
    close_by: date | None = None
    terms: LongText | None = None
    """The terms under discussion (payment, contract)."""
    payment_terms: ShortText | None = None
    contract_signed_on: date | None = None
    notes: LongText | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any, info: ValidationInfo) -> Any:
        """Text cleaned as ``domain.text`` says for its kind of field; blank text is no value."""
        if isinstance(value, str):
            # control characters are never printable: most text needs no cleaning, only stripping
            if value.isprintable():
                return value.strip() or None
            value = multi_line(value) if info.field_name in MULTI_LINE_FIELDS else one_line(value)
            return value or None
        return value

    @field_validator("budget", "value", mode="before")
    @classmethod
    def _amount_as_written(cls, value: Any) -> Any:
        """``12,500``, ``$22,700.00``, ``1.234,56`` or ``20k``, as a person types an amount (a plain
        ``12.345`` stays the decimal it looks like, and is refused for its fraction of a cent)."""
        if isinstance(value, str) and not _PLAIN_NUMBER.match(value):
            amount = read_amount(value)
            if amount is not None:
                return amount.value
        return value

    @field_validator("purchase_by", "close_by", "contract_signed_on", mode="before")
    @classmethod
    def _date_as_written(cls, value: Any) -> Any:
        """ISO, with or without a time, or with the month's name (``16 Apr 2021``)."""
        if isinstance(value, str) and len(value) != 10:
            return read_date(value) or value
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _is_phone(value):
            raise ValueError("not a phone number (6 to 15 digits, optionally with + ( ) - . and spaces)")
        return value

    @field_validator("purchase_by", "close_by", "contract_signed_on")
    @classmethod
    def _plausible_date(cls, value: date | None) -> date | None:
        if value is not None and not 1900 <= value.year <= 2200:
            raise ValueError("the year must be between 1900 and 2200")
        return value


def _is_phone(value: str) -> bool:
    # once the pattern matches, everything but the digits is one of " ()./-+"
    return bool(_PHONE_CHARS.match(value)) and 6 <= len(value.translate(_PHONE_PUNCTUATION)) <= 15


#: what ``plain_text_value`` answers when only ``CardFields`` itself can say
UNSURE: Any = object()
#: the text fields ``plain_text_value`` knows, with the most characters each may have
_PLAIN_TEXT_LIMITS: dict[str, int] = {
    **dict.fromkeys(("name", "company", "title", "phone", "owner", "decision_maker", "payment_terms"), LIMITS.line),
    **dict.fromkeys(("need", "requirements", "terms", "notes"), LIMITS.long_text),
    "email": LIMITS.email,
}


def plain_text_value(name: str, value: Any) -> Any:
    """The value ``CardFields`` gives text field ``name`` for ``value``, found without building a
    model (which costs an import most of its time), or ``UNSURE`` when only the model can say:
    anything but printable text within the field's limit that the field accepts. Printable text
    holds no control character (nothing to clean) and no white space but the plain space (so
    ``str.strip`` is the model's stripping); ``tests/domain/test_card_fields.py`` checks the
    answers against the model's on odd values."""
    limit = _PLAIN_TEXT_LIMITS.get(name)
    if limit is None or value.__class__ is not str or not value.isprintable():
        return UNSURE
    text = value.strip()
    if not text:
        return UNSURE if name == "name" else None
    if len(text) > limit:
        return UNSURE
    if name == "email":
        try:
            return _email(text)
        except ValueError:  # pydantic's own error: the model says it
            return UNSURE
    if name == "phone" and not _is_phone(text):
        return UNSURE
    return text


#: an amount as an import's amount reader writes it: plain digits, at most two decimals, at most
#: ``MONEY_MAX``'s thirteen digits before the point
_PLAIN_MONEY = re.compile(r"[0-9]{1,13}(?:\.[0-9]{1,2})?")


def plain_money_value(value: Any) -> Any:
    """The value ``CardFields`` gives a money field (budget, value) for ``value``, found without
    building a model (a pydantic validation costs an import ~3.5 µs a row; most amounts differ, so
    remembering them does not help), or ``UNSURE``: anything but plain digits with at most two
    decimals within ``MONEY_MAX``. ``tests/domain/test_card_fields.py`` checks the answers against
    the model's."""
    if value.__class__ is not str or _PLAIN_MONEY.fullmatch(value) is None:
        return UNSURE
    amount = Decimal(value)
    return amount if amount <= MONEY_MAX else UNSURE


#: field name -> one-line label, in the order forms show them
FIELD_LABELS: dict[str, str] = {
    "name": "Name",
    "kind": "Person or company",
    "company": "Company",
    "title": "Title",
    "email": "Email",
    "phone": "Phone",
    "owner": "Owner",
    "need": "Need",
    "budget": "Budget",
    "purchase_by": "Buying by (date)",
    "authority": "Can decide (yes/no)",
    "decision_maker": "Decision maker",
    "requirements": "Requirements",
    "supplier": "Current supplier (none/current/dropped)",
    "value": "Deal value",
    "close_by": "Expected close (date)",
    "terms": "Terms under discussion",
    "payment_terms": "Payment terms",
    "contract_signed_on": "Contract signed on (date)",
    "notes": "Notes",
}
FIELD_NAMES: tuple[str, ...] = tuple(CardFields.model_fields)
assert set(FIELD_LABELS) == set(FIELD_NAMES)
#: the pseudo-field a gate's rule names when logging an activity would satisfy it (no card field has this name)
ACTIVITY = "activity"

DATE_FIELDS = frozenset({"purchase_by", "close_by", "contract_signed_on"})
MONEY_FIELDS = frozenset({"budget", "value"})
BOOL_FIELDS = frozenset({"authority"})
CHOICE_FIELDS: dict[str, tuple[str, ...]] = {
    "kind": tuple(Kind),
    "supplier": tuple(Supplier),
}


class Card(CardFields):
    """A stored card: its fields plus where it stands in the pipeline."""

    model_config = ConfigDict(extra="ignore", validate_assignment=False)

    id: int
    stage: Stage
    version: int
    owner: str | None = None
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    lost_from: Stage | None = None
    lost_reason: str | None = None
    last_activity_at: datetime | None = None
    activity_count: int = 0
    warnings: list[str] = []
    """Ids of the warning rules accepted on the card's last move (the board marks the card)."""
    extra: dict[str, str] = {}
    """What an imported file had beyond the fields (and values it could not read into them), by
    the file's column name."""
    source_id: str | None = None
    """The card's id in the system it was imported from."""
    next_due: datetime | None = None
    """When the card's next step is due (``domain.planned.Due.key``); None: nothing planned."""

    @property
    def amount(self) -> Decimal | None:
        """What the card is worth on the board: the deal value, else the budget."""
        return self.value if self.value is not None else self.budget

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELD_NAMES}


def card_amount(fields: dict[str, Any]) -> Decimal:
    value = fields.get("value")
    if value is None:
        value = fields.get("budget")
    return Decimal(value) if value is not None else Decimal(0)


def field_text(value: Any) -> str:
    """A field's value as text a person types and validation reads back unchanged:
    ``18000.5``, ``2027-03-01``, ``yes``, ``dropped``; the same in forms, the CLI and CSV files."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def validate_fields(data: dict[str, Any]) -> CardFields:
    """``CardFields`` from raw values, or ``InvalidInput`` whose message names the field."""
    unknown = sorted(set(data) - set(FIELD_NAMES))
    if unknown:
        raise InvalidInput(
            f"Unknown field {unknown[0]!r}; fields are {', '.join(FIELD_NAMES)}.", field=unknown[0]
        )
    try:
        return CardFields.model_validate(data)
    except ValidationError as error:
        raise invalid_input(error) from None


def invalid_input(error: ValidationError) -> InvalidInput:
    """One sentence per bad field, the first one as the message."""
    errors: dict[str, str] = {}
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else "card"
        errors.setdefault(field, _say(problem))
    field, message = next(iter(errors.items()))
    return InvalidInput(f"{field}: {message}", field=field, errors=errors)


def _say(problem: Any) -> str:
    kind = problem["type"]
    ctx = problem.get("ctx") or {}
    if kind == "missing" or (kind == "string_type" and problem.get("input") is None):
        return "is required"
    if kind == "string_too_short":
        return "is required"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind in ("greater_than_equal",):
        return "must not be negative"
    if kind in ("less_than_equal",):
        return "is too large"
    if kind == "decimal_max_places":
        return f"has more than {ctx.get('decimal_places')} decimal places"
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return "is too large"
    if kind.startswith("date") or kind == "date_from_datetime_parsing":
        return "is not a date (use YYYY-MM-DD)"
    if kind.startswith("decimal") or kind in ("float_parsing", "int_parsing"):
        return "is not an amount (use digits, e.g. 12500 or 12500.50)"
    if kind == "enum":
        return f"must be one of {ctx.get('expected', '')}".replace("'", "")
    if kind.startswith("bool"):
        return "must be yes or no"
    if kind == "extra_forbidden":
        return "is not a card field"
    message = str(problem["msg"])
    return message.removeprefix("Value error, ")


def parse_assignments(pairs: list[str], declared: Collection[str] = ()) -> dict[str, str]:
    """``["budget=5000", "need=CRM"]`` -> ``{"budget": "5000", "need": "CRM"}``; a field is a card
    field or one of the rules file's ``declared`` fields."""
    result: dict[str, str] = {}
    for pair in pairs:
        field, sep, value = pair.partition("=")
        field = field.strip()
        if not sep or not field:
            raise InvalidInput(f"--set needs FIELD=VALUE, got {pair!r}.", field="--set")
        if field not in FIELD_NAMES and field not in declared:
            raise InvalidInput(
                f"Unknown field {field!r}; fields are {', '.join([*FIELD_NAMES, *declared])}.", field=field
            )
        result[field] = value
    return result



@dataclass(frozen=True, slots=True)
class CardSummary:
    """What a column shows of a card: cheap to fetch by the page, cheap to keep in a cache."""

    id: int
    stage: Stage
    name: str
    company: str | None
    amount: Decimal
    owner: str | None
    warnings: tuple[str, ...]
    #: last activity, or creation when there was none: what staleness is measured from
    active_at: datetime
    version: int
    #: for lost cards: the stage it was lost from and why (the lost view shows them)
    lost_from: Stage | None = None
    lost_reason: str | None = None
    #: when the card's next step is due (naive UTC, ``domain.planned.Due.key``); None: no next step
    next_due: datetime | None = None

    def is_stale(self, stale_after_days: int | None, now: datetime) -> bool:
        return stale_after_days is not None and (now - self.active_at).days >= stale_after_days
