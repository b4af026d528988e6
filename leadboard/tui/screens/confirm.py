"""A yes/no question: demo data for an empty database, going on despite warnings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from leadboard.tui.screens.hint import Hint
from leadboard.tui.screens.parts import Dialog, dialog_button


class ConfirmModal(Dialog[bool]):
    """Dismissed with True for yes (y), False for no (n or Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, lines: Iterable[Text] = (), yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.lines = list(lines)
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question), classes="title")
            if self.lines:
                yield Static(Text("\n").join(self.lines), classes="intro note")
            with Horizontal(classes="buttons"):
                yield Hint("y yes · n no")
                yield dialog_button(self.no, "no")
                yield dialog_button(self.yes, "yes", primary=True)

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
