"""A dialog's line of keys ("Tab next · Enter save · Esc cancel") that drops whole hints from the end
when the dialog is narrow (60 columns), instead of cutting one in half ("Enter save ·")."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

SEPARATOR = " · "


class Hint(Static):
    DEFAULT_CLASSES = "hint"

    def __init__(self, text: str, *, id: str | None = None) -> None:
        super().__init__(Text(text), id=id)
        self.parts = text.split(SEPARATOR)

    def render(self) -> Text:
        width = self.content_size.width or self.size.width
        shown: list[str] = []
        for part in self.parts:
            if width and len(SEPARATOR.join([*shown, part])) > width:
                break
            shown.append(part)
        return Text(SEPARATOR.join(shown), no_wrap=True, overflow="ellipsis")
