"""The pipeline's use-cases: create, edit, promote, demote, lose, reopen, log activity, undo.

Every change a person makes is journaled in the same transaction (``store.journal``): what kind of
change, who, when, and each field's old and new value. Undo reads an entry back and writes the old
values again, itself journaled; it refuses a change that anything has been built upon since.

One transition function (``_transition``) serves every move of a single card, from a key press or a
CLI command; promotion always runs the gate. (An import places many cards at once through the
store's bulk writer instead, after checking each row against the same field validation and gate
rules: see ``service/transfer``.) Every write is one transaction, and every write names the card
version it read, so a colleague's change in between is refused (``Conflict``), never overwritten.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from leadboard.domain.card import FIELD_NAMES, MONEY_FIELDS, ActivityKind, Card, CardSummary, validate_fields
from leadboard.domain.declared import split_changes, with_extras
from leadboard.domain.errors import (
    CardNotFound,
    CardRemoved,
    Conflict,
    DuplicateEmail,
    GateBlocked,
    InvalidInput,
    MoveNotAllowed,
    NothingToUndo,
    UndoRefused,
)
from leadboard.domain.filter import NO_FILTER, CardFilter
from leadboard.domain.history import (
    ACTIVITY_PREFIX,
    EXTRA_PREFIX,
    PLANNED_PREFIX,
    ActivityRecord,
    ChangeKind,
    ChangeRecord,
    FieldChange,
    HistoryItem,
    MoveRecord,
    history_items,
)
from leadboard.domain.planned import PlannedRecord
from leadboard.domain.stages import GATE_INTO, PIPELINE, Move, Stage
from leadboard.domain.text import LIMITS, multi_line, within
from leadboard.domain.values import other_currency, read_amount
from leadboard.service.planning import NextPlan, Planning
from leadboard.store import cards, journal, planned
from leadboard.store.db import in_transaction

# ``store.removal`` (taking a card off the board, merging, erasing, and undoing those) and
# ``domain.merging`` are imported by the use-cases that need them: a command loads neither to show,
# list or move a card
if TYPE_CHECKING:
    from leadboard.domain.rules import RuleFailure, Rules
    from leadboard.service.reports import Reports


T = TypeVar("T")

#: the card columns logging an activity changes
ACTIVITY_COLUMNS = journal.ACTIVITY_COLUMNS


def utc_now() -> datetime:
    """Times are stored as naive UTC and shown in the viewer's local time."""
    return datetime.now(UTC).replace(tzinfo=None)


# Records are NamedTuples, not frozen dataclasses: on Python 3.11 a frozen dataclass compiles six
# methods as its module is imported (half a millisecond each class), and every command imports this.
class MoveResult(NamedTuple):
    card: Card
    record: MoveRecord
    #: warning rules the move went through with (recorded in the history)
    warnings: list[RuleFailure]


class UndoResult(NamedTuple):
    card: Card
    #: the change undone
    undone: ChangeRecord
    #: the undo, as journaled
    change: ChangeRecord
    #: the undo's row in the card's history, when it moved the card back
    record: MoveRecord | None


class MergeResult(NamedTuple):
    #: the kept card, after the merge
    card: Card
    #: the card merged into it, as it was
    other: Card
    #: fields given the other's value: those the kept card lacked, and those chosen
    filled: list[str]
    #: extra fields the merge added to the kept card
    added: list[str]


class StageStats(NamedTuple):
    stage: Stage
    cards: int
    amount: Decimal
    #: amount times the stage's win probability from the rules file
    weighted: Decimal
    #: a search found more cards than it shows: ``cards`` is "at least"
    capped: bool = False


class Overview(NamedTuple):
    """The board at a glance under a filter (``Pipeline.overview``)."""

    stats: dict[Stage, StageStats]
    #: each column's pages (page number -> cards): its first, and the one its kept card is on
    pages: dict[Stage, dict[int, list[CardSummary]]]
    #: where each column's kept card is under the filter, or would be if it does not match
    positions: dict[Stage, int]


class Pipeline(Planning):
    """The service one user works through. ``user`` is recorded on every write. ``rules=None``
    means the default rules, read when first needed: ``show`` and ``list`` never need them.
    Planning next steps and the Today view are in ``service/planning.py``."""

    def __init__(self, rules: Rules | None, user: str, clock: Callable[[], datetime] = utc_now,
                 today: Callable[[], date] = date.today):
        self._rules = rules
        self.user = user
        self._clock = clock
        self._today = today
        #: journal ids of the changes made through this pipeline since ``begin_session`` (a board's
        #: session: what its ``u`` may undo)
        self.session: set[int] = set()
        #: the journal id of the move being made (set inside its transaction)
        self._pending = 0

    def begin_session(self) -> None:
        self.session = set()

    @property
    def rules(self) -> Rules:
        if self._rules is None:
            from leadboard.domain.rules import load_rules

            self._rules = load_rules()
        return self._rules

    # ---- reading ---------------------------------------------------------------------------

    def card(self, card_id: int) -> Card:
        card = cards.get(card_id)
        if card is None:
            from leadboard.store import removal

            removed = removal.removal(card_id)
            if removed is not None:
                raise CardRemoved(card_id, removed.how, removed.by, removed.at)
            raise CardNotFound(card_id)
        return card

    def column_page(self, stage: Stage, offset: int, limit: int, card_filter: CardFilter = NO_FILTER,
                    total: int | None = None) -> list[CardSummary]:
        return cards.column_page(stage, offset, limit, card_filter, total, self._end_of_today())

    def stats(self, card_filter: CardFilter = NO_FILTER) -> dict[Stage, StageStats]:
        return self._stats(cards.stage_totals(card_filter))

    def overview(self, card_filter: CardFilter, page_size: int, kept: Mapping[Stage, int] | None = None) -> Overview:
        """The board at a glance under ``card_filter``: each stage's stats and first page, where each
        column's ``kept`` card is under it (or would be, were it shown) and the page it is on. A search
        is read in one query (its newest matches), not one per column, and its positions and pages
        are taken from them."""
        kept = kept or {}
        if not card_filter.search.strip():
            stats = self.stats(card_filter)
            positions = {stage: position for stage, card_id in kept.items()
                         if (position := self.position(card_id, card_filter)) is not None}
            pages = {stage: {number: self.column_page(stage, number * page_size, page_size, card_filter,
                                                      stats[stage].cards)
                             for number in _pages_shown(positions.get(stage), page_size, stats[stage].cards)}
                     for stage in PIPELINE}
            return Overview(stats, pages, positions)
        matches = cards.newest_matches(card_filter)
        columns = {stage: [match.id for match in matches if match.stage is stage] for stage in PIPELINE}
        # the matches newer than the card: its index if it matches, where it would be if it did not
        positions = {stage: sum(1 for card_id in columns[stage] if card_id > kept_id)
                     for stage, kept_id in kept.items()}
        numbers = {stage: _pages_shown(positions.get(stage), page_size, len(ids)) for stage, ids in columns.items()}
        shown = {card.id: card for card in cards.summaries_of(
            [card_id for stage, ids in columns.items() for number in numbers[stage]
             for card_id in ids[number * page_size:(number + 1) * page_size]])}
        pages = {stage: {number: [shown[card_id] for card_id in ids[number * page_size:(number + 1) * page_size]
                                  if card_id in shown]
                         for number in numbers[stage]}
                 for stage, ids in columns.items()}
        return Overview(self._stats(cards.totals_of(matches)), pages, positions)

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
        return self.promotion(card_id, changes)[0]

    def promotion(self, card_id: int, changes: dict[str, Any] | None = None) -> tuple[list[RuleFailure], Card]:
        """``check_promotion``'s verdict and the card it read: the board's promote key shows the card
        in a form when the gate blocks it, with one read of the card, not two."""
        card = self.card(card_id)
        target = self._next_stage(card)
        merged = self._merged(card, changes or {})
        return self.rules.check(merged, target, self._today()), card

    def is_stale(self, summary: CardSummary) -> bool:
        return summary.is_stale(self.rules.stale_after_days(summary.stage), self._clock())

    def owners(self) -> list[str]:
        """Everyone who owns a card now."""
        return cards.owners()

    def reports(self, zone: tzinfo | None = None) -> Reports:
        """The funnel, win rate and the other reports, seen from ``zone`` (None: the system's)."""
        from leadboard.service.reports import Reports  # most commands run no report

        return Reports(self.rules, self._clock, self._today, zone)

    def latest_change(self) -> int:
        return cards.latest_change()

    def changes_since(self, change_id: int) -> tuple[int, set[int] | None]:
        return cards.changes_since(change_id)

    # ---- creating and editing ---------------------------------------------------------------

    def create(self, fields: dict[str, Any], allow_duplicate: bool = False) -> Card:
        """A new contact. It needs a name; a way to reach them is what the qualify gate asks for.
        An email another card has already is refused (``DuplicateEmail``: the same person twice,
        most likely) unless ``allow_duplicate``."""
        data, declared = self._split(fields)
        if not data.get("owner"):
            data["owner"] = self.user
        valid = validate_fields(data)
        extra = with_extras({}, declared)

        def work() -> int:
            if valid.email is not None and not allow_duplicate:
                self._no_card_with(valid.email)
            now = self._clock()
            card_id = cards.insert(Stage.CONTACT, valid.model_dump(), self.user, now, extra=_extra_text(extra))
            journal.record_move(card_id, Move.CREATE, None, Stage.CONTACT, self.user, now)
            return card_id

        return self.card(in_transaction(work))

    def _no_card_with(self, email: str) -> None:
        """Raise ``DuplicateEmail`` if a card has ``email`` (in any case), as an import finds it."""
        from leadboard.store import imports  # the bulk writer's look-ups: only adding a card needs one

        found = imports.cards_by_email([imports.ascii_lower(email)])
        card = cards.get(next(iter(found.values()))) if found else None
        if card is not None:
            raise DuplicateEmail(card.id, card.name, card.email or email)

    def edit(self, card_id: int, changes: dict[str, Any], version: int | None = None) -> Card:
        """Change some fields. ``version`` is the one the user saw; a newer one means a conflict."""
        return self._edit(card_id, changes, version, ChangeKind.EDIT)

    def reassign(self, card_id: int, owner: str, version: int | None = None) -> Card:
        """Hand the card to a colleague, with the open steps its owner had planned on it (steps
        planned for someone else by name stay theirs)."""
        return self._edit(card_id, {"owner": owner}, version, ChangeKind.REASSIGN)

    def _edit(self, card_id: int, changes: dict[str, Any], version: int | None, kind: ChangeKind) -> Card:
        if not changes:
            raise InvalidInput("Nothing to change: give at least one FIELD=VALUE.", field="--set")

        def work() -> tuple[Card, int]:
            card = self._read_for_write(card_id, version)
            merged = self._merged(card, changes)
            now = self._clock()
            self._write(card, _written(card, merged), now)
            self._hand_over_steps(card, merged.owner)
            after = self.card(card_id)
            return after, journal.record_change(kind, card, after, self.user, now, FIELD_NAMES,
                                                extra=_extra_changes(card, after))

        return self._journaled(in_transaction(work))

    def _journaled(self, done: tuple[T, int | list[int]]) -> T:
        """Remember a committed change (or changes) as this session's; returns what the change
        returned."""
        result, entries = done
        self.session.update([entries] if isinstance(entries, int) else entries)
        return result

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
            return self._transition(card, target, Move.PROMOTE, fields=_written(card, merged), warnings=failures)

        return self._move(work)

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

        return self._move(work)

    def lose(self, card_id: int, reason: str, version: int | None = None) -> MoveResult:
        reason = _reason(reason)

        def work() -> MoveResult:
            card = self._read_for_write(card_id, version)
            if card.stage is Stage.LOST:
                raise MoveNotAllowed(f"Card {card_id} is lost already.")
            return self._transition(card, Stage.LOST, Move.LOSE, reason=reason,
                                    state={"lost_from": card.stage.value, "lost_reason": reason})

        return self._move(work)

    def reopen(self, card_id: int, version: int | None = None) -> MoveResult:
        """Bring a lost card back into the stage it was lost from."""

        def work() -> MoveResult:
            card = self._read_for_write(card_id, version)
            if card.stage is not Stage.LOST:
                raise MoveNotAllowed(f"Card {card_id} is not lost; only lost cards can be reopened.")
            target = card.lost_from or Stage.CONTACT
            return self._transition(card, target, Move.REOPEN, reason=card.lost_reason,
                                    state={"lost_from": None, "lost_reason": None})

        return self._move(work)

    def _move(self, work: Callable[[], MoveResult]) -> MoveResult:
        """Run a move's transaction; its journal entry is this session's once it has committed."""

        def journaled() -> tuple[MoveResult, int]:
            result = work()
            return result, self._pending

        return self._journaled(in_transaction(journaled))

    # ---- the journal and undo ------------------------------------------------------------------

    def journal(self, card_id: int) -> list[ChangeRecord]:
        """Every change made to the card (moves, edits, reassigns, activities, undos), oldest first."""
        self.card(card_id)
        return journal.changes_of(card_id)

    def history_items(self, card_id: int) -> list[HistoryItem]:
        """The card's moves and its other changes (edits, reassigns, activities, undos), oldest first."""
        return history_items(self.history(card_id), journal.changes_of(card_id))

    def as_of(self, card_id: int, at: datetime) -> dict[str, Any] | None:
        """The card's fields and stage as they stood at ``at`` (naive UTC); None before it existed."""
        return journal.as_of(card_id, at)

    def my_changes(self, limit: int = 10) -> list[ChangeRecord]:
        """This user's newest changes, newest first (undos and undone ones included)."""
        return journal.changes_by(self.user, limit)

    def change(self, change_id: int) -> ChangeRecord:
        found = journal.change(change_id)
        if found is None:
            raise NothingToUndo(f"There is no change {change_id} in the journal.")
        return found

    def matching(self, text: str, limit: int = 20) -> list[CardSummary]:
        """The newest ``limit`` cards whose name, company, email or phone match ``text``."""
        return cards.search_matches(CardFilter(search=text), limit)

    def name_of_changed_card(self, change: ChangeRecord) -> str:
        """The name of the card ``change`` is about: a deleted card's is in its deletion."""
        if change.kind is ChangeKind.DELETE:
            cleared = change.change("name")
            return cleared.old or "" if cleared else ""
        return self.card(change.card_id).name

    def last_change(self, in_session: bool = False) -> ChangeRecord:
        """This user's newest change that can still be undone (in this session only, if asked)."""
        found = journal.changes_by(self.user, 1, self.session if in_session else None, undoable_only=True)
        if not found:
            where = " in this session" if in_session else ""
            raise NothingToUndo(f"You have made no change{where} that can be undone.")
        return found[0]

    def undo(self, change_id: int | None = None, in_session: bool = False) -> UndoResult:
        """Reverse one of this user's changes (by default the newest not undone yet): every field it
        changed gets its old value back, a move moves back, a logged activity is taken back. The
        undo is journaled too. Refused (``UndoRefused``) when the card has changed since."""

        def work() -> tuple[UndoResult, int]:
            target = self.last_change(in_session) if change_id is None else self.change(change_id)
            cards.lock(target.card_id)
            target = self.change(target.id)  # read again under the lock
            self.check_undo(target)
            if target.kind is ChangeKind.DELETE:
                return self._undo_delete(target)
            if target.kind is ChangeKind.MERGE:
                return self._undo_merge(target)
            card = self._read_for_write(target.card_id, None)
            values = journal.restore(target)
            declared = [c for c in target.changes if c.field.startswith(EXTRA_PREFIX)]
            if declared:  # the declared fields' old values, back into the extras
                values["extra"] = _extra_text(with_extras(card.extra, {
                    c.field.removeprefix(EXTRA_PREFIX): c.old for c in declared}))
            now = self._clock()
            activity = journal.activity_changes(target)
            if target.activity_id is not None and activity:
                if all(c.old is None for c in activity):  # the change logged it: take it back
                    journal.remove_activity(target.activity_id)
                else:  # it changed an activity already there: the old values go back
                    journal.restore_activity(target.activity_id, activity)
            if target.planned_id is not None:
                self._undo_step(target, now)
            if values or target.planned_id is None:  # a step's change alone leaves the card as it is
                self._write(card, values, now)
            if "owner" in values:  # undoing a reassign hands the steps back too
                self._hand_over_steps(card, values["owner"])
            record = None
            if "stage" in values and values["stage"] != card.stage.value:
                what = target.move.move.value if target.move else "change"
                record = journal.record_move(card.id, Move.UNDO, card.stage, Stage(values["stage"]), self.user,
                                             now, reason=f"undo {what}",
                                             undoes=target.move.id if target.move else None)
            after = self.card(card.id)
            extra = [FieldChange(c.field, c.new, c.old) for c in target.changes
                     if c.field.startswith((ACTIVITY_PREFIX, PLANNED_PREFIX, EXTRA_PREFIX))]
            entry_id = journal.record_change(ChangeKind.UNDO, card, after, self.user, now, values,
                                             move_id=record.id if record else None,
                                             activity_id=target.activity_id, undoes=target.id, extra=extra)
            return UndoResult(after, target, self.change(entry_id), record), entry_id

        return self._journaled(in_transaction(work))

    def _undo_delete(self, target: ChangeRecord) -> tuple[UndoResult, int]:
        """Put a deleted card back where it stood, with what its deletion cleared."""
        from leadboard.store import removal

        old = {c.field: c.old for c in target.changes}
        now = self._clock()
        findable = {name: old.get(name) for name in removal.FINDABLE}
        if not removal.bring_back(target.card_id, str(old["stage"]), findable, self.user, now):
            raise UndoRefused(f"Card {target.card_id} is not deleted any more; there is nothing to bring back.")
        after = self.card(target.card_id)
        entry_id = journal.record_change(ChangeKind.UNDO, after, after, self.user, now, (), undoes=target.id,
                                         extra=[FieldChange(c.field, c.new, c.old) for c in target.changes])
        return UndoResult(after, target, self.change(entry_id), None), entry_id

    # ---- taking cards off the board ------------------------------------------------------------

    def delete(self, card_id: int, version: int | None = None) -> Card:
        """Take the card off the board: no column, count, total, list, search, export, Today view,
        report or import look-up sees it any more. Journaled, so ``undo`` brings it back. Returns
        the card as it was."""
        from leadboard.store import removal

        def work() -> tuple[Card, int]:
            cards.lock(card_id)
            card = self._read_for_write(card_id, version)
            now = self._clock()
            if not removal.delete(card, self.user, now):
                raise self._conflict(card_id)
            cleared = [FieldChange(name, text, None) for name, text in removal.findable_text(card).items()
                       if text is not None]
            entry_id = journal.record_change(ChangeKind.DELETE, card, card, self.user, now, (),
                                             extra=[FieldChange("stage", card.stage.value, cards.DELETED), *cleared])
            return card, entry_id

        return self._journaled(in_transaction(work))

    def merge(self, keep_id: int, other_id: int, take: Collection[str] = ()) -> MergeResult:
        """Merge card ``other_id`` (the same person) into card ``keep_id``: the kept card gets the
        other's history, activities and planned steps, the fields it lacked (and the other's value
        of each field in ``take``), and the other's extras and differing values as extras
        (``merge_plan``); the other leaves the board. Journaled on the kept card, so ``undo``
        splits them again."""
        from leadboard.domain.merging import merge_plan
        from leadboard.store import removal

        if keep_id == other_id:
            raise InvalidInput(f"Card {keep_id} cannot be merged into itself.", field="other")

        def work() -> tuple[MergeResult, int]:
            for card_id in sorted((keep_id, other_id)):  # always in id order: no two merges deadlock
                cards.lock(card_id)
            keep = self._read_for_write(keep_id, None)
            other = self._read_for_write(other_id, None)
            now = self._clock()
            plan = merge_plan(keep, other, take)
            moved = removal.move_dossier(other.id, keep.id)
            if not removal.delete(other, self.user, now, cards.MERGED):
                raise self._conflict(other.id)
            values: dict[str, Any] = dict(plan.filled)
            values["activity_count"] = keep.activity_count + other.activity_count
            values["last_activity_at"] = max((at for at in (keep.last_activity_at, other.last_activity_at) if at),
                                             default=None)
            old_extra = json.dumps(keep.extra, ensure_ascii=False) if keep.extra else None
            new_extra = json.dumps(plan.extra, ensure_ascii=False) if plan.extra else None
            if new_extra != old_extra:
                values["extra"] = new_extra
            self._write(keep, values, now)
            planned.refresh_next_step(keep.id, now)
            after = self.card(keep.id)
            what = [FieldChange("merge.other", None, str(other.id))]
            what += [FieldChange(f"merge.{name}", None, ",".join(map(str, ids))) for name, ids in moved.items() if ids]
            if new_extra != old_extra:
                what.append(FieldChange("extra", old_extra, new_extra))
            what.append(FieldChange("other.stage", other.stage.value, cards.MERGED))
            what += [FieldChange(f"other.{name}", text, None)
                     for name, text in removal.findable_text(other).items() if text is not None]
            entry_id = journal.record_change(ChangeKind.MERGE, keep, after, self.user, now,
                                             [*plan.filled, "activity_count", "last_activity_at"], extra=what)
            return MergeResult(after, other, list(plan.filled), plan.added), entry_id

        return self._journaled(in_transaction(work))

    def _undo_merge(self, target: ChangeRecord) -> tuple[UndoResult, int]:
        """Split a merge: the other card back where it stood with what was its own, the kept card
        as it was before."""
        from leadboard.store import removal

        keep = self._read_for_write(target.card_id, None)
        merged = target.change("merge.other")
        other_id = int(merged.new) if merged is not None and merged.new else 0
        now = self._clock()
        moved = {name: [int(i) for i in change.new.split(",")] for name in ("history", "activities", "planned")
                 if (change := target.change(f"merge.{name}")) is not None and change.new}
        removal.move_back(moved, other_id)
        findable = {name: change.old if (change := target.change(f"other.{name}")) else None
                    for name in removal.FINDABLE}
        stage = target.change("other.stage")
        if stage is None or not removal.bring_back(other_id, str(stage.old), findable, self.user, now,
                                                   cards.MERGED):
            raise UndoRefused(f"Card {other_id} is not merged into card {keep.id} any more; there is nothing to split.")
        values = journal.restore(target)
        extra = target.change("extra")
        if extra is not None:
            values["extra"] = extra.old
        self._write(keep, values, now)
        planned.refresh_next_step(keep.id, now)
        planned.refresh_next_step(other_id, now)
        after = self.card(keep.id)
        inverse = [FieldChange(c.field, c.new, c.old) for c in target.changes if c.field not in journal.TRACKED]
        entry_id = journal.record_change(ChangeKind.UNDO, keep, after, self.user, now, values, undoes=target.id,
                                         extra=inverse)
        return UndoResult(after, target, self.change(entry_id), None), entry_id

    def merged_into(self, card_id: int) -> list[int]:
        """The cards merged into the card (and into those, and so on) that still are: the same
        person's, erased with it."""
        from leadboard.store import removal

        return removal.merged_into(card_id, all_along=True)

    def erase(self, card_id: int, version: int | None = None) -> list[int]:
        """Remove what is known of the person on the card for good (a GDPR or LGPD erasure
        request): fields, history text, journal, activities, planned steps, with the cards merged
        into it, and what it brought to the cards it was merged into. Nothing can bring it back;
        one ``erasure`` entry says who erased card ``card_id`` and when (and one each the cards
        merged into it). Returns the ids of those cards."""
        from leadboard.store import removal

        def work() -> list[int]:
            cards.lock(card_id)
            if version is not None:
                self._read_for_write(card_id, version)
            merged = removal.merged_into(card_id, all_along=True)
            if not removal.erase(card_id, self.user, self._clock()):
                gone = removal.removal(card_id)
                if gone is None:
                    raise CardNotFound(card_id)
                raise CardRemoved(card_id, gone.how, gone.by, gone.at)
            return merged

        erased = in_transaction(work)
        removal.checkpoint()
        return erased

    def check_undo(self, target: ChangeRecord) -> None:
        """Raise ``UndoRefused`` when ``target`` cannot be undone now (a read: changes nothing)."""
        what = f"change {target.id} ({target.describe()})"
        if target.by != self.user:
            raise UndoRefused(f"Change {target.id} was made by {target.by}; only they can undo it.")
        if target.kind is ChangeKind.UNDO:
            raise UndoRefused(f"Change {target.id} is an undo itself; make the change again instead.")
        if target.kind is ChangeKind.ERASURE:
            raise UndoRefused(f"Change {target.id} erased card {target.card_id}; nothing of it is left to bring back.")
        if target.undone_by is not None:
            raise UndoRefused(f"Your {what} is undone already (change {target.undone_by}).")
        later = journal.changes_after(target.card_id, target.id)
        later_ids = {c.id for c in later}
        # a later change that was itself undone since, and its undo, cancel out
        standing = [c for c in later if c.undone_by not in later_ids
                    and not (c.kind is ChangeKind.UNDO and c.undoes in later_ids)]
        if standing:
            first = standing[0]
            who = "you" if first.by == self.user else first.by
            raise UndoRefused(
                f"Card {target.card_id} was changed by {who} at {local(first.at)} "
                f"({first.describe()}) since your {what}; it can no longer be undone."
            )

    def log_activity(self, card_id: int, kind: str | ActivityKind, summary: str) -> ActivityRecord:
        activity_kind, summary = _logged(kind, summary)

        def work() -> tuple[ActivityRecord, int]:
            return self._log(card_id, activity_kind, summary, self._clock())

        return self._journaled(in_transaction(work))

    def _log(self, card_id: int, kind: ActivityKind, summary: str, now: datetime) -> tuple[ActivityRecord, int]:
        """Log an activity and journal it (inside a transaction): the activity and its entry."""
        cards.lock(card_id)  # a colleague logging at the same time waits: ``before`` stays true
        before = self.card(card_id)
        activity = journal.add_activity(card_id, kind, summary, self.user, now)
        logged = [FieldChange(ACTIVITY_PREFIX + "kind", None, kind.value),
                  FieldChange(ACTIVITY_PREFIX + "summary", None, summary)]
        entry_id = journal.record_change(ChangeKind.ACTIVITY, before, self.card(card_id), self.user, now,
                                         ACTIVITY_COLUMNS, activity_id=activity.id, extra=logged)
        return activity, entry_id

    def log_and_plan(self, card_id: int, done: tuple[str, str] | None,
                     then: NextPlan | None) -> tuple[ActivityRecord | None, PlannedRecord | None]:
        """Log what happened (``done`` = kind, summary), plan what comes next, or both, in one
        transaction: the board's "log / plan / both" form."""
        if done is None and then is None:
            raise InvalidInput("Say in a few words what happened, or plan a next step (or both).", field="summary")
        logged = _logged(*done) if done is not None else None

        def work() -> tuple[tuple[ActivityRecord | None, int | None], list[int]]:
            self.card(card_id)
            now = self._clock()
            activity, planned_id, entries = None, None, []
            if logged:
                activity, entry_id = self._log(card_id, *logged, now)
                entries.append(entry_id)
            if then:
                planned_id, entry_id = self._plan(card_id, then, now)
                entries.append(entry_id)
            return (activity, planned_id), entries

        activity, planned_id = self._journaled(in_transaction(work))
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
        after = self.card(card.id)
        kind = ChangeKind.UNDO if move is Move.UNDO else ChangeKind.MOVE
        self._pending = journal.record_change(kind, card, after, self.user, now, values, move_id=record.id,
                                              extra=_extra_changes(card, after) if "extra" in values else ())
        return MoveResult(after, record, warnings)

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
        own, declared = self._split(changes)
        valid = validate_fields(card.fields() | own)
        return card.model_copy(update=valid.model_dump() | {"extra": with_extras(card.extra, declared)})

    def _split(self, changes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str | None]]:
        """The card's own fields, and the declared fields' values as stored (read by their type)."""
        self._in_team_currency(changes)
        if set(changes) <= set(FIELD_NAMES):  # the rules file is not needed for the card's own fields
            return dict(changes), {}
        return split_changes(changes, self.rules.fields)

    def _in_team_currency(self, changes: dict[str, Any]) -> None:
        """Refuse (``InvalidInput``) an amount typed in another currency than the team's (``€5``
        where the rules file says ``currency = "USD"``): it would be summed as if it were the
        team's. Read as an import reads it (an import keeps such an amount as text)."""
        for name, value in changes.items():
            amount = read_amount(value) if isinstance(value, str) else None
            if amount is None or amount.currency is None:
                continue  # the rules file is read only for an amount that names a currency
            declared = self.rules.fields.get(name)
            team = self.rules.currency
            if team is None or not (name in MONEY_FIELDS or (declared is not None and declared.type == "money")):
                continue
            other = other_currency(amount.currency, None, team)
            if other is not None:
                why = f"{value.strip()} is in {'dollars' if other == '$' else other}, not the team's {team}"
                raise InvalidInput(f"{name}: {why}.", field=name, errors={name: why})

    def _next_stage(self, card: Card) -> Stage:
        if card.stage is Stage.LOST:
            raise MoveNotAllowed(f"Card {card.id} is lost; reopen it before promoting it.")
        target = card.stage.next
        if target is None:
            raise MoveNotAllowed(f"Card {card.id} is an account already; there is no stage after it.")
        return target


def _extra_text(extra: dict[str, str]) -> str | None:
    """A card's extras as its column holds them."""
    return json.dumps(extra, ensure_ascii=False) if extra else None


def _written(card: Card, merged: Card) -> dict[str, Any]:
    """What writing ``merged`` over ``card`` sets: the fields it changes (one left as it was is not
    written, so a promote does not rebuild the card's search entries), and its extras if a declared
    field changed."""
    before = card.fields()
    values = {name: value for name, value in merged.fields().items() if value != before[name]}
    if merged.extra != card.extra:
        values["extra"] = _extra_text(merged.extra)
    return values


def _extra_changes(before: Card, after: Card) -> list[FieldChange]:
    """The journal's lines for the declared fields a change set or cleared (``extra.<name>``)."""
    names = dict.fromkeys([*before.extra, *after.extra])
    return [FieldChange(EXTRA_PREFIX + name, before.extra.get(name), after.extra.get(name))
            for name in names if before.extra.get(name) != after.extra.get(name)]


def local(at: datetime) -> str:
    """A stored (naive UTC) time as the viewer's local time, to the minute."""
    return f"{at.replace(tzinfo=UTC).astimezone():%Y-%m-%d %H:%M}"


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


def _pages_shown(position: int | None, page_size: int, cards_in_column: int) -> list[int]:
    """The pages of a column a board shows first: the first, and the one its cursor (at
    ``position``) is on, if that is another page that holds cards."""
    number = (position or 0) // page_size
    return [0, number] if number and number * page_size < cards_in_column else [0]


__all__ = ["PIPELINE", "MoveResult", "Overview", "Pipeline", "StageStats", "UndoResult"]
