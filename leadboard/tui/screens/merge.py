"""Merge another card of the same person into the focused one: find it by search, then choose,
field by field, whose value the kept card keeps (the other value is kept as a ``merged.`` extra).

The matches and the picked card are read off the event loop (``find`` and ``read`` are the board's
reads on its reader thread): letters typed into the search echo at once, and any other key (↓ or
Enter on the matches, a switch of side) waits until what was typed before it has been read."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from leadboard.domain.card import FIELD_LABELS, Card, CardSummary
from leadboard.domain.errors import InvalidInput, LeadboardError
from leadboard.domain.merging import differences
from leadboard.tui.screens.parts import dialog_box
from leadboard.tui.screens.saving import SavingModal
from leadboard.tui.text import safe

#: how much of a value a side-by-side row shows
_SHOWN = 24
#: keys that only edit the search's text: they go at once while its matches are read
_TYPING = frozenset({"space", "backspace", "delete", "left", "right"})


class MergeModal(SavingModal):
    """Dismissed with what ``save(other_id, fields_taken)`` returned, or None on cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Merge"),
    ]

    def __init__(self, keep: Card, find: Callable[[str], Awaitable[list[CardSummary]]],
                 read: Callable[[int], Awaitable[Card]], save: Callable[[int, set[str]], Any]) -> None:
        super().__init__()
        self.keep = keep
        self.find = find
        self.read = read
        self.save = save
        self.other: Card | None = None
        #: the fields whose value the kept card takes from the other
        self.take: set[str] = set()
        self.choices: list[tuple[str, str, str]] = []
        #: set once the matches of the text typed last (or the card picked last) are read and shown
        self._read = asyncio.Event()
        self._read.set()
        #: a pick waits for no letter: every key waits for it
        self._picking = False

    def compose(self) -> ComposeResult:
        with dialog_box(f"Merge another card of {safe(self.keep.name)} into this one",
                        "Enter switch side · Ctrl+S merge · Esc cancel"):
            yield Label(Text("Find the other card (type, then ↓ and Enter to pick it)"))
            yield self.opens_focused(Input(placeholder="name, company, email or phone", id="find", compact=True))
            yield OptionList(id="matches")
            yield Static(id="chosen", classes="note")
            yield OptionList(id="fields")
            yield Static(id="problem", classes="problem")

    def on_mount(self) -> None:
        self.query_one("#fields", OptionList).display = False

    def key_waits_for(self, key: str) -> Awaitable[object] | None:
        """A letter into the search goes at once; any other key waits for the read before it."""
        if self._read.is_set():
            return None
        if not self._picking and isinstance(self.focused, Input) and (len(key) == 1 or key in _TYPING):
            return None
        return self._read.wait()

    def _reading(self) -> asyncio.Event:
        self._read.set()  # a key waiting for the read this one replaces asks again
        self._read = asyncio.Event()
        return self._read

    @on(Input.Changed, "#find")
    def _search(self, event: Input.Changed) -> None:
        self._picking = False
        self._find(event.value, self._reading())

    @work(exclusive=True, group="merge-read")
    async def _find(self, text: str, read: asyncio.Event) -> None:
        try:
            found = [card for card in await self.find(text) if card.id != self.keep.id] if text.strip() else []
            matches = self.query_one("#matches", OptionList)
            matches.clear_options()
            matches.add_options(Option(Text(" · ".join(part for part in (safe(card.name), safe(card.company or ""),
                                                                          card.stage.value) if part)
                                            + f" (card {card.id})"), id=str(card.id)) for card in found)
            if found:
                matches.highlighted = 0
        finally:
            read.set()

    @on(Input.Submitted, "#find")
    def _to_matches(self) -> None:
        self.query_one("#matches", OptionList).focus()

    @on(OptionList.OptionSelected, "#matches")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self._picking = True
        self._pick(int(event.option.id or 0), self._reading())

    @work(exclusive=True, group="merge-read")
    async def _pick(self, card_id: int, read: asyncio.Event) -> None:
        try:
            self.other = await self.read(card_id)
        except LeadboardError as error:
            await self.show_problem(error)
        else:
            self._show_picked()
        finally:
            read.set()

    def _show_picked(self) -> None:
        assert self.other is not None
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

    def action_save(self) -> None:
        def merge() -> Any:
            if self.other is None:
                raise InvalidInput("Pick the card to merge in first.", field="other")
            return self.save(self.other.id, set(self.take))

        self.attempt(merge)
