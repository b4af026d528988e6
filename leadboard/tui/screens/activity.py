"""Log an activity (call, meeting, email, note) on a card."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from leadboard.domain.card import ActivityKind
from leadboard.tui.screens.saving import SavingModal


class ActivityModal(SavingModal):
    """Dismissed with what ``save(kind, summary)`` returned, or None on cancel."""

    def __init__(self, title: Text, save: Callable[[str, str], Any]) -> None:
        super().__init__()
        self.heading = title
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.heading, classes="title")
            yield Label(Text("Kind"))
            yield Select([(kind.value, kind.value) for kind in ActivityKind], value=ActivityKind.CALL.value,
                         allow_blank=False, id="kind", compact=True)
            yield Label(Text("What happened *"))
            yield Input(placeholder="e.g. Demo went well; they want a quote", id="summary", compact=True)
            yield Static(id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Static(Text("Enter: save · Esc: cancel"), classes="hint")
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Log", id="save", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#summary", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        kind = str(self.query_one("#kind", Select).value)
        self.attempt(lambda: self.save(kind, self.query_one("#summary", Input).value))
