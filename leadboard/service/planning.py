"""The salesperson's day: plan a next step, reschedule it, complete it (it becomes an entry of the
activity log) or cancel it, and the Today view.

Planning is not contact with the customer: it neither counts for the ``activities`` gate check nor
refreshes the stale clock. Completing a call, meeting or email does both, from the moment it is
completed; completing a task refreshes the card but, like a note, is not an interaction. Every
change records who made it and when, and points the card at its next step (its earliest-due open
planned activity) in the same transaction, so boards read the next step with the card. Each
change is journaled too (``ChangeKind.ACTIVITY``, ``planned.<field>`` fields), so a card's history
says who planned, rescheduled, completed or cancelled what, and when, and undo can take each back
(``_undo_step``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from leadboard.domain.card import ActivityKind, Card, CardSummary
from leadboard.domain.errors import ActivityNotFound, InvalidInput, StepNotOpen, UndoRefused
from leadboard.domain.filter import ColumnOrder
from leadboard.domain.history import (
    ACTIVITY_PREFIX,
    PLANNED_PREFIX,
    ActivityRecord,
    ChangeKind,
    ChangeRecord,
    FieldChange,
)
from leadboard.domain.planned import (
    EXPECTS_NEXT_STEP,
    Due,
    PlannedKind,
    PlannedRecord,
    PlanState,
    StepState,
    end_of_local_day,
    local_today,
    next_step_state,
    parse_due,
    parse_kind,
    parse_when,
)
from leadboard.domain.stages import PIPELINE, Stage
from leadboard.domain.text import LIMITS, multi_line, one_line, within
from leadboard.store import journal, planned, preferences
from leadboard.store.db import in_transaction

if TYPE_CHECKING:  # the rules are read only when a command needs them
    from leadboard.domain.rules import Rules

T = TypeVar("T")

#: the preference that holds a user's column order
COLUMN_ORDER = "column_order"


# Records are NamedTuples, not frozen dataclasses, for start-up's sake (see ``pipeline.py``).
class NextPlan(NamedTuple):
    """A step to plan, as typed: checked before anything is written."""

    kind: PlannedKind
    due: Due
    summary: str
    owner: str | None = None


class Completed(NamedTuple):
    step: PlannedRecord
    #: the entry of the activity log it became
    activity: ActivityRecord
    #: the step planned next in the same form, if any
    next: PlannedRecord | None = None


class DueStep(NamedTuple):
    step: PlannedRecord
    card: CardSummary


class TodayView(NamedTuple):
    """One salesperson's day (or everyone's): due steps, then cards with no next step, then stale."""

    due: list[DueStep]
    without_next_step: list[CardSummary]
    stale: list[CardSummary]
    now: datetime


class Planning:
    """The planning use-cases, mixed into ``Pipeline`` (which provides these attributes)."""

    user: str
    _clock: Callable[[], datetime]
    _today: Callable[[], date]

    @property
    def rules(self) -> Rules:  # Pipeline reads them when first needed
        raise NotImplementedError

    def card(self, card_id: int) -> Card:  # pragma: no cover - provided by Pipeline
        raise NotImplementedError

    def _journaled(self, done: tuple[T, int | list[int]]) -> T:  # pragma: no cover - by Pipeline
        raise NotImplementedError

    # ---- reading -------------------------------------------------------------------------------

    def _end_of_today(self) -> datetime:
        """Where "due today" ends for the viewer (naive UTC): what orders a column by urgency."""
        return end_of_local_day(local_today(self._clock()))

    def planned(self, planned_id: int) -> PlannedRecord:
        record = planned.get(planned_id)
        if record is None:
            card_id = planned.card_of(planned_id)
            if card_id is not None:
                self.card(card_id)  # a removed card's step: says the card was deleted
            raise ActivityNotFound(planned_id)
        return record

    def planned_of(self, card_id: int) -> list[PlannedRecord]:
        """Every planned activity of the card (open, done, cancelled), newest first."""
        self.card(card_id)
        return planned.of_card(card_id)

    def next_step(self, card_id: int) -> PlannedRecord | None:
        return planned.next_steps([card_id]).get(card_id)

    def next_steps(self, card_ids: Sequence[int]) -> dict[int, PlannedRecord]:
        return planned.next_steps(card_ids)

    def open_steps(self, card_ids: Sequence[int]) -> dict[int, list[PlannedRecord]]:
        """Each card's open planned activities, earliest due first."""
        return planned.open_of_cards(card_ids)

    def step_state(self, stage: Stage, step: PlannedRecord | None) -> StepState | None:
        """How urgent a card's next step is; None for lost cards and accounts with none planned."""
        return next_step_state(stage, step, self._clock())

    def summary_state(self, summary: CardSummary) -> StepState | None:
        """``step_state`` from what a column holds of a card (its next step's due key)."""
        if summary.next_due is None:
            return StepState.NONE if summary.stage in EXPECTS_NEXT_STEP else None
        now = self._clock()
        if summary.next_due < now:
            return StepState.OVERDUE
        return StepState.TODAY if summary.next_due < end_of_local_day(local_today(now)) else StepState.LATER

    def needs_next_step(self, summary: CardSummary) -> bool:
        """The rules want a next step on this card and it has none: a warning to show."""
        return summary.next_due is None and self.rules.requires_next_step(summary.stage)

    def parse_plan(self, kind: str | PlannedKind, due: str | Due, summary: str,
                   owner: str | None = None) -> NextPlan:
        """A step to plan from typed values, or ``InvalidInput`` naming the bad one."""
        text = within(multi_line(summary or ""), LIMITS.summary, "summary")
        if not text:
            raise InvalidInput("summary: say in a few words what is planned.", field="summary")
        who = within(one_line(owner), LIMITS.user, "owner") if owner else None
        return NextPlan(kind if isinstance(kind, PlannedKind) else parse_kind(kind),
                        due if isinstance(due, Due) else self.parse_due(due), text, who or None)

    def parse_due(self, text: str) -> Due:
        """A due date as typed: ``YYYY-MM-DD[THH:MM]``, or ``today``, ``tomorrow``, ``+1d``, ``+2w``."""
        return parse_when(text, local_today(self._clock()))

    # ---- changing ------------------------------------------------------------------------------

    def plan(self, card_id: int, kind: str | PlannedKind, due: str | Due, summary: str,
             owner: str | None = None) -> PlannedRecord:
        """Plan a step on the card, for its owner unless ``owner`` is given. A due date in the past
        is allowed (catching up): the card is overdue at once."""
        step = self.parse_plan(kind, due, summary, owner)

        def work() -> tuple[int, int]:
            return self._plan(card_id, step, self._clock())

        return self.planned(self._journaled(in_transaction(work)))

    def reschedule(self, planned_id: int, due: str | Due) -> PlannedRecord:
        when = due if isinstance(due, Due) else self.parse_due(due)

        def work() -> tuple[None, int]:
            step = self._open(planned_id)
            now = self._clock()
            planned.lock_card(step.card_id)
            step = self._open(planned_id)  # read again under the lock: the old due date journaled
            if not planned.reschedule(planned_id, when, self.user, now):
                raise self._not_open(planned_id)
            planned.refresh_next_step(step.card_id, now)
            return None, self._journal_step(step, now, [FieldChange(PLANNED_PREFIX + "due", step.due.iso(),
                                                                    when.iso())])

        self._journaled(in_transaction(work))
        return self.planned(planned_id)

    def postpone(self, planned_id: int, days: int) -> PlannedRecord:
        """Reschedule by whole days (``+1d``, ``+1w``), keeping an instant's local time of day. An
        overdue step moves that far from today, not from the day it was missed."""
        due = self.planned(planned_id).due
        missed = (local_today(self._clock()) - due.local_day()).days
        return self.reschedule(planned_id, due.moved(days + max(missed, 0)))

    def complete(self, planned_id: int, outcome: str | None = None, then: NextPlan | None = None) -> Completed:
        """Mark the step done with what came of it; it joins the activity log (a call, meeting or
        email counts as an interaction and refreshes the stale clock). ``then`` plans the next step
        in the same transaction: "done & plan next"."""
        result = within(multi_line(outcome or ""), LIMITS.summary, "outcome") or None

        def work() -> tuple[tuple[int, ActivityRecord, int | None], list[int]]:
            step = self._open(planned_id)
            now = self._clock()
            planned.lock_card(step.card_id)
            before = self.card(step.card_id)
            summary = step.summary if not result else f"{step.summary} — {result}"
            activity = journal.add_activity(step.card_id, ActivityKind(step.kind.value),
                                            summary[:LIMITS.summary], self.user, now)
            if not planned.close(planned_id, PlanState.DONE, self.user, now, result, activity.id):
                raise self._not_open(planned_id)
            entries = [self._journal_step(step, now, [
                FieldChange(PLANNED_PREFIX + "state", PlanState.PLANNED.value, PlanState.DONE.value),
                FieldChange(PLANNED_PREFIX + "outcome", None, result),
                FieldChange(ACTIVITY_PREFIX + "kind", None, activity.kind.value),
                FieldChange(ACTIVITY_PREFIX + "summary", None, activity.summary),
            ], before=before, activity_id=activity.id, columns=journal.ACTIVITY_COLUMNS)]
            next_id = None
            if then:
                next_id, entry_id = self._plan(step.card_id, then, now, refresh=False)
                entries.append(entry_id)
            planned.refresh_next_step(step.card_id, now)
            return (planned_id, activity, next_id), entries

        done_id, activity, next_id = self._journaled(in_transaction(work))
        return Completed(self.planned(done_id), activity, self.planned(next_id) if next_id else None)

    def cancel(self, planned_id: int) -> PlannedRecord:

        def work() -> tuple[None, int]:
            step = self._open(planned_id)
            now = self._clock()
            planned.lock_card(step.card_id)
            if not planned.close(planned_id, PlanState.CANCELLED, self.user, now):
                raise self._not_open(planned_id)
            planned.refresh_next_step(step.card_id, now)
            return None, self._journal_step(step, now, [
                FieldChange(PLANNED_PREFIX + "state", PlanState.PLANNED.value, PlanState.CANCELLED.value)])

        self._journaled(in_transaction(work))
        return self.planned(planned_id)

    def _plan(self, card_id: int, step: NextPlan, now: datetime, refresh: bool = True) -> tuple[int, int]:
        """Plan ``step`` on the card (inside a transaction): the new step's id and its journal entry."""
        card = self.card(card_id)
        planned.lock_card(card_id)
        owner = step.owner or card.owner or self.user
        planned_id = planned.insert(card_id, step.kind, step.summary, step.due, owner, self.user, now)
        if refresh:
            planned.refresh_next_step(card_id, now)
        entry_id = journal.record_change(ChangeKind.ACTIVITY, card, card, self.user, now, (), extra=[
            FieldChange(PLANNED_PREFIX + "id", None, str(planned_id)),
            FieldChange(PLANNED_PREFIX + "kind", None, step.kind.value),
            FieldChange(PLANNED_PREFIX + "summary", None, step.summary),
            FieldChange(PLANNED_PREFIX + "due", None, step.due.iso()),
            FieldChange(PLANNED_PREFIX + "state", None, PlanState.PLANNED.value),
            *([FieldChange(PLANNED_PREFIX + "owner", None, owner)] if owner != card.owner else []),
        ])
        return planned_id, entry_id

    def _journal_step(self, step: PlannedRecord, now: datetime, changes: list[FieldChange], *,
                      before: Card | None = None, activity_id: int | None = None,
                      columns: tuple[str, ...] = ()) -> int:
        """Journal a change of the planned ``step`` (inside its transaction): which step, and
        ``changes``; ``columns`` are the card's own columns the change wrote (read before and after)."""
        card = before or self.card(step.card_id)
        after = self.card(step.card_id) if columns else card
        return journal.record_change(ChangeKind.ACTIVITY, card, after, self.user, now, columns,
                                     activity_id=activity_id, extra=[
                                         FieldChange(PLANNED_PREFIX + "id", str(step.id), str(step.id)),
                                         FieldChange(PLANNED_PREFIX + "kind", step.kind.value, step.kind.value),
                                         *changes,
                                     ])

    def _undo_step(self, change: ChangeRecord, now: datetime) -> None:
        """Take back what ``change`` did to its planned activity (inside the undo's transaction): a
        step it planned is removed, one it completed or cancelled is planned again (the log entry a
        completion made goes with the undo's other activity changes), one it rescheduled is due
        when it was; then the card points at its next step again. Refused when the step is no
        longer as the change left it."""
        step_id = change.planned_id
        assert step_id is not None
        state = change.change(PLANNED_PREFIX + "state")
        due = change.change(PLANNED_PREFIX + "due")
        if state is not None and state.old is None:
            undone = planned.remove(step_id)
        elif state is not None and state.new is not None:
            undone = planned.reopen(step_id, PlanState(state.new))
        elif due is not None and due.old is not None:
            undone = planned.reschedule(step_id, parse_due(due.old), self.user, now)
        else:
            undone = False
        if not undone:
            step = planned.get(step_id)
            now_is = f"is {step.state.value}" if step else "is gone"
            raise UndoRefused(f"Planned activity {step_id} {now_is} since your change {change.id} "
                              f"({change.describe()}); it can no longer be undone.")
        planned.refresh_next_step(change.card_id, now)

    def _hand_over_steps(self, card: Card, new_owner: str | None) -> None:
        """On reassigning: the old owner's open steps go to the new owner (call in the write)."""
        if new_owner and new_owner != card.owner:
            planned.hand_over(card.id, card.owner or "", new_owner)

    def _open(self, planned_id: int) -> PlannedRecord:
        step = self.planned(planned_id)
        if step.state is not PlanState.PLANNED:
            raise self._not_open(planned_id, step)
        return step

    def _not_open(self, planned_id: int, step: PlannedRecord | None = None) -> StepNotOpen:
        step = step or self.planned(planned_id)
        when = f" at {step.closed_at:%Y-%m-%d %H:%M} UTC" if step.closed_at else ""
        return StepNotOpen(f"Planned activity {planned_id} is {step.state.value} already "
                           f"(by {step.closed_by}{when}); it can no longer change.")

    # ---- the board's order, remembered per user --------------------------------------------------

    def column_order(self) -> ColumnOrder:
        """The order this user last chose for the board's columns (board order until they choose)."""
        saved = preferences.get(self.user, COLUMN_ORDER)
        try:
            return ColumnOrder(saved) if saved else ColumnOrder.RANK
        except ValueError:  # written by a newer leadboard: fall back, never fail to open
            return ColumnOrder.RANK

    def remember_column_order(self, order: ColumnOrder) -> None:
        in_transaction(lambda: preferences.put(self.user, COLUMN_ORDER, order.value))

    # ---- the day -------------------------------------------------------------------------------

    def today_view(self, owner: str | None, limit: int = 200) -> TodayView:
        """``owner``'s day (None: everyone's): overdue and today's steps in due order, then open
        cards whose stage wants a next step and has none, then stale cards."""
        now = self._clock()
        end_of_today = end_of_local_day(local_today(now))
        steps = planned.due_steps(owner, end_of_today, limit)
        cards = {summary.id: summary for summary in planned.summaries({step.card_id for step in steps})}
        due = [DueStep(step, cards[step.card_id]) for step in steps if step.card_id in cards]
        wanting = [stage for stage in PIPELINE if self.rules.requires_next_step(stage)]
        without = planned.without_next_step(owner, wanting, limit)
        cutoffs = {stage: now - timedelta(days=days) for stage in PIPELINE
                   if (days := self.rules.stale_after_days(stage)) is not None}
        stale = planned.stale(owner, cutoffs, limit)
        return TodayView(due, without, stale, now)
