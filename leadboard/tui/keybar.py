"""The board's footer: the keys that fit, each whole, and on the right who you are and where.

Textual's ``Footer`` scrolls sideways when its keys do not fit, so a narrow terminal shows half a
label (``x L``). This line takes the screen's active bindings in order and shows as many as fit
whole; on a shared server the right end says which user works on which database.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget):
    """One line: ``? Keys  n New  e Edit …`` then ``alice · board.db``."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyBar > .keybar--key {
        color: $footer-key-foreground;
        text-style: bold;
    }
    KeyBar > .keybar--label {
        color: $footer-description-foreground;
    }
    KeyBar > .keybar--where {
        color: $text-muted;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"keybar--key", "keybar--label", "keybar--where"}

    def __init__(self, where: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.where = where
        #: the keys as last drawn
        self._shown: list[tuple[str, str, bool]] | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        # the screen says so each time a dialog opens over it or closes, its keys unchanged:
        # drawing the same line again was a millisecond of every dialog's opening and closing.
        # Covered by a dialog, the keys are not even checked (half a millisecond of each opening):
        # the screen says so again as the dialog closes, and they are checked then
        if self.app.screen is screen and self.keys() != self._shown:
            self.refresh()

    def keys(self) -> list[tuple[str, str, bool]]:
        """(key as shown, label, enabled) of each action the footer shows, in binding order."""
        shown: dict[str, tuple[str, str, bool]] = {}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if binding.show and binding.action not in shown:
                shown[binding.action] = (self.app.get_key_display(binding), binding.description, active.enabled)
        return list(shown.values())

    def render(self) -> Text:
        width = self.size.width
        where = Text(f" {self.where} ", style=self.get_component_rich_style("keybar--where", partial=True))
        room = width - where.cell_len
        if room < 10:  # too narrow for both: the keys matter more
            where, room = Text(""), width
        key_style = self.get_component_rich_style("keybar--key", partial=True)
        label_style = self.get_component_rich_style("keybar--label", partial=True)
        line = Text(no_wrap=True)
        self._shown = self.keys()
        pieces = [*self._shown, ("^p", "palette", True)]
        for key, label, enabled in pieces:
            piece = Text.assemble((f" {key}", key_style), (f" {label} ", label_style))
            if not enabled:
                piece.stylize("dim")
            if line.cell_len + piece.cell_len > room:
                break
            line.append_text(piece)
        line.append(" " * (room - line.cell_len))
        line.append_text(where)
        return line


__all__ = ["KeyBar"]
