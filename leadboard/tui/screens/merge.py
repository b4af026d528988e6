"""Merge another card of the same person into the focused one: find it by search, then choose,
field by field, whose value the kept card keeps (the other value is kept as a ``merged.`` extra)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from leadboard.domain.card import FIELD_LABELS, Card, CardSummary
from leadboard.domain.errors import InvalidInput
from leadboard.domain.merging import differences
from leadboard.tui.screens.saving import SavingModal
from leadboard.tui.text import safe

#: how much of a value a side-by-side row shows
_SHOWN = 24


class MergeModal(SavingModal):
    """Dismissed with what ``save(other_id, fields_taken)`` returned, or None on cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Merge"),
    ]

    def __init__(self, keep: Card, find: Callable[[str], list[CardSummary]], read: Callable[[int], Card],
                 save: Callable[[int, set[str]], Any]) -> None:
        super().__init__()
        self.keep = keep
        self.find = find
        self.read = read
        self.save = save
        self.other: Card | None = None
        #: the fields whose value the kept card takes from the other
        self.take: set[str] = set()
        self.choices: list[tuple[str, str, str]] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(f"Merge another card of {safe(self.keep.name)} into this one"), classes="title")
            yield Label(Text("Find the other card (type, then ↓ and Enter to pick it)"))
            yield Input(placeholder="name, company, email or phone", id="find", compact=True)
            yield OptionList(id="matches")
            yield Static(id="chosen", classes="note")
            yield OptionList(id="fields")
            yield Static(id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Static(Text("Enter: switch side · Ctrl+S: merge · Esc: cancel"), classes="hint")
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Merge", id="save", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#fields", OptionList).display = False
        self.query_one("#find", Input).focus()

    @on(Input.Changed, "#find")
    def _search(self, event: Input.Changed) -> None:
        matches = self.query_one("#matches", OptionList)
        matches.clear_options()
        if not event.value.strip():
            return
        found = [card for card in self.find(event.value) if card.id != self.keep.id]
        matches.add_options(Option(Text(" · ".join(part for part in (safe(card.name), safe(card.company or ""),
                                                                      card.stage.value) if part)
                                        + f" (card {card.id})"), id=str(card.id)) for card in found)
        if found:
            matches.highlighted = 0

    @on(Input.Submitted, "#find")
    def _to_matches(self) -> None:
        self.query_one("#matches", OptionList).focus()

    @on(OptionList.OptionSelected, "#matches")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.other = self.read(int(event.option.id or 0))
        self.take = set()
        self.choices = differences(self.keep, self.other)
        other = self.other
        said = f"Merging in {safe(other.name)} (card {other.id}): its history, activities and steps come along."
        if self.choices:
            said += f" Where they differ, ▶ marks the value {safe(self.keep.name)} keeps (the other becomes an extra):"
        else:
            said += " No field differs."
        self.query_one("#chosen", Static).update(Text(said))
        fields = self.query_one("#fields", OptionList)
        fields.display = bool(self.choices)
        self._show_choices()
        if self.choices:
            fields.highlighted = 0
            fields.focus()

    def _show_choices(self) -> None:
        fields = self.query_one("#fields", OptionList)
        highlighted = fields.highlighted
        fields.clear_options()
        for name, mine, theirs in self.choices:
            taken = name in self.take
            row = (f"{FIELD_LABELS[name][:12]:<12} {'  ' if taken else '▶ '}{safe(mine)[:_SHOWN]:<{_SHOWN}} "
                   f"{'▶ ' if taken else '  '}{safe(theirs)[:_SHOWN]}")
            fields.add_option(Option(Text(row), id=name))
        fields.highlighted = highlighted

    @on(OptionList.OptionSelected, "#fields")
    def _switch(self, event: OptionList.OptionSelected) -> None:
        name = event.option.id or ""
        self.take ^= {name}
        self._show_choices()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        def merge() -> Any:
            if self.other is None:
                raise InvalidInput("Pick the card to merge in first.", field="other")
            return self.save(self.other.id, set(self.take))

        self.attempt(merge)
