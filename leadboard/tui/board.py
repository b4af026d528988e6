"""The board screen: four columns, the keys a salesperson uses all day, and live refresh.

The screen is the only place the board talks to the ``Pipeline``: columns ask it for pages (it is
their ``CardSource``), forms and modals get callbacks that call the pipeline, and a short interval
polls the change feed so moves made by colleagues show up without a key press.

The board never waits for the database: reads run on its reader thread, writes (each a short
transaction, in the order asked) on its writer thread, and what they bring back is shown when it
lands. Meanwhile keys go on in order (``key_waits_for``): a cursor move at once, a key that acts on
a card once the write before it has landed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial, wraps
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from rich.text import Text
from textual import on, work
from textual.actions import parse
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Grid
from textual.geometry import Region
from textual.message import Message
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Input, Static

from leadboard.domain.card import ACTIVITY, Card, CardSummary
from leadboard.domain.errors import (
    CardNotFound,
    Conflict,
    DuplicateEmail,
    GateBlocked,
    InvalidInput,
    LeadboardError,
)
from leadboard.domain.filter import NO_FILTER, CardFilter, ColumnOrder
from leadboard.domain.history import ChangeRecord, MoveRecord
from leadboard.domain.planned import PlannedRecord, StepState
from leadboard.domain.stages import GATE_INTO, PIPELINE, Stage
from leadboard.service import MoveResult, Pipeline
from leadboard.service.past import PastPipeline, board_as_of
from leadboard.service.pipeline import MergeResult, StageStats
from leadboard.service.setup import close as close_database
from leadboard.service.setup import database_name, open_connection
from leadboard.tui.actions import BoardAction, Where, actions_of, bindings
from leadboard.tui.column import CARD_HEIGHT, CURSOR_KEYS, PAGE_SIZE, CardColumn, ColumnHeader
from leadboard.tui.keybar import KeyBar
from leadboard.tui.reader import Reader, writer
from leadboard.tui.screens.parts import KeepsLayout, StyledOnce
from leadboard.tui.text import local_time, safe

if TYPE_CHECKING:
    # the rules and the screens a key opens are loaded when first needed, not before the first paint
    from leadboard.domain.rules import RuleFailure
    from leadboard.tui.screens.activity import StepFormValues
    from leadboard.tui.screens.detail import CardDetail
    from leadboard.tui.screens.form import ConflictSeen, FormValues

#: fields the new-card form asks for: what a contact needs, nothing a later gate wants
NEW_CARD_FIELDS = ("name", "kind", "company", "title", "email", "phone", "owner", "notes")
#: how often the board looks for changes made by others (seconds)
POLL_INTERVAL = 0.5

#: the keys that only move the cursor, and ``/`` (the search: its letters echo): while a write lands
#: they are handled at once, and the moves made again from where the write leaves the cursor
GO_AT_ONCE = CURSOR_KEYS | {"slash"}

Action = TypeVar("Action", bound=Callable[..., None])
T = TypeVar("T")


def writes(action: Action) -> Action:
    """A key that changes something: on the board as of a past day it is refused as it is pressed,
    in one sentence, before any form opens."""

    @wraps(action)
    def unless_past(screen: BoardScreen, *args: Any) -> None:
        if isinstance(screen.pipeline, PastPipeline):
            screen.notify(screen.pipeline.refusal, severity="warning", timeout=6, markup=False)
            return
        action(screen, *args)

    return unless_past  # type: ignore[return-value]


def summary_of(card: Card) -> CardSummary:
    """What a column shows of a whole card (for redrawing one card that changed elsewhere)."""
    amount = card.amount
    return CardSummary(
        id=card.id, stage=card.stage, name=card.name, company=card.company,
        amount=amount if amount is not None else 0,  # type: ignore[arg-type]
        owner=card.owner, warnings=tuple(card.warnings),
        active_at=card.last_activity_at or card.created_at, version=card.version,
        lost_from=card.lost_from, lost_reason=card.lost_reason, next_due=card.next_due,
    )


@dataclass
class SeenCard:
    """The card as the user's open form last saw it. A save sends its version; after a conflict it
    becomes the colleague's card, so saving again deliberately writes over their change."""

    card: Card
    #: whether a save was tried: it may have written (an activity logged before a promote that
    #: then failed), so a cancel reads the board again
    tried: bool = False


@dataclass(frozen=True)
class Snapshot:
    """What a thread worker read for the screen to show: counts and totals, first pages."""

    card_filter: CardFilter
    stats: dict[Stage, StageStats]
    #: each column's pages read (page number -> cards): its first, and the one under its cursor
    pages: dict[Stage, dict[int, list[CardSummary]]]
    #: where each column's focused card is under the new filter (or would be, if it does not match)
    positions: dict[Stage, int]
    #: the focused card as it is now (None: gone), and whether its newest change was this board's
    #: (to say where it went if the filter does not show it)
    left: dict[int, tuple[Card | None, bool]]


@dataclass(frozen=True)
class ColumnState:
    """Where a column stood when a reload was asked for (read on the event loop, from its pages)."""

    kept: CardSummary | None
    cursor: int
    scroll_y: float
    height: int


@dataclass(frozen=True)
class ColumnRead:
    """One column as a reload read it: its count, the pages it shows, its cursor on the card kept."""

    count: int
    cursor: int
    scroll_y: float
    pages: dict[int, list[CardSummary]]
    #: the card the cursor was on, when the reload is to say where it went if it left
    tell: CardSummary | None
    #: that card as it is now (None: gone)
    now: Card | None
    #: its newest change was this board's
    changed_here: bool


@dataclass(frozen=True)
class Reloaded:
    card_filter: CardFilter
    #: None when no column was read (a card followed only)
    stats: dict[Stage, StageStats] | None
    columns: dict[Stage, ColumnRead]
    #: the stage of the card followed, and its place in the column (None: the filter hides it)
    follow: tuple[Stage, int | None] | None


@dataclass(frozen=True)
class CursorPlace:
    """Where the cursor was: its column, and every column's cursor and scroll."""

    stage: Stage
    cursors: dict[Stage, tuple[int, float]]


@dataclass(frozen=True)
class Changes:
    newest: int
    #: ids of cards changed elsewhere, or None when everything must be read again
    card_ids: set[int] | None
    stats: dict[Stage, StageStats]
    #: each changed card as it is now (None: gone, or no longer matching the filter)
    cards: dict[int, CardSummary | None]


@dataclass(frozen=True)
class Opening:
    """What the board reads first: the newest change (where the change feed starts), the user's
    column order, the columns, and whether the database holds no card at all."""

    newest: int
    order: ColumnOrder
    #: the counts and pages in view (None on the board as of a past day: read as a filter is)
    board: Reloaded | None
    empty: bool


class BoardScreen(StyledOnce, KeepsLayout, Screen[None]):
    """Contacts, Leads, Opportunities, Accounts, side by side."""

    class Opened(Message):
        """The board's first read has landed and is shown; ``empty``: the database holds no card
        (today's board only: the app offers demo cards)."""

        def __init__(self, board: BoardScreen, empty: bool) -> None:
            super().__init__()
            self.board = board
            self.empty = empty

    #: the board opens on the Contacts column. Textual's default (the first focusable widget) would
    #: focus the search box first, then the column: three restyles of each, for nothing
    AUTO_FOCUS = "#column-contact"
    ACTIONS: ClassVar[tuple[BoardAction, ...]] = actions_of(Where.BOARD, Where.CARD)
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(ACTIONS))
    #: actions that need a card under the cursor (greyed out in the footer on an empty column)
    CARD_ACTIONS: ClassVar[frozenset[str]] = frozenset(a.action for a in actions_of(Where.CARD))

    def __init__(self, pipeline: Pipeline, poll_interval: float | None = POLL_INTERVAL) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.card_filter: CardFilter = NO_FILTER
        self.stats: dict[Stage, StageStats] = {}
        self.last_change = 0
        #: whether the board's first read has landed and is shown (until then, placeholder lines)
        self.opened = False
        #: set once the board's ``Opened`` has reached its own handler, from where it goes on to the
        #: app (which may ask a question, as it does on an empty database): keys typed at start-up
        #: wait for it, so a key typed ahead answers that question instead of going to the board
        self._announced = asyncio.Event()
        #: how many times the counts were read on the event loop (a change feed read older than the
        #: latest of them is not shown)
        self._stats_read = 0
        self._poll_interval = poll_interval
        self.reader = Reader()
        self.writer = writer()
        #: reads and writes the board asked for that have not landed yet, and how many of them decide
        #: what comes next (a form, a question); ``_landed`` is set when none is left
        self._landings = 0
        self._deciding = 0
        self._landed = asyncio.Event()
        self._decided = asyncio.Event()
        #: where the cursor was when the landing began (then where the last reload left it), and the
        #: cursor keys typed since, made again from there when a reload lands
        self._base = CursorPlace(Stage.CONTACT, {})
        self._moved_meanwhile: list[str] = []
        self._reloading = asyncio.Lock()
        #: the column focused last (where Enter or Esc in the search box returns to)
        self._last_stage = Stage.CONTACT
        #: the card focused when the search box opened (where Esc returns to)
        self._before_search: int | None = None
        #: a filter's counts and pages are being read; ``_after_filter`` runs when they land
        self._filter_pending = False
        self._after_filter: Callable[[], None] | None = None
        self._columns = {stage: CardColumn(stage, self, id=f"column-{stage.value}") for stage in PIPELINE}
        # the first read starts now, while Textual reads the stylesheet and builds the screen: it
        # has often landed by the time the columns are mounted, and they paint their cards at once
        self._opening = self.reader.start(self._read_opening)
        self._headers = {stage: ColumnHeader(stage, id=f"header-{stage.value}") for stage in PIPELINE}
        #: the screen's own lines as last drawn, and what they were drawn for (``render_lines``)
        self._own_lines: tuple[object, list[Strip]] | None = None

    # ---- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Search name, company, email or phone — Enter: first match, Esc: clear", id="search",
                    compact=True)
        yield Static(id="filter-bar")
        with Grid(id="columns"):
            yield from self._headers.values()
            yield from self._columns.values()
        yield KeyBar(f"{self.pipeline.user} · {database_name()}", id="keybar")

    def render_lines(self, crop: Region) -> list[Strip]:
        """The screen's own lines: the background under the columns. Textual redraws a screen's own
        lines each time a dialog opens over it (``push_screen`` refreshes the screen below), and
        each new line is cut again at every edge of every widget on it: some 400 new strips, half
        the board's repaint as a dialog closes. The same background gives the same lines again, so
        their cuts are the ones made before."""
        key = (crop, self.size, self.background_colors, self.rich_style)
        if self._own_lines is None or self._own_lines[0] != key:
            self._own_lines = (key, super().render_lines(crop))
        return self._own_lines[1]

    def on_unmount(self) -> None:
        self.writer.close(last=close_database)
        self.reader.close(last=close_database)

    def on_mount(self) -> None:
        self.pipeline.begin_session()  # u undoes only what this board did
        if self._opening.done():
            # the first read landed while Textual built the screen: the first paint shows the cards
            self._show_opening(self._opening.result())
        else:
            # the frame (headers, columns, footer) paints at once, each column a placeholder line
            # until the first read lands; keys typed meanwhile are handled in order as it lands
            self._land(self._open())
        if self._poll_interval:
            self.set_interval(self._poll_interval, self.look_for_changes)

    async def _open(self) -> None:
        async with self._reloading:
            opening = await asyncio.wrap_future(self._opening)
            # quitting while the first read is on its way (``--as-of`` quit at once, with today's
            # board below still reading) takes the board's widgets away first: nothing to show it on
            if not (self._closing or self._pruning):
                self._show_opening(opening)

    def _show_opening(self, opening: Opening) -> None:
        """Show the board's first read (started on the reader thread as the board was made)."""
        self.last_change = opening.newest
        self.card_filter = replace(self.card_filter, order=opening.order)
        self._show_filter_bar()
        if opening.board is None:
            # replaying a day far back reads every move made since: its counts and cards land when read
            self.apply_filter(self.card_filter)
        else:
            self._show_reload(opening.board)
        self.opened = True
        self.post_message(self.Opened(self, opening.empty))
        if not self.is_past:
            # the writer thread starts, and opens its connection, now: not as the first save waits
            self.writer.start(open_connection)

    def on_board_screen_opened(self, event: BoardScreen.Opened) -> None:
        if event.board is self:
            self._announced.set()

    def _read_opening(self) -> Opening:
        """Where the change feed starts, the user's column order, then each column's count and first
        page (the top of the board, where its cursors start)."""
        newest, order = self.pipeline.latest_change(), self.pipeline.column_order()
        if self.is_past:
            return Opening(newest, order, None, empty=False)
        top = {stage: ColumnState(None, 0, 0, 0) for stage in PIPELINE}
        board = self._read_reload(replace(NO_FILTER, order=order), top, None, False)
        # the rules file (how long a card may rest in its stage: the ◷ mark) is read and checked here,
        # off the event loop, rather than by the first card drawn
        _ = self.pipeline.rules
        assert board.stats is not None
        return Opening(newest, order, board, empty=all(stat.cards == 0 for stat in board.stats.values()))

    # ---- CardSource: what the columns ask for -------------------------------------------

    async def read_page(self, stage: Stage, offset: int, limit: int) -> list[CardSummary]:
        total = self.stats[stage].cards if stage in self.stats else None
        return await self.reader.run(self.pipeline.column_page, stage, offset, limit, self.card_filter, total)

    def is_stale(self, card: CardSummary) -> bool:
        return self.pipeline.is_stale(card)

    def step_state(self, card: CardSummary) -> StepState | None:
        return self.pipeline.summary_state(card)

    def needs_next_step(self, card: CardSummary) -> bool:
        return self.pipeline.needs_next_step(card)

    def cursor_moved(self, column: CardColumn, action: str) -> None:
        """Remember a cursor move made while a write lands, to make it again from where the write
        leaves the cursor (moves in the lost view are not the board's)."""
        if self._landings and self._columns.get(column.stage) is column:
            self._moved_meanwhile.append(action)

    # ---- reading the board -----------------------------------------------------------------

    def column(self, stage: Stage) -> CardColumn:
        return self._columns[stage]

    @property
    def focused_column(self) -> CardColumn:
        focused = self.focused
        if isinstance(focused, CardColumn) and focused.stage in self._columns:
            return focused
        return self._columns[Stage.CONTACT]

    def current_card(self) -> CardSummary | None:
        return self.focused_column.current

    def reload(self, stages: tuple[Stage, ...] = PIPELINE, follow: int | None = None, *,
               tell: bool = False) -> None:
        """Read counts again and start the given columns over, each cursor still on its card;
        ``follow`` a card to focus it; ``tell``: say where a focused card that left its column went.
        Read on the reader thread: keys that act on a card wait until it lands."""
        self._land(self._reload(stages, follow, tell=tell))

    async def _reload(self, stages: tuple[Stage, ...] = PIPELINE, follow: int | None = None, *,
                      tell: bool = False) -> None:
        # one at a time: a reload keeps each cursor on the card the one before it left it on
        async with self._reloading:
            states = self._states(stages, self._base)
            self._show_reload(await self.reader.run(self._read_reload, self.card_filter, states, follow, tell))

    def _states(self, stages: tuple[Stage, ...], base: CursorPlace) -> dict[Stage, ColumnState]:
        """Where the given columns stood at ``base`` (what a reload keeps the cursors on)."""
        states = {}
        for stage in stages:
            column = self._columns[stage]
            cursor, scroll_y = base.cursors[stage]
            kept = column.card_at(cursor) if column.is_read(cursor) else None
            states[stage] = ColumnState(kept, cursor, scroll_y, column.size.height)
        return states

    def _read_reload(self, card_filter: CardFilter, states: dict[Stage, ColumnState], follow: int | None,
                     tell: bool) -> Reloaded:
        """Counts, and for each column the pages it will show with its cursor on the card it was on
        (read off the event loop: the reload draws whole cards)."""
        stats = self.pipeline.stats(card_filter) if states else None
        columns: dict[Stage, ColumnRead] = {}
        for stage, state in states.items():
            count = stats[stage].cards if stats is not None else 0
            cursor, scroll_y = state.cursor, state.scroll_y
            now = self._card_or_none(state.kept.id) if state.kept is not None else None
            if state.kept is not None and now is not None and now.stage is stage:
                position = self.pipeline.position(state.kept.id, card_filter)
                if position is not None:
                    # keep the same card under the cursor, at the same place on screen
                    scroll_y += (position - cursor) * CARD_HEIGHT
                    cursor = position
            shown = {*CardColumn.pages_around(round(scroll_y) // CARD_HEIGHT, state.height), cursor // PAGE_SIZE}
            pages = {number: self.pipeline.column_page(stage, number * PAGE_SIZE, PAGE_SIZE, card_filter, count)
                     for number in sorted(shown) if number * PAGE_SIZE < count}
            here = tell and now is not None and self._changed_here(now.id)
            columns[stage] = ColumnRead(count, cursor, scroll_y, pages, state.kept if tell else None, now, here)
        followed = None
        followed_stage = self._stage_of(follow) if follow is not None else None
        if follow is not None and followed_stage is not None and followed_stage in self._columns:
            followed = (followed_stage, self.pipeline.position(follow, card_filter))
        return Reloaded(card_filter, stats, columns, followed)

    def _show_reload(self, read: Reloaded) -> None:
        """Show what a reload read. Cursor moves typed while it was on its way are made again from
        where it leaves the cursor (as they would have been, typed after it landed)."""
        moved = bool(self._moved_meanwhile)
        if moved:
            self._go_back_to(self._base)
        stage = self._apply_reload(read)
        self._base = self._where(stage)
        if moved:
            stage = self._replay()
        self._show_cursor_in(stage)

    def _apply_reload(self, read: Reloaded) -> Stage:
        """The columns as read; returns the stage whose column has the cursor now."""
        stage = self._base.stage
        if read.card_filter != self.card_filter:
            self.apply_filter(self.card_filter)  # the filter changed meanwhile: read the board again under it
            return stage
        if read.stats is not None:
            self._stats_read += 1
            self.stats = read.stats
            self._show_headers()
        for column_stage, column_read in read.columns.items():
            column = self._columns[column_stage]
            column.load(column_read.count, cursor=column_read.cursor, scroll_y=column_read.scroll_y,
                        pages=column_read.pages)
            column.set_empty_text(self._empty_text(column_stage))
            if column_read.tell is not None and column_stage is stage:
                self._tell_if_gone(column, column_read.tell, column_read.now, column_read.changed_here)
        if read.follow is not None:
            stage, position = read.follow
            if position is not None:
                self._columns[stage].cursor = position
        self.refresh_bindings()
        return stage

    def _empty_text(self, stage: Stage) -> str:
        if not self.card_filter.is_empty:
            return "No cards match"
        return "No cards — n to add one" if stage is Stage.CONTACT else "No cards"

    def _tell_if_gone(self, column: CardColumn, kept: CardSummary, now: Card | None, changed_here: bool) -> None:
        """The focused card left the view: say where it went and which card has the cursor now
        (``now``: the card as it is now, None if gone; ``changed_here``: its newest change was ours)."""
        current = column.current
        if current is not None and current.id == kept.id:
            return
        if changed_here:
            return  # this board moved it: the cursor follows it as soon as the move's result lands
        if now is None:
            gone = "was deleted"
        elif now.stage is Stage.LOST:
            gone = f"was lost by {now.updated_by}" if now.updated_by != self.pipeline.user else "was lost"
        elif now.stage is not column.stage:
            by = f" by {now.updated_by}" if now.updated_by != self.pipeline.user else ""
            gone = f"moved to {now.stage.title}{by}"
        else:
            gone = "is hidden by the filter"
        where = f"the cursor is on {safe(current.name)}" if current is not None else "the column is empty"
        self.say(f"{safe(kept.name)} {gone}; {where}.", title="Focus moved")

    def _changed_here(self, card_id: int) -> bool:
        """Whether the card's newest change was made on this board (the change feed can bring it
        back before the board has handled the change's own result)."""
        entries = self.pipeline.journal(card_id)
        return bool(entries) and entries[-1].id in self.pipeline.session

    def _card_or_none(self, card_id: int) -> Card | None:
        try:
            return self.pipeline.card(card_id)
        except CardNotFound:
            return None

    def _stage_of(self, card_id: int) -> Stage | None:
        card = self._card_or_none(card_id)
        return card.stage if card is not None else None

    def _show_headers(self) -> None:
        for stage in PIPELINE:
            stat = self.stats.get(stage)
            if stat is None:
                continue
            weighted = stat.weighted if stage is Stage.OPPORTUNITY else None
            self._headers[stage].show(stage, stat.cards, stat.amount, weighted, stat.capped)

    def focus_card(self, card_id: int) -> None:
        """Put the cursor on ``card_id`` wherever it is on the board now (once its place is read)."""
        self.reload((), follow=card_id)

    # ---- keys while the database works ------------------------------------------------------

    def _land(self, work: Awaitable[None], *, deciding: bool = False) -> None:
        """Run ``work`` (reads and writes on the board's threads, then what they change on screen)
        off the event loop; keys typed meanwhile are handled in order as it lands (``key_waits_for``).
        ``deciding``: what it reads decides what comes next (a form, a question), so even cursor
        moves wait for it."""
        if not self._landings:
            self._landed = asyncio.Event()
            self._base = self._where(self._cursor_stage())
            self._moved_meanwhile = []
        self._landings += 1
        if deciding and not self._deciding:
            self._decided = asyncio.Event()
        self._deciding += deciding
        self._stats_read += 1  # a change feed read in flight is older than what this will show
        self.run_worker(self._landing(work, deciding), group="landing")

    async def _landing(self, work: Awaitable[None], deciding: bool) -> None:
        try:
            await work
        finally:
            self._deciding -= deciding
            if deciding and not self._deciding:
                self._decided.set()
            self._landings -= 1
            if not self._landings:
                self._moved_meanwhile = []
                self._landed.set()

    @property
    def is_landing(self) -> bool:
        """Whether a read or write the board asked for has not landed yet."""
        return bool(self._landings)

    def landing(self) -> Awaitable[object] | None:
        """What is on its way (a write, a reload), to wait for; None when nothing is."""
        return self._landed.wait() if self._landings else None

    def key_waits_for(self, key: str) -> Awaitable[object] | None:
        """While a write or a read the board asked for is landing: a cursor move (or ``/``) goes at
        once and is made again from where the landing leaves the cursor; a letter into the search
        goes at once; any other key (it may act on the card the write moved) waits until it lands.
        Until the board has opened and said so, every key waits."""
        if not self._announced.is_set():
            return self._announced.wait()
        if not self._landings:
            return None
        if isinstance(self.focused, Input):
            return self._landed.wait() if key in ("enter", "escape") else None
        if key in GO_AT_ONCE:
            # its action remembers the move (``cursor_moved``); while a read decides what comes
            # next (a form may open), it waits for that first
            return self._decided.wait() if self._deciding else None
        return self._landed.wait()

    def _cursor_stage(self) -> Stage:
        focused = self.focused
        if isinstance(focused, CardColumn) and focused.stage in self._columns:
            return focused.stage
        return self._last_stage

    def _where(self, stage: Stage) -> CursorPlace:
        return CursorPlace(stage, {stage: (column.cursor, column.scroll_offset.y)
                                   for stage, column in self._columns.items()})

    def _go_back_to(self, place: CursorPlace) -> None:
        for stage, (cursor, scroll_y) in place.cursors.items():
            column = self._columns[stage]
            column.cursor = cursor
            column.scroll_to(y=scroll_y, animate=False, immediate=True)

    def _replay(self) -> Stage:
        """Make the cursor moves typed meanwhile again, from the base; returns the column they end in."""
        column = self._columns[self._base.stage]
        moves, self._moved_meanwhile = self._moved_meanwhile, []
        for action in moves:
            _, name, parameters = parse(action)
            if name == "search":  # the search opened meanwhile goes back to the card under the cursor now
                card = column.current
                self._before_search = card.id if card is not None else None
            elif name == "focus_column":
                column = self._neighbour(column, *parameters)  # type: ignore[arg-type]
            else:
                getattr(column, f"action_{name}")()
        self._moved_meanwhile = moves
        return column.stage

    def _show_cursor_in(self, stage: Stage) -> None:
        """Focus the column of ``stage``; with the search open, make it the one Enter or Esc returns to."""
        if isinstance(self.focused, Input):
            self._last_stage = stage
        elif self.focused is not self._columns[stage] and self.app.screen is self:
            self._columns[stage].focus()

    # ---- moving around ---------------------------------------------------------------------

    def action_focus_column(self, step: int) -> None:
        """The column to the left or right (none past the first or last), its cursor on the card
        nearest the one left behind on screen."""
        source = self.focused_column
        target = self._neighbour(source, step)
        # remembered even where it went nowhere: from where a write lands the cursor, it may
        self.cursor_moved(source, f"focus_column({step})")
        if target is not source:
            target.focus()

    def _neighbour(self, source: CardColumn, step: int) -> CardColumn:
        """The column ``step`` columns from ``source`` (``source`` past the first or last), its cursor
        put on the card nearest the one left behind on screen."""
        index = PIPELINE.index(source.stage) + step
        if not 0 <= index < len(PIPELINE):
            return source
        target = self._columns[PIPELINE[index]]
        target.cursor = target.nearest(source.cursor_y)
        return target

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that need a card are shown greyed out on an empty column."""
        if action in self.CARD_ACTIONS:
            card = self.current_card() if self.is_mounted else None
            if card is None:
                return None
            if action == "promote" and card.stage.next is None:
                return None
            if action == "demote" and card.stage.previous is None:
                return None
        if action == "clear_filter":
            return not self.card_filter.is_empty or self.is_past  # Esc on the past: back to today
        return True

    def on_descendant_focus(self) -> None:
        # the header of the focused column is marked so it stands out (a class on the header
        # restyles it reliably, where :focus-within on a sibling does not)
        focused = self.focused
        for stage, column in self._columns.items():
            self._headers[stage].set_class(column is focused or (not isinstance(focused, CardColumn)
                                                                 and stage is self._last_stage), "active")
        self.refresh_bindings()

    def on_card_column_selected(self, event: CardColumn.Selected) -> None:
        event.stop()
        self.open_detail(event.card.id)

    # ---- the actions -----------------------------------------------------------------------

    def action_help(self) -> None:
        from leadboard.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_open_card(self) -> None:
        card = self.current_card()
        if card is not None:
            self.open_detail(card.id)

    def open_detail(self, card_id: int) -> None:
        """The card's detail, once its fields, history and activities are read."""
        self._land(self._open_detail(card_id), deciding=True)

    async def _open_detail(self, card_id: int) -> None:
        try:
            card, moves, activities, planned = await self.reader.run(self._detail_of, card_id)
        except LeadboardError as error:
            self.tell(error)
            return
        from leadboard.tui.screens.detail import CardDetail

        labels = {name: field.label for name, field in self.pipeline.rules.fields.items()}
        self.app.push_screen(CardDetail(card, moves, activities, self.is_stale(summary_of(card)), planned, labels))

    def _detail_of(self, card_id: int) -> tuple[Card, list[Any], list[Any], list[PlannedRecord]]:
        return (self.pipeline.card(card_id), self.pipeline.history_items(card_id), self.pipeline.activities(card_id),
                self.pipeline.planned_of(card_id))

    @writes
    def action_new_card(self) -> None:
        from leadboard.tui.screens.confirm import ConfirmModal
        from leadboard.tui.screens.form import CardForm

        async def save(values: FormValues) -> Card:
            try:
                return await self.writer.run(self.pipeline.create, values.fields)
            except DuplicateEmail as duplicate:  # asked, as a promote's warnings are
                lines = [Text(f"⚠ {safe(duplicate)}"),
                         Text("Add a second card for them anyway? (M on a card merges two cards later.)")]
                modal = ConfirmModal("Same email as another card", lines, yes="Add anyway", no="Back")
                if not await self.app.push_screen_wait(modal):
                    raise  # back in the form: said beside the email, nothing saved
            return await self.writer.run(partial(self.pipeline.create, values.fields, allow_duplicate=True))

        def done(card: Card | None) -> None:
            if card is not None:
                self.say(f"Added {safe(card.name)} to Contacts.")
                self.reload((Stage.CONTACT,), follow=card.id)

        declared = self.pipeline.rules.fields
        form = CardForm("New contact", (*NEW_CARD_FIELDS, *declared), {"owner": self.pipeline.user, "kind": "person"},
                        save, required=("name",), declared=declared,
                        intro=[Text("A new card is a contact: give a name (and an email or a phone to reach them).")])
        self.app.push_screen(form, done)

    @writes
    def action_edit_card(self) -> None:
        card = self.current_card()
        if card is not None:
            self._land(self._edit_card(card.id), deciding=True)

    async def _edit_card(self, card_id: int) -> None:
        card = await self._whole_card(card_id)
        if card is None:
            return
        from leadboard.domain.card import FIELD_NAMES
        from leadboard.tui.screens.form import CardForm

        declared = self.pipeline.rules.fields
        form = CardForm(f"Edit {safe(card.name)}", (*FIELD_NAMES, *declared), self._form_values(card),
                        self._edit_saver(card), required=("name",), declared=declared)
        self.app.push_screen(form, lambda saved: self._after_write(saved, card.id))

    def _edit_saver(self, card: Card) -> Callable[[FormValues], Awaitable[Card]]:
        seen = SeenCard(card)

        async def save(values: FormValues) -> Card:
            changes = values.changed(self._form_values(seen.card))
            if not changes:
                return seen.card
            try:
                return await self.writer.run(self.pipeline.edit, card.id, changes, seen.card.version)
            except Conflict as conflict:
                raise await self._conflict_seen(conflict, seen, values) from None

        return save

    def _form_values(self, card: Card) -> dict[str, Any]:
        """What a form shows of ``card``: its fields, and the team's declared fields (its extras)."""
        return card.fields() | {name: card.extra.get(name) for name in self.pipeline.rules.fields}

    async def _conflict_seen(self, conflict: Conflict, seen: SeenCard, values: FormValues) -> ConflictSeen:
        """The colleague's card as it is now, beside what the user typed; the next save writes over it."""
        from leadboard.tui.screens.form import ConflictSeen

        now = await self.reader.run(self.pipeline.card, conflict.card_id)
        before, after = self._form_values(seen.card), self._form_values(now)
        changed = {name: after[name] for name in values.fields if after[name] != before[name]}
        seen.card = now
        return ConflictSeen(conflict, changed)

    @writes
    def action_promote(self) -> None:
        card = self.current_card()
        if card is not None:
            self.promote_card(card.id, card.version)

    def promote_card(self, card_id: int, version: int | None, then: Callable[[], None] | None = None) -> None:
        """Promote through the gate: a blocked gate asks for what is missing, warnings ask first
        (the Today view promotes through here too; ``then`` runs once the move has landed or a
        question is asked)."""
        self._land(self._decide_promote(card_id, version, then), deciding=True)

    async def _decide_promote(self, card_id: int, version: int | None, then: Callable[[], None] | None) -> None:
        try:
            failures, card = await self.reader.run(self._promotion_of, card_id)
        except LeadboardError as error:
            self.tell(error)
            return
        if card is not None:
            self._open_fix_form(card, failures)
        elif failures:
            self._confirm_warnings(failures, lambda: self._land(self._promote(card_id, version=version)))
        else:
            self._land(self._promote(card_id, version=version, then=then))
            return
        if then is not None:
            then()

    def _promotion_of(self, card_id: int) -> tuple[list[RuleFailure], Card | None]:
        """The gate's verdict on promoting the card, and the card itself when the gate blocks it
        (its form opens): read together, one trip to the reader thread and one read of the card."""
        failures, card = self.pipeline.promotion(card_id)
        return failures, card if any(f.blocking for f in failures) else None

    async def _promote(self, card_id: int, changes: dict[str, Any] | None = None,
                       version: int | None = None, then: Callable[[], None] | None = None) -> None:
        try:
            result = await self.writer.run(self.pipeline.promote, card_id, changes, version)
        except GateBlocked as blocked:
            card = await self._whole_card(card_id)
            if card is not None:
                self._open_fix_form(card, blocked.failures)
            return
        except LeadboardError as error:
            self.tell(error)
            await self._reload()
            return
        await self._moved(result)
        if then is not None:
            then()

    def _confirm_warnings(self, failures: list[RuleFailure], go_on: Callable[[], None]) -> None:
        from leadboard.tui.screens.confirm import ConfirmModal

        lines = [Text(f"⚠ {safe(f.rule_id)}: {safe(f.message)}") for f in failures if not f.blocking]
        modal = ConfirmModal("Promote with warnings?", lines, yes="Promote anyway", no="Cancel")
        self.app.push_screen(modal, lambda yes: go_on() if yes else None)

    def _open_fix_form(self, card: Card, failures: list[RuleFailure]) -> None:
        """A blocked promote: each failed rule, and a form with exactly the fields that satisfy them."""
        from leadboard.tui.screens.form import CardForm

        target = card.stage.next
        gate = GATE_INTO.get(target) if target else None
        fields = tuple(dict.fromkeys(name for f in failures for name in f.fields if name != ACTIVITY))
        needs_activity = any(ACTIVITY in f.fields for f in failures if f.blocking)
        intro = [Text(f"{safe(card.name)} cannot become {target.value if target else '?'} yet "
                      f"— the {gate} gate says:", style="bold")]
        intro += [Text(f"{'✗' if f.blocking else '⚠'} {safe(f.rule_id)}: {safe(f.message)}",
                       style="" if f.blocking else "italic") for f in failures]
        required = tuple(name for f in failures if f.blocking for name in f.fields if name != ACTIVITY)
        seen = SeenCard(card)
        form = CardForm(f"Promote {safe(card.name)}", fields, self._form_values(card), self._fix_saver(seen),
                        intro=intro, required=required, activity=needs_activity,
                        save_label="Save and promote", declared=self.pipeline.rules.fields)
        self.app.push_screen(form, lambda result: self._after_fix(result, seen))

    def _fix_saver(self, seen: SeenCard) -> Callable[[FormValues], Awaitable[MoveResult | None]]:
        from leadboard.tui.screens.confirm import ConfirmModal

        card = seen.card

        async def save(values: FormValues) -> MoveResult | None:
            seen.tried = True
            changes = values.changed(self._form_values(seen.card))
            # validates every field
            failures = await self.reader.run(self._check_all, card.id, changes, values)
            if values.activity is not None:
                failures = [f for f in failures if set(f.fields) != {ACTIVITY}]
            blocking = [f for f in failures if f.blocking]
            if blocking:
                target = seen.card.stage.next
                raise GateBlocked(GATE_INTO.get(target, "gate") if target else "gate", blocking)
            if failures:
                lines = [Text(f"⚠ {safe(f.rule_id)}: {safe(f.message)}") for f in failures]
                modal = ConfirmModal("Promote with warnings?", lines, yes="Promote anyway", no="Back")
                if not await self.app.push_screen_wait(modal):
                    return None
            if values.activity is not None:
                kind, summary = values.activity
                await self.writer.run(self.pipeline.log_activity, card.id, kind, summary)
                values.activity = None  # logged: a retry after a conflict must not log it twice
            try:
                return await self.writer.run(self.pipeline.promote, card.id, changes, seen.card.version)
            except Conflict as conflict:
                raise await self._conflict_seen(conflict, seen, values) from None

        return save

    def _check_all(self, card_id: int, changes: dict[str, Any], values: FormValues) -> list[RuleFailure]:
        """The gate's verdict on the form; a value that is not valid is reported together with
        what the gate still misses elsewhere (all of a form's problems at once, not one a save)."""
        try:
            return self.pipeline.check_promotion(card_id, changes)
        except InvalidInput as invalid:
            valid = {name: value for name, value in changes.items() if name not in invalid.errors}
            try:
                others = self.pipeline.check_promotion(card_id, valid)
            except InvalidInput:
                others = []
            errors = dict(invalid.errors)
            for failure in others:
                if failure.blocking and not (values.activity is not None and set(failure.fields) == {ACTIVITY}):
                    for name in failure.fields:
                        errors.setdefault(name, failure.message)
            raise InvalidInput(str(invalid), errors=errors) from None

    def _after_fix(self, result: MoveResult | None, seen: SeenCard) -> None:
        if result is None:
            if seen.tried:
                self.reload()  # an activity may have been logged before a cancel
            return
        self._land(self._moved(result))

    async def _moved(self, result: MoveResult) -> None:
        card, record = result.card, result.record
        source = record.from_stage.value if record.from_stage else "—"
        message = f"{safe(card.name)}: {source} → {record.to_stage.value}."
        for warning in result.warnings:
            message += f"\n⚠ accepted: {safe(warning.message)}"
        self.say(message, title=record.move.value.capitalize())
        await self._reload(self._touched(record), follow=card.id)

    @staticmethod
    def _touched(record: MoveRecord) -> tuple[Stage, ...]:
        """The columns a move changed (the others keep their cached pages)."""
        return tuple(stage for stage in PIPELINE if stage in (record.from_stage, record.to_stage))

    @writes
    def action_demote(self) -> None:
        card = self.current_card()
        if card is None or card.stage.previous is None:
            return
        target = card.stage.previous

        async def save(reason: str) -> MoveResult:
            return await self.writer.run(self.pipeline.demote, card.id, reason, card.version)

        from leadboard.tui.screens.reason import ReasonModal

        modal = ReasonModal(f"Move {safe(card.name)} back to {target.title}?", [], save)
        self.app.push_screen(modal, self._after_move)

    @writes
    def action_lose(self) -> None:
        card = self.current_card()
        if card is None:
            return

        async def save(reason: str) -> MoveResult:
            return await self.writer.run(self.pipeline.lose, card.id, reason, card.version)

        from leadboard.tui.screens.reason import ReasonModal

        modal = ReasonModal(f"Mark {safe(card.name)} lost?", self.pipeline.rules.lost_reasons, save)
        self.app.push_screen(modal, self._after_move)

    def _after_move(self, result: MoveResult | None) -> None:
        if result is not None:
            self._land(self._moved(result))

    @writes
    def action_log_activity(self) -> None:
        card = self.current_card()
        if card is not None:
            self.log_or_plan(card)

    @writes
    def action_today(self) -> None:
        from leadboard.tui.screens.today import TodayScreen

        self.app.push_screen(TodayScreen(self), lambda _: self.reload())

    def log_or_plan(self, card: CardSummary, then: Callable[[], None] | None = None) -> None:
        """The "log / plan / both" form for ``card``; ``then`` runs after a save."""
        from leadboard.tui.screens.activity import ActivityModal

        def log_and_plan(values: StepFormValues) -> tuple[object, object]:
            logged = (values.kind, values.text) if values.text.strip() else None
            then = (self.pipeline.parse_plan(values.next_kind, values.next_due, values.next_summary)
                    if values.plans_next else None)
            return self.pipeline.log_and_plan(card.id, logged, then)

        async def save(values: StepFormValues) -> tuple[object, object]:
            return await self.writer.run(log_and_plan, values)

        def done(result: tuple[object, PlannedRecord | None] | None) -> None:
            if result is None:
                return
            logged, step = result
            said = ["Logged"] if logged is not None else []
            if step is not None:
                said.append(f"{'planned' if said else 'Planned'} a {step.kind.value} for {step.due.text()}")
            self.say(f"{' and '.join(said)} on {safe(card.name)}.")
            self.reload((card.stage,), follow=card.id)
            if then is not None:
                then()

        title = Text(f"{safe(card.name)}: log what happened, plan what is next, or both")
        self.app.push_screen(ActivityModal(title, save), done)

    @writes
    def action_undo(self) -> None:
        """Undo this session's last change, once the user has seen what it is and said yes."""
        self._land(self._ask_undo(), deciding=True)

    def _undo_question(self) -> tuple[ChangeRecord, str]:
        change = self.pipeline.last_change(in_session=True)
        self.pipeline.check_undo(change)  # a colleague's change since: say so, ask nothing
        return change, self.pipeline.name_of_changed_card(change)

    async def _ask_undo(self) -> None:
        try:
            change, name = await self.reader.run(self._undo_question)
        except LeadboardError as error:
            self.tell(error)
            return
        from leadboard.tui.screens.confirm import ConfirmModal

        question = f"Undo {safe(change.describe())} on {safe(name)} (at {local_time(change.at)})?"
        modal = ConfirmModal(question, yes="Undo", no="Keep it")
        self.app.push_screen(modal, lambda yes: self._land(self._undo(change.id)) if yes else None)

    async def _undo(self, change_id: int) -> None:
        try:
            result = await self.writer.run(self.pipeline.undo, change_id)
        except LeadboardError as error:
            self.tell(error)
            await self._reload()
            return
        self.say(f"Undone: {safe(result.undone.describe())} on {safe(result.card.name)}.", title="Undo")
        stages = self._touched(result.record) if result.record else (result.card.stage,)
        await self._reload(stages, follow=result.card.id)

    def action_delete_card(self) -> None:
        """Delete the focused card once the user has said yes (``u`` brings it back)."""
        card = self.current_card()
        if card is None:
            return
        from leadboard.tui.screens.confirm import ConfirmModal

        question = f"Delete {safe(card.name)} (card {card.id})? u brings it back."
        modal = ConfirmModal(question, yes="Delete", no="Keep it")
        self.app.push_screen(modal, lambda yes: self._land(self._delete(card)) if yes else None)

    async def _delete(self, card: CardSummary) -> None:
        try:
            await self.writer.run(self.pipeline.delete, card.id, card.version)
        except LeadboardError as error:
            self.tell(error)
            await self._reload()
            return
        self.say(f"Deleted {safe(card.name)}; u brings it back.", title="Delete")
        await self._reload((card.stage,))

    def action_merge_card(self) -> None:
        card = self.current_card()
        if card is not None:
            self._land(self._merge_card(card.id), deciding=True)

    async def _merge_card(self, card_id: int) -> None:
        keep = await self._whole_card(card_id)
        if keep is None:
            return

        async def save(other_id: int, take: set[str]) -> MergeResult:
            return await self.writer.run(self.pipeline.merge, keep.id, other_id, take)

        def done(result: MergeResult | None) -> None:
            if result is None:
                return
            self.say(f"Merged {safe(result.other.name)} into {safe(result.card.name)}; u splits them again.",
                     title="Merge")
            self.reload((result.card.stage, result.other.stage), follow=result.card.id)

        async def find(text: str) -> list[CardSummary]:
            return await self.reader.run(self.pipeline.matching, text)

        async def read(other_id: int) -> Card:
            return await self.reader.run(self.pipeline.card, other_id)

        from leadboard.tui.screens.merge import MergeModal

        self.app.push_screen(MergeModal(keep, find, read, save), done)

    def action_lost_view(self) -> None:
        async def reopen(card: CardSummary) -> MoveResult:
            return await self.writer.run(self.pipeline.reopen, card.id, card.version)

        def done(reopened: int | None) -> None:
            self.reload(follow=reopened)

        from leadboard.tui.screens.lost import LostScreen

        self.app.push_screen(LostScreen(self, reopen), done)

    def action_reports(self) -> None:
        from leadboard.tui.screens.reports import ReportsScreen  # loaded with the first report

        self.app.push_screen(ReportsScreen(self.pipeline, self.reader))

    @property
    def is_past(self) -> bool:
        """Whether this is the board as of a past day (read-only)."""
        return isinstance(self.pipeline, PastPipeline)

    def action_as_of(self) -> None:
        """Ask for a day and show the board as it stood at its end, over today's; on that board,
        back to today."""
        if self.is_past:
            self.dismiss()  # back to today's board, underneath
            return

        def choose(text: str) -> PastPipeline:
            return board_as_of(self.pipeline, text)

        def show(past: PastPipeline | None) -> None:
            if past is not None:
                self.app.push_screen(BoardScreen(past, poll_interval=None), lambda _: self.reload())

        from leadboard.tui.screens.day import DayModal

        self.app.push_screen(DayModal(choose), show)

    async def _whole_card(self, card_id: int) -> Card | None:
        try:
            return await self.reader.run(self.pipeline.card, card_id)
        except LeadboardError as error:
            self.tell(error)
            return None

    def _after_write(self, saved: Card | None, card_id: int) -> None:
        if saved is not None:
            self.reload(follow=card_id)

    def tell(self, error: Exception) -> None:
        """A user's mistake or a colleague's change, as one sentence (never a traceback)."""
        self.notify(safe(error), severity="warning", timeout=6, markup=False)

    def say(self, message: str, title: str = "") -> None:
        """A short notice; ``message`` is plain text (user text in it is never read as markup)."""
        self.notify(message, title=title, markup=False)

    # ---- search and mine -------------------------------------------------------------------

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        self.cursor_moved(self.focused_column, "search")
        if not search.has_class("active"):
            card = self.current_card()
            self._before_search = card.id if card is not None else None
        search.add_class("active")
        search.focus()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.apply_filter(replace(self.card_filter, search=event.value))

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        """Enter keeps the filter and goes to the first match (once the matches are read)."""
        self._columns[self._last_stage].focus()
        if self.card_filter.search.strip():
            self._when_filtered(self._focus_first_match)

    def _focus_first_match(self) -> None:
        for stage in PIPELINE:
            if self.stats.get(stage) and self.stats[stage].cards:
                column = self._columns[stage]
                column.cursor = 0
                column.focus()
                return
        self.say(f"Nothing matches “{safe(self.card_filter.search.strip())}”; Esc clears the search.")

    def on_descendant_blur(self, event: Any) -> None:
        widget = getattr(event, "widget", None)
        if isinstance(widget, CardColumn):
            self._last_stage = widget.stage

    def on_key(self, event: Any) -> None:
        if event.key == "escape" and isinstance(self.focused, Input) and self.focused.id == "search":
            event.stop()
            self.action_clear_filter()

    def action_clear_filter(self) -> None:
        search = self.query_one("#search", Input)
        if self.is_past and not search.has_class("active"):
            self.dismiss()  # back to today's board, underneath
            return
        search.remove_class("active")
        if search.value:
            search.value = ""  # the Changed event narrows the filter back
        self._columns[self._last_stage].focus()
        if self.card_filter.search:
            self.apply_filter(replace(self.card_filter, search=""))
        before, self._before_search = self._before_search, None
        if before is not None:
            # back to the card focused before the search, once the whole board shows again
            self._when_filtered(lambda: self.focus_card(before))

    @writes
    def action_cycle_order(self) -> None:
        self._land(self._cycle_order(self.card_filter.order.following))

    async def _cycle_order(self, order: ColumnOrder) -> None:
        try:
            await self.writer.run(self.pipeline.remember_column_order, order)
        except LeadboardError as error:
            self.tell(error)
            return
        self.apply_filter(replace(self.card_filter, order=order))
        self.say(f"Columns in {order.label}.")

    def action_toggle_mine(self) -> None:
        owner = None if self.card_filter.owner else self.pipeline.user
        self.apply_filter(replace(self.card_filter, owner=owner))

    def apply_filter(self, card_filter: CardFilter) -> None:
        self.card_filter = card_filter
        self._filter_pending = True
        self._show_filter_bar()
        kept = {stage: card.id for stage, column in self._columns.items() if (card := column.current)}
        focused = self.focused.current if isinstance(self.focused, CardColumn) else None
        self._read_filtered(card_filter, kept, focused.id if focused is not None else None)

    @work(exclusive=True, group="filter")
    async def _read_filtered(self, card_filter: CardFilter, kept: dict[Stage, int], focused: int | None) -> None:
        """Counts and first pages under the new filter, read off the event loop (search over a
        million cards must not freeze typing)."""
        self._show_filtered(await self.reader.run(self._snapshot, card_filter, kept, focused))

    def _snapshot(self, card_filter: CardFilter, kept: dict[Stage, int], focused: int | None) -> Snapshot:
        """``focused``: the card under the focused cursor, read as it is now in case the filter hides it."""
        left = {}
        if focused is not None:
            now = self._card_or_none(focused)
            left[focused] = (now, now is not None and self._changed_here(focused))
        # the cursor's own page too, so the card it stays on is drawn (and known) at once
        stats, pages, positions = self.pipeline.overview(card_filter, PAGE_SIZE, kept)
        return Snapshot(card_filter, stats, pages, positions, left)

    def _show_filtered(self, snapshot: Snapshot) -> None:
        """The columns under the new filter, each cursor still on its card where it still shows, else
        on the card that took its place."""
        if snapshot.card_filter != self.card_filter:
            return  # the user typed on; a newer read is coming
        self._filter_pending = False
        self._stats_read += 1
        self.stats = snapshot.stats
        self._show_headers()
        for stage in PIPELINE:
            column = self._columns[stage]
            kept = column.current
            cursor = snapshot.positions.get(stage, 0)
            scroll_y = column.scroll_offset.y + (cursor - column.cursor) * CARD_HEIGHT
            column.load(self.stats[stage].cards, cursor=cursor, scroll_y=max(scroll_y, 0),
                        pages=snapshot.pages[stage])
            column.set_empty_text(self._empty_text(stage))
            if kept is not None and kept.id in snapshot.left and self.focused is column:
                self._tell_if_gone(column, kept, *snapshot.left[kept.id])
        then, self._after_filter = self._after_filter, None
        if then is not None:
            then()
        self.refresh_bindings()

    def _when_filtered(self, then: Callable[[], None]) -> None:
        """Run ``then`` once the columns show the current filter (now, if they already do)."""
        if self._filter_pending:
            self._after_filter = then
        else:
            then()

    def _show_filter_bar(self) -> None:
        bar = self.query_one("#filter-bar", Static)
        parts = []
        if isinstance(self.pipeline, PastPipeline):
            parts.append(Text(f"as of {self.pipeline.day} — read-only ({self.pipeline.values_note}; "
                              f"D or Esc: today)", style="bold"))
        if self.card_filter.owner:
            parts.append(Text(f"only {safe(self.card_filter.owner)}'s cards (m: everyone's)"))
        if self.card_filter.search.strip():
            parts.append(Text(f"search “{safe(self.card_filter.search.strip())}” (Esc clears)"))
        if self.card_filter.order is not ColumnOrder.RANK:
            parts.append(Text(f"by {self.card_filter.order.label} (s: next order)"))
        bar.set_class(bool(parts), "active")
        bar.update(Text("Showing: ") + Text(" · ").join(parts) if parts else Text(""))

    # ---- live: changes made by others ------------------------------------------------------

    def look_for_changes(self) -> None:
        if self._landings:
            return  # the board's own write is landing: the next look reads the changes after it
        self._read_changes(self.last_change, self.card_filter)

    @work(exclusive=True, group="changes")
    async def _read_changes(self, since: int, card_filter: CardFilter) -> None:
        read = self._stats_read
        changes = await self.reader.run(self._changes, since, card_filter)
        # the board read the counts again meanwhile (its own move, say): what was read here is older
        # than what it shows, so it is dropped, and the next look reads from ``since`` again
        if changes is not None and read == self._stats_read:
            self.show_changes(changes, card_filter)

    def _changes(self, since: int, card_filter: CardFilter) -> Changes | None:
        newest, card_ids = self.pipeline.changes_since(since)
        if newest == since and not card_ids:
            return None
        stats = self.pipeline.stats(card_filter)
        cards: dict[int, CardSummary | None] = {}
        for card_id in card_ids or ():
            try:
                card = self.pipeline.card(card_id)
            except CardNotFound:
                cards[card_id] = None
                continue
            cards[card_id] = summary_of(card) if self._matches(card, card_filter) else None
        return Changes(newest, card_ids, stats, cards)

    @staticmethod
    def _matches(card: Card, card_filter: CardFilter) -> bool:
        if card_filter.owner is not None and card.owner != card_filter.owner:
            return False
        # a search match is not decidable here: the column holding the card reloads instead
        return not card_filter.search.strip()

    def show_changes(self, changes: Changes, card_filter: CardFilter) -> None:
        """Redraw what changed elsewhere: headers, and only the columns or cards touched."""
        if card_filter != self.card_filter or changes.newest <= self.last_change:
            return
        self.last_change = changes.newest
        old = self.stats
        self.stats = changes.stats
        self._show_headers()
        reread: list[Stage] = []
        for stage in PIPELINE:
            column = self._columns[stage]
            count_before = old[stage].cards if stage in old else None
            if changes.card_ids is None or self.stats[stage].cards != count_before:
                reread.append(stage)
                continue
            for card_id, card in changes.cards.items():
                held = column.holds((card_id,))
                reordered = self.card_filter.order is not ColumnOrder.RANK and card is not None and card.stage is stage
                if reordered or (card is None and held) or (card is not None and (card.stage is stage) != held):
                    reread.append(stage)
                    break
                if card is not None and held:
                    column.patch(card)
        if reread:
            self.reload(tuple(reread), tell=True)
        from leadboard.tui.screens.detail import CardDetail
        from leadboard.tui.screens.lost import LostScreen

        if isinstance(self.app.screen, LostScreen):
            self.app.screen.refresh_lost()
        detail = self.app.screen
        if isinstance(detail, CardDetail) and (changes.card_ids is None or detail.card.id in changes.card_ids):
            self._refresh_detail(detail)
        self.refresh_bindings()

    @work(group="detail")
    async def _refresh_detail(self, detail: CardDetail) -> None:
        """An open card that a colleague changed shows its new fields, history, plans and activities."""
        try:
            card, moves, activities, planned = await self.reader.run(self._detail_of, detail.card.id)
        except CardNotFound:
            self.say(f"{safe(detail.card.name)} was deleted.")
            return
        detail.show(card, moves, activities, self.is_stale(summary_of(card)), planned)
