"""Amounts and dates as people write them, read into exact values.

Amounts: ``$22,700.00``, ``1.234,56``, ``R$ 1.234,56``, ``12 500``, ``500000.0``, ``20k``. A
separator followed by exactly three digits and nothing more groups thousands (``1.234`` is 1234,
``1,5`` is 1.5); with both marks, the last one is the decimal mark. Each value says this about
itself, so an amount needs no look at its column.

Dates: ISO (``2026-02-24``, ``2006-06-15T20:47:07.000Z``, ``2026-02-24 14:22:11+02:00``), numeric
day/month/year in any order with ``/``, ``-`` or ``.`` (``02/24/26``, ``24/02/2026``,
``24-02-26``), and month names (``16 Apr, 2021 00:03:00``, ``Apr 16, 2021``), each with an
optional time. Whether ``03/04/2026`` is March or April is a column's question: ``DateColumn``
looks at all of a column's values once (a day above 12 decides) and names the order, or says the
column is ambiguous; ``--date-order`` settles one that is. Each value is then read with one
compiled pattern for that order: no per-value guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Final


class DateOrder(StrEnum):
    DMY = "dmy"
    MDY = "mdy"
    YMD = "ymd"


# ---- amounts ---------------------------------------------------------------------------------

#: currency signs and the ISO code each means ("$" alone says only "some dollar")
CURRENCY_SIGNS: Final[dict[str, str | None]] = {
    "R$": "BRL", "US$": "USD", "C$": "CAD", "A$": "AUD", "€": "EUR", "£": "GBP", "¥": "JPY",
    "₹": "INR", "$": None,
}
_SPACES = " \u00a0\u202f\u2009'"  # a space, no-break spaces, a thin space, the Swiss apostrophe
_AMOUNT = re.compile(
    r"^(?P<code>[A-Z]{3})?\s*(?P<sign>R\$|US\$|C\$|A\$|[$€£¥₹])?\s*"
    r"(?P<number>[0-9][0-9., \u00a0\u202f\u2009']*)\s*(?P<scale>[kKmM])?\s*"
    r"(?P<after>[$€£¥₹])?\s*(?P<code_after>[A-Z]{3})?$"
)
_SCALES = {"k": Decimal(1000), "m": Decimal(1_000_000)}


@dataclass(frozen=True, slots=True)
class Amount:
    value: Decimal
    #: the ISO code the text gave (``R$`` or ``BRL``), or ``"$"`` for a bare dollar sign; None: no currency
    currency: str | None


def read_amount(text: str) -> Amount | None:
    """The amount ``text`` means, or None if it is not one (words, several numbers, a minus)."""
    match = _AMOUNT.match(text.strip())
    if match is None:
        return None
    number = match["number"].strip(_SPACES)
    for space in _SPACES:
        number = number.replace(space, "")
    value = _number(number)
    if value is None:
        return None
    scale = match["scale"]
    if scale:
        value *= _SCALES[scale.lower()]
    sign = match["sign"] or match["after"]
    currency = match["code"] or match["code_after"] or (CURRENCY_SIGNS[sign] or "$" if sign else None)
    return Amount(value, currency)


def _number(text: str) -> Decimal | None:
    dot, comma = text.rfind("."), text.rfind(",")
    if dot >= 0 and comma >= 0:
        decimal_mark, group = (".", ",") if dot > comma else (",", ".")
        whole, _, fraction = text.rpartition(decimal_mark)
        if decimal_mark in whole or not _grouped(whole, group):
            return None
        text = whole.replace(group, "") + "." + fraction
    elif dot >= 0 or comma >= 0:
        mark = "." if dot >= 0 else ","
        parts = text.split(mark)
        if len(parts) > 2 or (len(parts[-1]) == 3 and parts[0] != "0"):  # 1.234.567, 1.234: thousands
            if not _grouped(text, mark):
                return None
            text = text.replace(mark, "")
        else:
            text = parts[0] + "." + parts[1]
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _grouped(text: str, group: str) -> bool:
    """``1,234,567``: one to three digits, then groups of three."""
    parts = text.split(group)
    if len(parts) == 1:
        return bool(parts[0])
    return 1 <= len(parts[0]) <= 3 and all(len(part) == 3 for part in parts[1:])


#: the currencies a bare ``$`` may mean
DOLLAR_CODES: Final = frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "ARS", "CLP", "COP"})


def other_currency(said: str | None, row: str | None, team: str) -> str | None:
    """The currency an amount is in when it is not the ``team``'s, else None. ``said`` is what the
    amount's own text gave (``Amount.currency``: a code, ``"$"``, or None), ``row`` what a currency
    column of its row gave; the amount's own text says it first. A bare ``$`` is the team's when
    the team's currency is a dollar (or a peso written so)."""
    if said == "$":
        return None if team in DOLLAR_CODES else "$"
    if said is not None:
        return None if said == team else said
    code = (row or "").strip().upper()
    return code if code and code != team else None


def amount_text(text: str) -> str | None:
    """``"$22,700.00"`` -> ``"22700.00"``: the amount as plain digits, or None."""
    amount = read_amount(text)
    return None if amount is None else format(amount.value, "f")


class AmountReader:
    """``read_amount``, remembering the answer for values it has seen (a column's amounts repeat).
    A class, not a closure, so an import can hand it to its reading process."""

    def __init__(self) -> None:
        self._memo: dict[str, Amount | None] = {}

    def __call__(self, text: str) -> Amount | None:
        try:
            return self._memo[text]
        except KeyError:
            answer = read_amount(text)
            if len(self._memo) < 100_000:
                self._memo[text] = answer
            return answer


# ---- dates -----------------------------------------------------------------------------------

_MONTHS: Final[dict[str, int]] = {
    name: number
    for number, names in enumerate((("jan", "january"), ("feb", "february"), ("mar", "march"),
                                     ("apr", "april"), ("may",), ("jun", "june"), ("jul", "july"),
                                     ("aug", "august"), ("sep", "sept", "september"),
                                     ("oct", "october"), ("nov", "november"), ("dec", "december")), 1)
    for name in names
}
_TIME = r"(?:[ T,]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?\s*(?P<ampm>[AaPp][Mm])?" \
        r"\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?)?"
_NUMERIC = re.compile(r"^(?P<a>\d{1,4})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{2,4})" + _TIME + r"$")
_DAY_MONTH = re.compile(r"^(?P<day>\d{1,2})[ -](?P<month>[A-Za-z]{3,9})\.?,?[ -](?P<year>\d{4})" + _TIME + r"$")
_MONTH_DAY = re.compile(r"^(?P<month>[A-Za-z]{3,9})\.? (?P<day>\d{1,2}),? (?P<year>\d{4})" + _TIME + r"$")


def _year(text: str) -> int:
    year = int(text)
    if len(text) <= 2:  # as strptime's %y: 69-99 are the 1900s, 00-68 the 2000s
        year += 1900 if year >= 69 else 2000
    return year


def _clock(match: re.Match[str]) -> tuple[int, int, int, str | None]:
    hour = match["hour"]
    if hour is None:
        return 0, 0, 0, None
    hours = int(hour)
    ampm = match["ampm"]
    if ampm:
        hours = hours % 12 + (12 if ampm.lower() == "pm" else 0)
    return hours, int(match["minute"]), int(match["second"] or 0), match["zone"]


def _moment(year: int, month: int, day: int, match: re.Match[str]) -> datetime | None:
    try:
        hours, minutes, seconds, zone = _clock(match)
        moment = datetime(year, month, day, hours, minutes, seconds)
    except ValueError:
        return None
    if zone is not None and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        return moment - timedelta(minutes=offset)
    return moment


def read_moment(text: str, order: DateOrder | None) -> datetime | None:
    """The date and time ``text`` means (in UTC when it gives a zone; midnight when it gives no
    time), reading numeric dates in ``order``; None if it is not a date, or is numeric and
    ``order`` is None and it is not ISO."""
    text = text.strip()
    if len(text) >= 10 and text[4] == "-" and text[:4].isdigit():
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment
    match = _NUMERIC.match(text)
    if match is not None:
        a, b, c = match["a"], match["b"], match["c"]
        if len(a) == 4:  # 2026/02/24 says its own order
            return _moment(int(a), int(b), int(c), match)
        if order is None or order is DateOrder.YMD or len(a) > 2:
            return None
        day, month = (a, b) if order is DateOrder.DMY else (b, a)
        return _moment(_year(c), int(month), int(day), match)
    match = _DAY_MONTH.match(text) or _MONTH_DAY.match(text)
    if match is not None:
        month_number = _MONTHS.get(match["month"].lower())
        if month_number is None:
            return None
        return _moment(int(match["year"]), month_number, int(match["day"]), match)
    return None


def read_date(text: str, order: DateOrder | None = None) -> date | None:
    moment = read_moment(text, order)
    return None if moment is None else moment.date()


@dataclass
class DateColumn:
    """What a column's numeric dates say about their order, seen once over all its values."""

    #: orders no value has ruled out
    possible: set[DateOrder] = field(default_factory=lambda: set(DateOrder))
    numeric: int = 0

    def see(self, text: str) -> None:
        match = _NUMERIC.match(text.strip())
        if match is None:
            return
        a, b = match["a"], match["b"]
        if len(a) == 4:  # says its own order
            return
        self.numeric += 1
        self.possible.discard(DateOrder.YMD)
        if int(a) > 12:
            self.possible.discard(DateOrder.MDY)
        if int(b) > 12:
            self.possible.discard(DateOrder.DMY)

    @property
    def order(self) -> DateOrder | None:
        """The one order the values allow (None when there were no numeric dates, or several
        orders fit: see ``ambiguous``)."""
        if self.numeric and len(self.possible) == 1:
            return next(iter(self.possible))
        return None

    @property
    def ambiguous(self) -> bool:
        return self.numeric > 0 and len(self.possible) != 1


class MomentReader:
    """``read_moment`` for one order, remembering the answer for values it has seen (a column's
    dates repeat)."""

    def __init__(self, order: DateOrder | None) -> None:
        self.order = order
        self._memo: dict[str, datetime | None] = {}

    def __call__(self, text: str) -> datetime | None:
        try:
            return self._memo[text]
        except KeyError:
            answer = read_moment(text, self.order)
            if len(self._memo) < 100_000:
                self._memo[text] = answer
            return answer


__all__ = ["DOLLAR_CODES", "Amount", "AmountReader", "DateColumn", "DateOrder", "MomentReader", "amount_text",
           "other_currency", "read_amount", "read_date", "read_moment"]
