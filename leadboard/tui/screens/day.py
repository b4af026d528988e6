"""Ask which day: the board as it stood at the end of a past day opens from here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Static

from leadboard.tui.screens.parts import dialog_box
from leadboard.tui.screens.saving import SavingModal


class DayModal(SavingModal):
    """Dismissed with what ``choose(text)`` returned for the day typed, or None on cancel; a day
    that is not one (or is still to come) is said in the dialog, which stays open."""

    def __init__(self, choose: Callable[[str], Any]) -> None:
        super().__init__()
        self.choose = choose

    def compose(self) -> ComposeResult:
        with dialog_box("The board as it stood at the end of which day?",
                        "Enter show that day, read-only · Esc cancel"):
            yield self.opens_focused(Input(placeholder="YYYY-MM-DD or today", id="day"))
            yield Static(id="problem", classes="problem")

    @on(Input.Submitted)
    def action_show(self) -> None:
        text = self.query_one("#day", Input).value
        self.attempt(lambda: self.choose(text))
