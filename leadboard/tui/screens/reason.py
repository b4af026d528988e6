"""Ask why: demote and lose need a reason (for lose, one of the team's reasons plus free text)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from leadboard.tui.screens.parts import dialog_box
from leadboard.tui.screens.saving import SavingModal
from leadboard.tui.text import safe


def combine(chosen: str | None, text: str) -> str:
    """The reason as recorded: the chosen reason, a colon and the free text (either may be absent)."""
    text = text.strip()
    if chosen and text:
        return f"{chosen}: {text}"
    return chosen or text


class ReasonModal(SavingModal):
    """Dismissed with what ``save(reason)`` returned, or None on cancel."""

    def __init__(self, question: str, reasons: Sequence[str], save: Callable[[str], Any]) -> None:
        super().__init__()
        self.question = question
        self.reasons = list(reasons)
        self.save = save

    def compose(self) -> ComposeResult:
        with dialog_box(self.question, "Enter save · Esc cancel"):
            if self.reasons:
                yield Label(Text("Reason (↑/↓ to choose)"))
                yield OptionList(*[Option(Text(safe(r)), id=str(i)) for i, r in enumerate(self.reasons)],
                                 id="reasons")
            yield Label(Text("In your words" + (" (optional)" if self.reasons else " *")))
            yield Input(placeholder="why", id="reason-text")
            yield Static(id="problem", classes="problem")

    def on_mount(self) -> None:
        if self.reasons:
            options = self.query_one("#reasons", OptionList)
            options.highlighted = 0
            options.focus()
        else:
            self.query_one("#reason-text", Input).focus()

    @property
    def chosen(self) -> str | None:
        if not self.reasons:
            return None
        highlighted = self.query_one("#reasons", OptionList).highlighted
        return self.reasons[highlighted] if highlighted is not None else None

    @on(OptionList.OptionSelected)
    def _reason_picked(self) -> None:
        self.query_one("#reason-text", Input).focus()

    @on(Input.Submitted)
    def action_save(self) -> None:
        reason = combine(self.chosen, self.query_one("#reason-text", Input).value)
        self.attempt(lambda: self.save(reason))
