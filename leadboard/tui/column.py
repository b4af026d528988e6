"""One board column: a single Line-API widget that draws only the cards in view.

A column never mounts a widget per card. It knows how many cards it holds, asks its ``CardSource``
for pages of card summaries as rows scroll into view, keeps the most recent pages in an LRU cache,
and renders each visible terminal line from them. A million-card column costs what a ten-card one
does: the pages in view.

Drawing never reads the database. A page that is not cached yet is asked for (the source reads it
off the event loop, on the board's reader thread) and its lines are drawn as placeholders until it
lands, as toolong's ``LogLines`` does with its line reader; the cursor moves over them at once. Any
other key (it may act on the focused card, or keep the cursor on it) is held by the app's key queue
until that card's page has landed (``key_waits_for``), so it acts on the card the user saw, in the order typed.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import ClassVar, Protocol

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from leadboard.domain.card import CardSummary
from leadboard.domain.planned import StepState, local
from leadboard.domain.stages import Stage
from leadboard.tui.actions import ACTIONS, Where, actions_of, bindings
from leadboard.tui.contrast import readable_on
from leadboard.tui.header import header_text
from leadboard.tui.text import money, safe

#: the keys that only move the cursor (in a column, or to the next column): they move over cards
#: still being read. Every other key may act on the focused card or keep the cursor on it (a
#: search, a filter), so the app's key queue holds it until that card's page has landed.
CURSOR_KEYS = frozenset(key.strip() for action in ACTIONS
                        if action.where is Where.COLUMN or action.name in ("column-left", "column-right")
                        for key in action.keys.split(","))

#: lines per card: name, company, amount · owner · marks, and a gap
CARD_HEIGHT = 4
PAGE_SIZE = 100
PAGES_KEPT = 24
#: drawn on a card's first line while its page is being read
PLACEHOLDER = "…"
WARNING_MARK = "⚠"
STALE_MARK = "◷"
#: the next step's state: a shape that reads without colour (16 colours, any theme), then a colour
STEP_MARKS: dict[StepState, str] = {
    StepState.OVERDUE: "!",
    StepState.TODAY: "●",
    StepState.LATER: "○",
    StepState.NONE: "∅",
}


class CardSource(Protocol):
    """Where a column gets its cards from (the board screen, which asks the pipeline)."""

    async def read_page(self, stage: Stage, offset: int, limit: int) -> list[CardSummary]:
        """A page of cards, read off the event loop."""
        ...

    def is_stale(self, card: CardSummary) -> bool: ...

    def step_state(self, card: CardSummary) -> StepState | None: ...

    def needs_next_step(self, card: CardSummary) -> bool: ...

    def cursor_moved(self, column: CardColumn, action: str) -> None:
        """``action`` (``cursor_down``...) has just moved ``column``'s cursor."""
        ...


class PageCache:
    """The most recently used pages of one column (page number -> card summaries)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pages: OrderedDict[int, list[CardSummary]] = OrderedDict()

    def get(self, number: int) -> list[CardSummary] | None:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
        return page

    def __setitem__(self, number: int, page: list[CardSummary]) -> None:
        self._pages[number] = page
        self._pages.move_to_end(number)
        while len(self._pages) > self.size:
            self._pages.popitem(last=False)

    def items(self) -> Iterator[tuple[int, list[CardSummary]]]:
        return iter(list(self._pages.items()))

    def clear(self) -> None:
        self._pages.clear()


class ColumnHeader(Widget):
    """Title, number of cards and value of a column (weighted value for opportunities)."""

    def __init__(self, stage: Stage, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stage = stage
        self._shown: tuple[Stage, int, Decimal, Decimal | None, bool] | None = None

    def show(self, stage: Stage, cards: int, amount: Decimal, weighted: Decimal | None,
             capped: bool = False) -> None:
        """``capped``: a search shows only its newest matches, so ``cards`` is "at least"."""
        if self._shown != (stage, cards, amount, weighted, capped):
            self._shown = (stage, cards, amount, weighted, capped)
            self.refresh()

    def render(self) -> Text:
        if self._shown is None:
            return Text(self.stage.title, style="bold")  # its counts are being read
        return header_text(*self._shown, width=self.content_region.width)


class CardColumn(ScrollView, can_focus=True, inherit_bindings=False):
    """The cards of one stage, drawn line by line from cached pages.

    Only the actions table's keys are bound (``inherit_bindings=False``): the scroll view's own
    left/right would otherwise shadow the board's "column to the left/right" in the key chain."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings(actions_of(Where.COLUMN)))

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "card--name", "card--company", "card--meta", "card--mark",
        "card--cursor", "card--cursor-blurred", "card--bar", "card--empty",
        "card--step-overdue", "card--step-today", "card--step-later", "card--step-none",
    }

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Selected(Message):
        """A click on the focused card: open it."""

        def __init__(self, column: CardColumn, card: CardSummary) -> None:
            super().__init__()
            self.column = column
            self.card = card

    def __init__(self, stage: Stage, source: CardSource, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stage = stage
        self.source = source
        self.count = 0
        #: the virtual size at the last layout (``_size_updated``)
        self._laid_out: Size | None = None
        self._pages = PageCache(PAGES_KEPT)
        #: pages asked for and not landed yet (page number -> set when it lands)
        self._reading: dict[int, asyncio.Event] = {}
        #: counts the loads: a page read before the latest one is out of date when it lands
        self._generation = 0
        #: said on an empty column (by whoever loads it); until the first load, the count is being read
        self._empty_text = PLACEHOLDER
        #: the column's style while a pass draws its lines
        self._pass_style: Style | None = None

    # ---- data, given from above ----------------------------------------------------------------

    def load(self, count: int, cursor: int | None = None, scroll_y: float | None = None,
             pages: dict[int, list[CardSummary]] | None = None) -> None:
        """Start over with ``count`` cards (``pages`` already read; the rest are read again as
        they come into view)."""
        self.count = count
        self._pages.clear()
        self._generation += 1
        for waiting in self._reading.values():
            waiting.set()  # a key held for a page of the old load looks again
        self._reading.clear()
        for number, page in (pages or {}).items():
            self._pages[number] = page
        self.virtual_size = Size(0, count * CARD_HEIGHT)
        new_cursor = self.cursor if cursor is None else cursor
        self.set_reactive(CardColumn.cursor, max(0, min(new_cursor, count - 1)))
        if scroll_y is not None:
            self.scroll_to(y=scroll_y, animate=False, immediate=True)
        self._keep_cursor_visible()
        self.refresh()

    def patch(self, card: CardSummary) -> bool:
        """Redraw one card in place if it is in a cached page; False if it is not held here."""
        for number, page in self._pages.items():
            for index, held in enumerate(page):
                if held.id == card.id:
                    page[index] = card
                    self.refresh_card(number * PAGE_SIZE + index)
                    return True
        return False

    def holds(self, card_ids: Iterable[int]) -> bool:
        wanted = set(card_ids)
        return any(card.id in wanted for _, page in self._pages.items() for card in page)

    def refresh_card(self, index: int) -> None:
        top = index * CARD_HEIGHT - round(self.scroll_offset.y)
        self.refresh(Region(0, top, self.size.width, CARD_HEIGHT))

    def set_empty_text(self, text: str) -> None:
        self._empty_text = text
        self.refresh()

    # ---- reading -------------------------------------------------------------------------------

    def card_at(self, index: int) -> CardSummary | None:
        """The card at ``index`` if its page has landed; None (and the page asked for) if not."""
        if not 0 <= index < self.count:
            return None
        number, within = divmod(index, PAGE_SIZE)
        page = self._pages.get(number)
        if page is None:
            self._ask_for(number)
            return None
        return page[within] if within < len(page) else None

    def is_read(self, index: int) -> bool:
        """Whether the card at ``index`` has been read (False while its page is on its way)."""
        return not 0 <= index < self.count or self._pages.get(index // PAGE_SIZE) is not None

    @staticmethod
    def pages_around(index: int, lines: int) -> range:
        """The page numbers a screen of ``lines`` lines starting at card ``index`` shows."""
        first = max(index, 0) // PAGE_SIZE
        last = (max(index, 0) + max(lines, CARD_HEIGHT) // CARD_HEIGHT + 1) // PAGE_SIZE
        return range(first, last + 1)

    def key_waits_for(self, key: str) -> Awaitable[object] | None:
        """What a key must wait for before it is handled: any key but a cursor move waits for the
        focused card's page (the key queue asks before it hands the key over)."""
        if key in CURSOR_KEYS or self.is_read(self.cursor):
            return None
        number = self.cursor // PAGE_SIZE
        self._ask_for(number)
        return self._reading[number].wait()

    def _ask_for(self, number: int) -> None:
        if number not in self._reading:
            self._reading[number] = asyncio.Event()
            self.run_worker(self._read(number, self._generation), group="page")

    async def _read(self, number: int, generation: int) -> None:
        landed = self._reading[number]
        try:
            page = await self.source.read_page(self.stage, number * PAGE_SIZE, PAGE_SIZE)
            if generation == self._generation:
                self._pages[number] = page
                self.refresh()
                if number == self.cursor // PAGE_SIZE and self.is_attached:
                    self.screen.refresh_bindings()  # the card keys apply again
        finally:
            if self._reading.get(number) is landed:
                del self._reading[number]
            landed.set()

    @property
    def current(self) -> CardSummary | None:
        return self.card_at(self.cursor)

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        # Textual's ScrollView compares the virtual size the layout passes (the column's region
        # less its scroll bar) with the column's own (its cards' lines): they never match, so every
        # layout of the board (each dialog opened over it) set up and redrew the four scroll bars,
        # a millisecond each. They are set up again when the column's own size changed since the
        # last layout (cards came or went), as when its region did.
        changed, self._laid_out = self.virtual_size != self._laid_out, self.virtual_size
        return super()._size_updated(size, virtual_size if changed else self.virtual_size, container_size, layout)

    # ---- cursor --------------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_card(old)
        self.refresh_card(new)
        self._keep_cursor_visible()

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self.count - 1)) if self.count else 0

    def _keep_cursor_visible(self) -> None:
        if self.count and self.size.height:
            region = Region(0, self.cursor * CARD_HEIGHT, max(self.size.width, 1), CARD_HEIGHT)
            self.scroll_to_region(region, animate=False, immediate=True, force=True)

    @property
    def cursor_y(self) -> int:
        """Where the cursor's card starts on screen (lines from the column's top)."""
        return self.cursor * CARD_HEIGHT - round(self.scroll_offset.y)

    def nearest(self, y: int) -> int:
        """The card drawn nearest to line ``y`` on screen (a move between columns lands on it)."""
        if not self.count:
            return 0
        index = (max(y, 0) + round(self.scroll_offset.y)) // CARD_HEIGHT
        return max(0, min(index, self.count - 1))

    @property
    def cards_per_page(self) -> int:
        return max(1, self.scrollable_content_region.height // CARD_HEIGHT)

    def action_cursor_up(self) -> None:
        self.cursor -= 1
        self.source.cursor_moved(self, "cursor_up")

    def action_cursor_down(self) -> None:
        self.cursor += 1
        self.source.cursor_moved(self, "cursor_down")

    def action_cursor_top(self) -> None:
        self.cursor = 0
        self.source.cursor_moved(self, "cursor_top")

    def action_cursor_bottom(self) -> None:
        self.cursor = self.count - 1
        self.source.cursor_moved(self, "cursor_bottom")

    def action_page_up_cards(self) -> None:
        self.cursor -= self.cards_per_page
        self.source.cursor_moved(self, "page_up_cards")

    def action_page_down_cards(self) -> None:
        self.cursor += self.cards_per_page
        self.source.cursor_moved(self, "page_down_cards")

    def on_click(self, event: events.Click) -> None:
        index = (event.y + round(self.scroll_offset.y)) // CARD_HEIGHT
        if index == self.cursor and self.current is not None:
            self.post_message(self.Selected(self, self.current))  # a second click opens it
        else:
            self.cursor = index

    def on_focus(self) -> None:
        self.refresh_card(self.cursor)

    def on_blur(self) -> None:
        self.refresh_card(self.cursor)

    def on_resize(self) -> None:
        self.virtual_size = Size(0, self.count * CARD_HEIGHT)
        self._keep_cursor_visible()

    # ---- drawing -------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        # every line of one pass has the same background: worked out once (from the column's and its
        # parents' styles), not once a line
        self._pass_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._pass_style = None

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self._pass_style or self.rich_style
        line = y + round(self.scroll_offset.y)
        if self.count == 0:
            if y == 1 and self.has_focus:
                # an empty column shows a cursor too: the focus is always somewhere to be seen
                text = Text("▌", style=self._part("card--bar"))
                text.append(self._empty_text, style=self._cursor_part("card--empty"))
                return self._strip(text, width, self.cursor_style(focused=True))
            if y == 1:
                text = Text(f" {self._empty_text}", style=self._part("card--empty"))
                return self._strip(text, width, base)
            return Strip.blank(width, base)
        index, row = divmod(line, CARD_HEIGHT)
        if index >= self.count or row == CARD_HEIGHT - 1:
            return Strip.blank(width, base)
        card = self.card_at(index)
        on_cursor = index == self.cursor
        style = base
        if on_cursor:
            style = self.cursor_style(focused=self.has_focus)
        text = Text()
        bar = on_cursor and self.has_focus
        text.append("▌" if bar else " ", style=self._part("card--bar") if bar else Style())
        if card is not None:
            text.append_text(self._card_line(card, row, width - 1, on_cursor))
        elif row == 0:
            text.append(PLACEHOLDER, style=self._part("card--empty"))  # its page is on its way
        return self._strip(text, width, style)

    def cursor_style(self, focused: bool) -> Style:
        """The cursor line's colours: the whole style (not partial), so a translucent cursor colour
        is blended as themed, with text that reads at 4.5:1 or better on it in every theme."""
        style = self.get_component_rich_style("card--cursor" if focused else "card--cursor-blurred")
        if style.bgcolor is not None:
            color = readable_on(style.bgcolor, style.color)
            if color is not None and color != style.color:
                style += Style(color=color)
        return style

    def _card_line(self, card: CardSummary, row: int, width: int, on_cursor: bool) -> Text:
        part = self._cursor_part if on_cursor else self._part
        if row == 0:
            return Text(safe(card.name), style=part("card--name"))
        if row == 1:
            company = Text(safe(card.company or ""), style=part("card--company"))
            step = self._step_badge(card, width)
            if step is None:
                return company
            company.truncate(max(width - step.cell_len - 1, 0), overflow="ellipsis", pad=True)
            return company + Text(" ") + step
        marks = []
        if card.warnings:
            marks.append(WARNING_MARK)
        if self.source.is_stale(card):
            marks.append(STALE_MARK)
        if card.stage is Stage.LOST:
            # a lost card says where it was lost from and why, the two things a reopen weighs
            source = card.lost_from.value if card.lost_from else "?"
            meta = Text(f"{source} · {safe(card.lost_reason or '')}", style=part("card--meta"))
        else:
            meta = Text(money(card.amount) if card.amount else "", style=part("card--meta"))
            if card.owner:
                meta.append(" · " if card.amount else "")
                meta.append(safe(card.owner))
        mark_text = " ".join(marks)
        if mark_text:
            room = max(width - len(mark_text) - 2, 1)
            meta.truncate(room, overflow="ellipsis", pad=True)
            meta.append(" ")
            meta.append(mark_text, style=self._part("card--mark"))
        return meta

    def _step_badge(self, card: CardSummary, width: int) -> Text | None:
        """The next step's mark, with its due date where the column has room: ``! Nov 28``,
        ``● 14:30``, ``○ Dec 9``; ``∅ no step`` where the rules want one and there is none."""
        state = self.source.step_state(card)
        if state is None or (state is StepState.NONE and not self.source.needs_next_step(card)):
            return None
        mark = STEP_MARKS[state]
        if state is StepState.NONE:
            label = "no step"
        else:
            assert card.next_due is not None
            due = local(card.next_due)
            # a day's due key is its last second; an instant has whole minutes
            dated_only = (due.hour, due.minute, due.second) == (23, 59, 59)
            if not dated_only and (state is StepState.TODAY or due.date() == local(datetime.now(UTC)).date()):
                label = f"{due:%H:%M}"  # due (or overdue) at a time today
            else:
                label = "today" if state is StepState.TODAY else f"{due:%b} {due.day}"
        # the company keeps at least 8 cells; on a narrower column the mark alone says it
        text = f"{mark} {label}" if width >= len(label) + 2 + 1 + 8 else mark
        return Text(text, style=self._part(f"card--step-{state.value}"))

    def _part(self, name: str) -> Style:
        """A component's colour and weight (blended as themed), without a background, to lay over a line."""
        full = self.get_component_rich_style(name)
        return Style(color=full.color, bold=full.bold, italic=full.italic)

    def _cursor_part(self, name: str) -> Style:
        """On the cursor the cursor's colours win (contrast in every theme); bold and italic stay."""
        own = self._part(name)
        return Style(bold=own.bold, italic=own.italic)

    def _strip(self, text: Text, width: int, style: Style) -> Strip:
        text.no_wrap = True
        text.overflow = "ellipsis"
        text.truncate(width, overflow="ellipsis", pad=True)
        segments = [Segment(seg.text, style + seg.style if seg.style else style)
                    for seg in text.render(self.app.console)]
        return Strip(segments, width).crop_extend(0, width, style)
