"""A yes/no question: demo data for an empty database, going on despite warnings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from leadboard.tui.screens.parts import Dialog, dialog_box


class ConfirmModal(Dialog[bool]):
    """Dismissed with True for yes (y or Enter), False for no (n or Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, lines: Iterable[Text] = (), yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.lines = list(lines)
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with dialog_box(self.question, f"y/Enter {self.yes.lower()} · n/Esc {self.no.lower()}"):
            if self.lines:
                yield Static(Text("\n").join(self.lines), classes="intro note")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
