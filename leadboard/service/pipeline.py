"""The pipeline's use-cases: create, edit, promote, demote, lose, reopen, log activity, undo.

One transition function (``_transition``) serves every move of a single card, from a key press or a
CLI command; promotion always runs the gate. (An import places many cards at once through the
store's bulk writer instead, after checking each row against the same field validation and gate
rules: see ``service/transfer``.) Every write is one transaction, and every write names the card
version it read, so a colleague's change in between is refused (``Conflict``), never overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from leadboard.domain.card import ActivityKind, Card, CardSummary, validate_fields
from leadboard.domain.errors import (
    CardNotFound,
    Conflict,
    GateBlocked,
    InvalidInput,
    MoveNotAllowed,
    NothingToUndo,
)
from leadboard.domain.filter import NO_FILTER, CardFilter
from leadboard.domain.history import ActivityRecord, MoveRecord
from leadboard.domain.planned import PlannedRecord
from leadboard.domain.rules import RuleFailure, Rules
from leadboard.domain.stages import GATE_INTO, PIPELINE, Move, Stage
from leadboard.domain.text import LIMITS, multi_line, within
from leadboard.service.planning import NextPlan, Planning
from leadboard.store import cards, journal
from leadboard.store.db import in_transaction


def utc_now() -> datetime:
    """Times are stored as naive UTC and shown in the viewer's local time."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class MoveResult:
    card: Card
    record: MoveRecord
    #: warning rules the move went through with (recorded in the history)
    warnings: list[RuleFailure]


@dataclass(frozen=True)
class StageStats:
    stage: Stage
    cards: int
    amount: Decimal
    #: amount times the stage's win probability from the rules file
    weighted: Decimal
    #: a search found more cards than it shows: ``cards`` is "at least"
    capped: bool = False


class Pipeline(Planning):
    """The service one user works through. ``user`` is recorded on every write. Planning next
    steps and the Today view are in ``service/planning.py``."""

    def __init__(self, rules: Rules, user: str, clock: Callable[[], datetime] = utc_now,
                 today: Callable[[], date] = date.today):
        self.rules = rules
        self.user = user
        self._clock = clock
        self._today = today

    # ---- reading ---------------------------------------------------------------------------

    def card(self, card_id: int) -> Card:
        card = cards.get(card_id)
        if card is None:
            raise CardNotFound(card_id)
        return card

    def column_page(self, stage: Stage, offset: int, limit: int, card_filter: CardFilter = NO_FILTER,
                    total: int | None = None) -> list[CardSummary]:
        return cards.column_page(stage, offset, limit, card_filter, total, self._end_of_today())

    def stats(self, card_filter: CardFilter = NO_FILTER) -> dict[Stage, StageStats]:
        return self._stats(cards.stage_totals(card_filter))

    def overview(self, card_filter: CardFilter, page_size: int) -> tuple[dict[Stage, StageStats],
                                                                       dict[Stage, list[CardSummary]]]:
        """The board at a glance under ``card_filter``: each stage's stats and first page. A search
        is read in one query (its newest matches), not one per column."""
        if not card_filter.search.strip():
            stats = self.stats(card_filter)
            pages = {stage: self.column_page(stage, 0, page_size, card_filter, stats[stage].cards)
                     for stage in PIPELINE}
            return stats, pages
        matches = cards.search_matches(card_filter)
        first_pages = {stage: [card for card in matches if card.stage is stage][:page_size] for stage in PIPELINE}
        return self._stats(cards.totals_of(matches)), first_pages

    def _stats(self, totals: dict[Stage, cards.Totals]) -> dict[Stage, StageStats]:
        return {
            stage: StageStats(
                stage, total.cards, total.amount,
                (total.amount * Decimal(str(self.rules.probability(stage)))).quantize(Decimal("0.01")),
                total.capped,
            )
            for stage, total in totals.items()
        }

    def find(self, stage: Stage | None = None, card_filter: CardFilter = NO_FILTER,
             limit: int | None = None, after: Card | None = None) -> list[Card]:
        """Cards in column order (or id order across stages), a page at a time after ``after``."""
        return cards.find(stage, card_filter, limit, after)

    def position(self, card_id: int, card_filter: CardFilter = NO_FILTER) -> int | None:
        return cards.position(card_id, card_filter, self._end_of_today())

    def history(self, card_id: int) -> list[MoveRecord]:
        self.card(card_id)
        return journal.moves_of(card_id)

    def activities(self, card_id: int) -> list[ActivityRecord]:
        self.card(card_id)
        return journal.activities_of(card_id)

    def check_promotion(self, card_id: int, changes: dict[str, Any] | None = None) -> list[RuleFailure]:
        """Every rule the card (with ``changes`` applied) fails on its way to the next stage."""
        card = self.card(card_id)
        target = self._next_stage(card)
        merged = self._merged(card, changes or {})
        return self.rules.check(merged, target, self._today())

    def is_stale(self, summary: CardSummary) -> bool:
        return summary.is_stale(self.rules.stale_after_days(summary.stage), self._clock())

    def latest_change(self) -> int:
        return cards.latest_change()

    def changes_since(self, change_id: int) -> tuple[int, set[int] | None]:
        return cards.changes_since(change_id)

    # ---- creating and editing ---------------------------------------------------------------

    def create(self, fields: dict[str, Any]) -> Card:
        """A new contact. It needs a name and one way to reach them (email or phone)."""
        data = dict(fields)
        if not data.get("owner"):
            data["owner"] = self.user
        valid = validate_fields(data)
        if not (valid.email or valid.phone):
            raise InvalidInput("A contact needs an email or a phone number to reach them.", field="email")

        def work() -> int:
            now = self._clock()
            card_id = cards.insert(Stage.CONTACT, valid.model_dump(), self.user, now)
            journal.record_move(card_id, Move.CREATE, None, Stage.CONTACT, self.user, now)
            return card_id

        return self.card(in_transaction(work))

    def edit(self, card_id: int, changes: dict[str, Any], version: int | None = None) -> Card:
        """Change some fields. ``version`` is the one the user saw; a newer one means a conflict."""
        if not changes:
            raise InvalidInput("Nothing to change: give at least one FIELD=VALUE.", field="--set")

        def work() -> None:
            card = self._read_for_write(card_id, version)
            merged = self._merged(card, changes)
            self._write(card, merged.fields())
            self._hand_over_steps(card, merged.owner)

        in_transaction(work)
        return self.card(card_id)

    def reassign(self, card_id: int, owner: str, version: int | None = None) -> Card:
        """Hand the card to a colleague, with the open steps its owner had planned on it (steps
        planned for someone else by name stay theirs)."""
        return self.edit(card_id, {"owner": owner}, version)

    # ---- moving ---------------------------------------------------------------------------

    def promote(self, card_id: int, changes: dict[str, Any] | None = None,
                version: int | None = None) -> MoveResult:
        """Move the card one stage on, through the gate. ``changes`` (the fields a blocked move
        asked for) are saved in the same transaction, so filling them in finishes the move."""

        def work() -> MoveResult:
            card = self._read_for_write(card_id, version)
            target = self._next_stage(card)
            merged = self._merged(card, changes or {})
            failures = self.rules.check(merged, target, self._today())
            if any(f.blocking for f in failures):
                raise GateBlocked(GATE_INTO[target], failures)
            return self._transition(card, target, Move.PROMOTE, fields=merged.fields(), warnings=failures)

        return in_transaction(work)

    def demote(self, card_id: int, reason: str, version: int | None = None) -> MoveResult:
        reason = _reason(reason)

        def work() -> MoveResult:
            card = self._read_for_write(card_id, version)
            if card.stage is Stage.LOST:
                raise MoveNotAllowed(f"Card {card_id} is lost; reopen it instead.")
            target = card.stage.previous
            if target is None:
                raise MoveNotAllowed(f"Card {card_id} is a contact already; there is no stage before it.")
            return self._transition(card, target, Move.DEMOTE, reason=reason)

        return in_transaction(work)

    def lose(self, card_id: int, reason: str, version: int | None = None) -> MoveResult:
        reason = _reason(reason)

        def work() -> MoveResult:
            card = self._read_for_write(card_id, version)
            if card.stage is Stage.LOST:
                raise MoveNotAllowed(f"Card {card_id} is lost already.")
            return self._transition(card, Stage.LOST, Move.LOSE, reason=reason,
                                    state={"lost_from": card.stage.value, "lost_reason": reason})

        return in_transaction(work)

    def reopen(self, card_id: int, version: int | None = None) -> MoveResult:
        """Bring a lost card back into the stage it was lost from."""

        def work() -> MoveResult:
            card = self._read_for_write(card_id, version)
            if card.stage is not Stage.LOST:
                raise MoveNotAllowed(f"Card {card_id} is not lost; only lost cards can be reopened.")
            target = card.lost_from or Stage.CONTACT
            return self._transition(card, target, Move.REOPEN, reason=card.lost_reason,
                                    state={"lost_from": None, "lost_reason": None})

        return in_transaction(work)

    def undo(self) -> MoveResult:
        """Reverse this user's last move that is not undone yet; the undo is recorded too."""

        def work() -> MoveResult:
            last = journal.last_undoable_move(self.user)
            if last is None:
                raise NothingToUndo("You have no move to undo.")
            card = self._read_for_write(last.card_id, None)
            if card.stage is not last.to_stage:
                raise MoveNotAllowed(
                    f"Card {card.id} has moved since your {last.move.value} "
                    f"(it is now {card.stage.value}); that move can no longer be undone."
                )
            target = last.from_stage or Stage.CONTACT
            state: dict[str, Any] = {}
            if last.move is Move.LOSE:
                state = {"lost_from": None, "lost_reason": None}
            elif last.move is Move.REOPEN:
                state = {"lost_from": last.to_stage.value, "lost_reason": last.reason}
            return self._transition(card, target, Move.UNDO, reason=f"undo {last.move.value}",
                                    state=state, undoes=last.id)

        return in_transaction(work)

    def log_activity(self, card_id: int, kind: str | ActivityKind, summary: str) -> ActivityRecord:
        activity_kind, summary = _logged(kind, summary)

        def work() -> ActivityRecord:
            self.card(card_id)
            return journal.add_activity(card_id, activity_kind, summary, self.user, self._clock())

        return in_transaction(work)

    def log_and_plan(self, card_id: int, done: tuple[str, str] | None,
                     then: NextPlan | None) -> tuple[ActivityRecord | None, PlannedRecord | None]:
        """Log what happened (``done`` = kind, summary), plan what comes next, or both, in one
        transaction: the board's "log / plan / both" form."""
        if done is None and then is None:
            raise InvalidInput("Say in a few words what happened, or plan a next step (or both).", field="summary")
        logged = _logged(*done) if done is not None else None

        def work() -> tuple[ActivityRecord | None, int | None]:
            self.card(card_id)
            now = self._clock()
            activity = journal.add_activity(card_id, *logged, self.user, now) if logged else None
            return activity, self._plan(card_id, then, now) if then else None

        activity, planned_id = in_transaction(work)
        return activity, self.planned(planned_id) if planned_id else None

    # ---- the one transition ------------------------------------------------------------------

    def _transition(self, card: Card, target: Stage, move: Move, *, reason: str | None = None,
                    fields: dict[str, Any] | None = None, warnings: list[RuleFailure] | None = None,
                    state: dict[str, Any] | None = None, undoes: int | None = None) -> MoveResult:
        """Move ``card`` to ``target`` and append the move to its history (inside a transaction)."""
        warnings = [w for w in (warnings or []) if not w.blocking]
        values: dict[str, Any] = dict(fields or {})
        values.update(state or {})
        values["stage"] = target
        values["warnings"] = ",".join(w.rule_id for w in warnings)
        now = self._clock()
        self._write(card, values, now)
        record = journal.record_move(
            card.id, move, card.stage, target, self.user, now, reason=reason,
            warnings=tuple(str(w) for w in warnings), undoes=undoes,
        )
        return MoveResult(self.card(card.id), record, warnings)

    def _write(self, card: Card, values: dict[str, Any], now: datetime | None = None) -> None:
        if not cards.update(card, values, self.user, now or self._clock()):
            raise self._conflict(card.id)

    def _read_for_write(self, card_id: int, version: int | None) -> Card:
        card = self.card(card_id)
        if version is not None and card.version != version:
            raise Conflict(card_id, card.updated_by, card.updated_at, card.version)
        return card

    def _conflict(self, card_id: int) -> Conflict:
        now = self.card(card_id)
        return Conflict(card_id, now.updated_by, now.updated_at, now.version)

    def _merged(self, card: Card, changes: dict[str, Any]) -> Card:
        """The card as it would be with ``changes``, validated like any edit."""
        if not changes:
            return card
        valid = validate_fields(card.fields() | dict(changes))
        return card.model_copy(update=valid.model_dump())

    def _next_stage(self, card: Card) -> Stage:
        if card.stage is Stage.LOST:
            raise MoveNotAllowed(f"Card {card.id} is lost; reopen it before promoting it.")
        target = card.stage.next
        if target is None:
            raise MoveNotAllowed(f"Card {card.id} is an account already; there is no stage after it.")
        return target


def _logged(kind: str | ActivityKind, summary: str) -> tuple[ActivityKind, str]:
    """An activity to log, checked: its kind and its cleaned summary."""
    try:
        activity_kind = ActivityKind(str(kind).strip().lower())
    except ValueError:
        kinds = ", ".join(k.value for k in ActivityKind)
        raise InvalidInput(f"Unknown activity kind {kind!r}; use one of {kinds}.", field="kind") from None
    summary = within(multi_line(summary), LIMITS.summary, "summary")
    if not summary:
        raise InvalidInput("Say in a few words what happened (summary).", field="summary")
    return activity_kind, summary


def _reason(reason: str | None) -> str:
    """Why a card moves back or is lost, cleaned like any multi-line text; typed or imported, the
    same limit holds."""
    text = within(multi_line(reason or ""), LIMITS.reason, "reason")
    if not text:
        raise InvalidInput("A reason is required.", field="reason")
    return text


__all__ = ["PIPELINE", "MoveResult", "Pipeline", "StageStats"]
