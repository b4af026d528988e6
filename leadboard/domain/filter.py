"""What the board or the command line narrows the cards to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CardFilter:
    """What the board or the CLI narrows cards to: one owner, and/or a search text."""

    owner: str | None = None
    search: str = ""

    @property
    def is_empty(self) -> bool:
        return self.owner is None and not self.search.strip()


NO_FILTER = CardFilter()
