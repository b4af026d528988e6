"""Ask which day: the board as it stood at the end of a past day opens from here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from leadboard.tui.screens.parts import dialog_button
from leadboard.tui.screens.saving import SavingModal


class DayModal(SavingModal):
    """Dismissed with what ``choose(text)`` returned for the day typed, or None on cancel; a day
    that is not one (or is still to come) is said in the dialog, which stays open."""

    def __init__(self, choose: Callable[[str], Any]) -> None:
        super().__init__()
        self.choose = choose

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("The board as it stood at the end of which day?"), classes="title")
            yield Input(placeholder="YYYY-MM-DD or today", id="day")
            yield Static(id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Static(Text("Enter: show that day, read-only · Esc: cancel"), classes="hint")
                yield dialog_button("Cancel", "cancel")
                yield dialog_button("Show", "show", primary=True)

    def on_mount(self) -> None:
        self.query_one("#day", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#show")
    def action_show(self) -> None:
        text = self.query_one("#day", Input).value
        self.attempt(lambda: self.choose(text))
