"""Every key, read from the actions table so the list cannot drift from what the keys do."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from leadboard.tui.actions import Where, actions_of, key_label
from leadboard.tui.column import STALE_MARK, WARNING_MARK
from leadboard.tui.screens.parts import Dialog, dialog_box


class HelpScreen(Dialog[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        sections: list[tuple[str, list[tuple[str, str]]]] = []
        for where in Where:
            rows = [(key_label(action.keys), action.description) for action in actions_of(where)]
            if where is Where.BOARD:
                rows.append(("Ctrl+P", "command palette: every action by name"))
            sections.append((where.value, rows))
        sections.append(("In forms", [
            ("Tab / Shift+Tab", "next / previous field"),
            ("Enter, Ctrl+S", "save (the form stays open if something is wrong)"),
            ("Esc", "cancel: nothing is written"),
        ]))
        sections.append(("Marks on cards", [
            (WARNING_MARK, "a warning was accepted on the card's last move"),
            (STALE_MARK, "stale: no activity for longer than the stage allows"),
        ]))
        # one key width for every section, so the descriptions line up from top to bottom
        key_width = max(len(key) for _, rows in sections for key, _ in rows)
        parts: list[RenderableType] = []
        for heading, rows in sections:
            table = Table.grid(padding=(0, 2))
            table.add_column(style="bold", no_wrap=True, width=key_width)
            table.add_column()
            for key, description in rows:
                table.add_row(Text(key), Text(description))
            parts += [Text(heading, style="bold underline"), table, Text("")]
        with dialog_box("Keys", "↑/↓ scroll · Esc close"), self.opens_focused(VerticalScroll(id="keys")):
            yield Static(Group(*parts[:-1]))

    def action_close(self) -> None:
        self.dismiss(None)
