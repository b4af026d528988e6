"""The Today screen: the day starts from what is due.

My overdue and today's planned activities in due order, then my open cards with no next step
(where the rules want one), then my stale cards; ``m`` shows everyone's. From here, without going
back to the board: complete a step ("done & plan next" in one form), reschedule it (+1 day,
+1 week, a date), log or plan on a card, open it, promote it. The board behind is reloaded after
each change, so its marks and order show it at once. The day is read on the board's reader thread;
keys typed meanwhile wait for it (they act on the day as it now is).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.events import ScreenResume
from textual.screen import Screen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from leadboard.domain.card import CardSummary
from leadboard.domain.errors import LeadboardError
from leadboard.domain.planned import PlannedRecord, StepState, local, local_today
from leadboard.service.planning import Completed, TodayView
from leadboard.service.setup import database_name
from leadboard.tui.actions import BoardAction, Where, actions_of, bindings
from leadboard.tui.column import STALE_MARK, STEP_MARKS
from leadboard.tui.keybar import KeyBar
from leadboard.tui.screens.activity import DUE_HINT, ActivityModal, StepFormValues
from leadboard.tui.screens.parts import KeepsLayout, dialog_box, dialog_button
from leadboard.tui.screens.saving import SavingModal
from leadboard.tui.text import safe

if TYPE_CHECKING:
    from leadboard.tui.board import BoardScreen


#: lines per section: a day's worth to work through (the list draws every line it holds, so a
#: million-card "everyone" must not hand it thousands; `leadboard today --json` lists more)
SECTION_LIMIT = 60


@dataclass(frozen=True)
class Line:
    """What one line of the list stands for: a planned step (with its card), or a card."""

    card: CardSummary
    step: PlannedRecord | None = None


class TodayScreen(KeepsLayout, Screen[None]):
    ACTIONS: ClassVar[tuple[BoardAction, ...]] = actions_of(Where.TODAY)
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(ACTIONS))
    STEP_ACTIONS: ClassVar[frozenset[str]] = frozenset({"complete", "reschedule"})
    CARD_ACTIONS: ClassVar[frozenset[str]] = frozenset({"log_or_plan", "promote", "open_card"})

    def __init__(self, board: BoardScreen, everyone: bool = False) -> None:
        super().__init__()
        self.board = board
        self.pipeline = board.pipeline
        self.everyone = everyone
        self.lines: dict[str, Line] = {}
        self.view: TodayView | None = None
        #: set when the day asked for last has been read and shown
        self._day_shown = asyncio.Event()

    def compose(self) -> ComposeResult:
        yield Static(id="today-title")
        yield OptionList(id="today-list")
        yield KeyBar(f"{self.pipeline.user} · {database_name()}")  # whole labels, as on the board

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.refresh_day()

    def on_screen_resume(self, event: ScreenResume) -> None:
        if self.view is not None:  # back from a form or a card: the day may have changed
            self.refresh_day()

    # ---- reading -------------------------------------------------------------------------------

    @property
    def owner(self) -> str | None:
        return None if self.everyone else self.pipeline.user

    def refresh_day(self) -> None:
        """Read the day again, off the event loop; a key typed right after ``t`` or after a save
        waits for it (``key_waits_for``), so it acts on the day as it now is."""
        self._day_shown = asyncio.Event()
        self._read_day(self._day_shown)

    @work(exclusive=True, group="today")
    async def _read_day(self, shown: asyncio.Event) -> None:
        try:
            view = await self.board.reader.run(self.pipeline.today_view, self.owner, SECTION_LIMIT)
            if shown is self._day_shown:  # the day asked for last (a newer read replaces an older one)
                self.show(view)
        except LeadboardError as error:
            self.board.tell(error)
        finally:
            shown.set()  # also when a newer read cancelled this one: a key waiting for it asks again

    def show(self, view: TodayView) -> None:
        self.view = view
        whose = "everyone's" if self.everyone else f"{safe(self.pipeline.user)}'s"
        overdue = [d for d in view.due if d.step.due.state(view.now) is StepState.OVERDUE]
        today = [d for d in view.due if d.step.due.state(view.now) is not StepState.OVERDUE]
        self.query_one("#today-title", Static).update(Text(
            f"Today — {whose} day: {len(overdue)} overdue, {len(today)} due today, "
            f"{len(view.without_next_step)} with no next step, {len(view.stale)} stale"))
        options: list[Option | None] = []
        lines: dict[str, Line] = {}

        def section(title: str, count: int) -> None:
            if options:
                options.append(None)
            options.append(Option(Text(f"{title} ({count})", style="bold"), disabled=True))

        for title, due in (("Overdue", overdue), ("Due today", today)):
            section(title, len(due))
            for item in due:
                key = f"step-{item.step.id}"
                lines[key] = Line(item.card, item.step)
                options.append(Option(one_line(self._step_text(item.step, item.card, view)), id=key))
        section("No next step", len(view.without_next_step))
        for card in view.without_next_step:
            key = f"none-{card.id}"
            lines[key] = Line(card)
            options.append(Option(one_line(Text(f"{STEP_MARKS[StepState.NONE]} ") + self._card_text(card)), id=key))
        section("Stale", len(view.stale))
        for card in view.stale:
            key = f"stale-{card.id}"
            lines[key] = Line(card)
            text = Text(f"{STALE_MARK} ") + self._card_text(card)
            text.append(f"  last active {card.active_at:%Y-%m-%d}", style="dim")
            options.append(Option(one_line(text), id=key))
        listing = self.query_one(OptionList)
        kept = listing.highlighted_option.id if listing.highlighted_option else None
        listing.clear_options()
        listing.add_options(options)
        self.lines = lines
        if kept in lines:
            listing.highlighted = listing.get_option_index(kept)
        elif lines:
            listing.highlighted = listing.get_option_index(next(iter(lines)))
        self.refresh_bindings()

    def _step_text(self, step: PlannedRecord, card: CardSummary, view: TodayView) -> Text:
        state = step.due.state(view.now)
        text = Text(f"{STEP_MARKS[state]} {due_label(step, view):<12} {step.kind.value:<7} ",
                    style="bold" if state is StepState.OVERDUE else "")
        text.append(safe(step.summary)[:48])
        text.append("  — ")
        text.append_text(self._card_text(card))
        if self.everyone:
            text.append(f"  ({safe(step.owner)})", style="dim")
        return text

    @staticmethod
    def _card_text(card: CardSummary) -> Text:
        text = Text(safe(card.name), style="bold")
        if card.company:
            text.append(f", {safe(card.company)}")
        text.append(f" · {card.stage.value}", style="dim")
        return text

    @property
    def current(self) -> Line | None:
        listing = self.query_one(OptionList)
        option = listing.highlighted_option
        return self.lines.get(option.id) if option is not None and option.id else None

    def key_waits_for(self, key: str) -> Awaitable[object] | None:
        """A key waits while the day is being read, and while the board's read or write is landing
        (a promote, a card opened from here)."""
        if not self._day_shown.is_set():
            return self._day_shown.wait()
        return self.board.landing()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.STEP_ACTIONS | self.CARD_ACTIONS:
            line = self.current if self.is_mounted else None
            if line is None or (action in self.STEP_ACTIONS and line.step is None):
                return None
            if action == "promote" and line.card.stage.next is None:
                return None
        return True

    @on(OptionList.OptionHighlighted)
    def _moved(self) -> None:
        self.refresh_bindings()

    @on(OptionList.OptionSelected)
    def _selected(self) -> None:
        self.action_open_card()

    # ---- the actions ---------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_toggle_mine(self) -> None:
        self.everyone = not self.everyone
        self.refresh_day()

    def action_open_card(self) -> None:
        line = self.current
        if line is not None:
            self.board.open_detail(line.card.id)

    def action_promote(self) -> None:
        line = self.current
        if line is not None:
            self.board.promote_card(line.card.id, line.card.version, then=self._changed)

    def action_log_or_plan(self) -> None:
        line = self.current
        if line is not None:
            self.board.log_or_plan(line.card, then=self._changed)

    def action_complete(self) -> None:
        line = self.current
        if line is None or line.step is None:
            return
        step = line.step

        def complete(values: StepFormValues) -> Completed:
            then = (self.pipeline.parse_plan(values.next_kind, values.next_due, values.next_summary)
                    if values.plans_next else None)
            return self.pipeline.complete(step.id, values.text, then)

        async def save(values: StepFormValues) -> Completed:
            return await self.board.writer.run(complete, values)

        def done(result: Completed | None) -> None:
            if result is None:
                return
            message = f"Done: {result.step.kind.value} with {safe(line.card.name)}."
            if result.next is not None:
                message += f" Next: {result.next.kind.value} on {result.next.due.text()}."
            self.board.say(message)
            self._changed()

        title = Text(f"Done: {step.kind.value} — {safe(step.summary)} ({safe(line.card.name)})")
        self.app.push_screen(ActivityModal(title, save, completing=True), done)

    def action_reschedule(self) -> None:
        line = self.current
        if line is None or line.step is None:
            return
        step = line.step

        def moved(result: PlannedRecord | None) -> None:
            if result is not None:
                self.board.say(f"{result.kind.value.capitalize()} with {safe(line.card.name)} "
                               f"now due {result.due.text()}.")
                self._changed()

        async def postpone(step_id: int, days: int) -> PlannedRecord:
            return await self.board.writer.run(self.pipeline.postpone, step_id, days)

        async def reschedule(step_id: int, due: str) -> PlannedRecord:
            return await self.board.writer.run(self.pipeline.reschedule, step_id, due)

        self.app.push_screen(RescheduleModal(step, postpone, reschedule), moved)

    def _changed(self) -> None:
        """Something changed from here: read the day again, and the board behind it."""
        self.board.reload()
        self.refresh_day()


def due_label(step: PlannedRecord, view: TodayView) -> str:
    """``Nov 26``, ``Nov 26 15:00``; today just ``today`` or ``15:30``."""
    day = step.due.local_day()
    clock = local(step.due.at).strftime("%H:%M") if step.due.at is not None else ""
    if day == local_today(view.now):
        return clock or "today"
    return f"{day:%b} {day.day:>2}" + (f" {clock}" if clock else "")


def one_line(text: Text) -> Text:
    """A list line never wraps: what does not fit ends in an ellipsis."""
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


class RescheduleModal(SavingModal):
    """+1 day, +1 week, or a date typed in; dismissed with the rescheduled step, or None."""

    def __init__(self, step: PlannedRecord, postpone: Callable[[int, int], Any],
                 reschedule: Callable[[int, str], Any]) -> None:
        super().__init__()
        self.step = step
        self.postpone = postpone
        self.reschedule = reschedule

    def compose(self) -> ComposeResult:
        with dialog_box(f"Reschedule: {self.step.kind.value} — {safe(self.step.summary)} (due {self.step.due.text()})",
                        "d +1 day · w +1 week · Enter the date · Esc cancel"):
            with Horizontal(classes="buttons"):
                yield self.opens_focused(dialog_button("+1 day", "day"))
                yield dialog_button("+1 week", "week")
            yield Input(placeholder=f"or a date: {DUE_HINT}", id="due", select_on_focus=False)
            yield Static(id="problem", classes="problem")

    def on_key(self, event: Any) -> None:
        if isinstance(self.focused, Input):
            return
        if event.key in ("d", "w"):
            event.stop()
            self._by(1 if event.key == "d" else 7)
        elif event.is_printable and event.character.strip():
            # a date typed straight away (2026-12-19, +3d, tomorrow) starts the date field: on a
            # button it was lost, and the Enter after it pressed "+1 day"
            event.stop()
            due = self.query_one("#due", Input)
            due.focus()
            due.insert_text_at_cursor(event.character)

    @on(Button.Pressed, "#day")
    def _day(self) -> None:
        self._by(1)

    @on(Button.Pressed, "#week")
    def _week(self) -> None:
        self._by(7)

    def _by(self, days: int) -> None:
        self.attempt(lambda: self.postpone(self.step.id, days))

    @on(Input.Submitted, "#due")
    def _to_date(self, event: Input.Submitted) -> None:
        self.attempt(lambda: self.reschedule(self.step.id, event.value))

