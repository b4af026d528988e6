"""What the board or the command line narrows the cards to."""

from __future__ import annotations

from dataclasses import dataclass

from leadboard.domain.text import one_line


@dataclass(frozen=True)
class CardFilter:
    """What the board or the CLI narrows cards to: one owner, and/or a search text."""

    owner: str | None = None
    search: str = ""

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
