"""User text made safe to draw, and the few number formats the board uses.

Everything a user typed reaches the screen through ``safe``/``plain``: Rich markup in a name stays
literal (it is never parsed) and control characters (terminal escapes, bidi controls) are shown as
``\\x1b``-style escapes, never sent to the terminal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from rich.text import Text

from leadboard.domain.card import field_text
from leadboard.domain.text import for_terminal


def safe(value: object) -> str:
    """``value`` as one line of printable text: control and bidi characters become visible
    escapes (``domain.text.for_terminal``)."""
    return for_terminal(value)


def plain(value: object, style: str = "") -> Text:
    """A ``Text`` holding ``value`` literally (no markup is read)."""
    return Text(safe(value), style=style, no_wrap=True, overflow="ellipsis")


def money(amount: Decimal | int | float | None) -> str:
    """12,500 or 12,500.50; blank when unknown."""
    if amount is None:
        return ""
    value = Decimal(amount)
    return f"{value:,.0f}" if value == value.to_integral() else f"{value:,.2f}"


def compact_money(amount: Decimal | int | float | None) -> str:
    """1.2M, 350k, 900: short enough for a narrow column header."""
    if amount is None:
        return ""
    value = float(amount)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            shown = value / limit
            return f"{shown:.1f}{suffix}" if shown < 100 else f"{shown:.0f}{suffix}"
    return f"{value:.0f}"


def local_time(when: datetime | None) -> str:
    """A stored (naive UTC) time in the viewer's local time."""
    if when is None:
        return ""
    aware = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    return f"{aware.astimezone():%Y-%m-%d %H:%M}"


def display_text(value: object) -> str:
    """A field's value as the detail view shows it."""
    if isinstance(value, Decimal):
        return money(value)
    return form_text(value)


def form_text(value: object) -> str:
    """A field's value as a form pre-fills it: what the validation reads back unchanged."""
    return safe(field_text(value))
