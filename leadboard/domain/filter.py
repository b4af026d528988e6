"""What the board or the command line narrows the cards to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from leadboard.domain.text import one_line


class ColumnOrder(StrEnum):
    """How a column is ordered (a search always shows its newest matches first)."""

    RANK = "rank"
    """The board's own order: where cards were placed."""
    URGENCY = "urgency"
    """Overdue, due today, no next step, planned later (each by due date, ties in rank order)."""
    VALUE = "value"
    """Biggest deal (or budget) first."""
    CLOSE_DATE = "close"
    """Soonest expected close first; cards without one last."""

    @property
    def label(self) -> str:
        return {"rank": "board order", "urgency": "urgency", "value": "value", "close": "close date"}[self.value]

    @property
    def following(self) -> ColumnOrder:
        """The order the order key gives next."""
        orders = list(ColumnOrder)
        return orders[(orders.index(self) + 1) % len(orders)]


@dataclass(frozen=True)
class CardFilter:
    """What the board or the CLI narrows cards to (one owner, and/or a search text), and the
    order its columns show them in."""

    owner: str | None = None
    search: str = ""
    order: ColumnOrder = ColumnOrder.RANK

    def __post_init__(self) -> None:
        # typed or pasted text, cleaned like any one-line text: no control character (a NUL
        # would not even reach PostgreSQL) can be part of a search
        object.__setattr__(self, "search", one_line(self.search))
        if self.owner is not None:
            object.__setattr__(self, "owner", one_line(self.owner))

    @property
    def is_empty(self) -> bool:
        return self.owner is None and not self.search.strip()


NO_FILTER = CardFilter()
