"""Planned activities: the only code that touches the ``planned_activity`` table, and the one that
keeps each card's ``next_step_id`` and ``next_due`` in step with it (call inside a transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import peewee as pw

from leadboard.domain.card import CardSummary
from leadboard.domain.planned import Due, PlannedKind, PlannedRecord, PlanState
from leadboard.domain.stages import PIPELINE, Stage
from leadboard.store.cards import SUMMARY_COLUMNS, as_datetime, note_change, summary
from leadboard.store.db import database, is_sqlite
from leadboard.store.models import Card as CardRow
from leadboard.store.models import PlannedActivity, dicts, tuples

_OPEN = PlanState.PLANNED.value


def _record(row: dict[str, Any]) -> PlannedRecord:
    due_on, due_at = row["due_on"], row["due_at"]
    if due_at is not None:
        due = Due(at=as_datetime(due_at))
    else:
        due = Due(day=due_on if not isinstance(due_on, str) else datetime.fromisoformat(due_on).date())
    return PlannedRecord(
        id=row["id"], card_id=row["card"] if "card" in row else row["card_id"],
        kind=PlannedKind(row["kind"]), summary=row["summary"], due=due, owner=row["owner"],
        state=PlanState(row["state"]), planned_by=row["planned_by"], planned_at=as_datetime(row["planned_at"]),
        rescheduled_by=row["rescheduled_by"],
        rescheduled_at=as_datetime(row["rescheduled_at"]) if row["rescheduled_at"] else None,
        closed_by=row["closed_by"], closed_at=as_datetime(row["closed_at"]) if row["closed_at"] else None,
        outcome=row["outcome"], activity_id=row["activity_id"],
    )


def get(planned_id: int) -> PlannedRecord | None:
    """The step; None when there is none, or it is set aside with its removed card."""
    rows = list(dicts(PlannedActivity.select().where(PlannedActivity.id == planned_id)))
    return _record(rows[0]) if rows and rows[0]["state"] in _STATES else None


_STATES = frozenset(state.value for state in PlanState)


def card_of(planned_id: int) -> int | None:
    """The id of the card the step is (or was set aside) on."""
    row = PlannedActivity.select(PlannedActivity.card).where(PlannedActivity.id == planned_id).first()
    return row.card_id if row else None


def of_card(card_id: int) -> list[PlannedRecord]:
    """Every planned activity of the card (open, done and cancelled), newest first."""
    query = PlannedActivity.select().where(PlannedActivity.card == card_id).order_by(PlannedActivity.id.desc())
    return [_record(row) for row in dicts(query)]


def next_steps(card_ids: Sequence[int]) -> dict[int, PlannedRecord]:
    """The next step of each card that has one, read through the cards' ``next_step_id``."""
    if not card_ids:
        return {}
    steps = CardRow.select(CardRow.next_step_id).where(CardRow.id.in_(list(card_ids)))
    query = PlannedActivity.select().where(PlannedActivity.id.in_(steps))
    return {record.card_id: record for record in map(_record, dicts(query))}


def summaries(card_ids: set[int]) -> list[CardSummary]:
    if not card_ids:
        return []
    return [summary(row) for row in tuples(CardRow.select(*SUMMARY_COLUMNS).where(CardRow.id.in_(list(card_ids))))]


def open_of_cards(card_ids: Sequence[int]) -> dict[int, list[PlannedRecord]]:
    """Each card's open planned activities, earliest due first, in one query."""
    found: dict[int, list[PlannedRecord]] = {card_id: [] for card_id in card_ids}
    if not card_ids:
        return found
    query = (PlannedActivity.select()
             .where(PlannedActivity.card.in_(list(card_ids)) & (PlannedActivity.state == _OPEN))
             .order_by(PlannedActivity.card, PlannedActivity.due_key, PlannedActivity.id))
    for record in map(_record, dicts(query)):
        found[record.card_id].append(record)
    return found


def lock_card(card_id: int) -> None:
    """Hold the card's row until the transaction ends, so two colleagues planning on one card at once
    take turns and the second sees the first's step (SQLite's write lock already serialises)."""
    if not is_sqlite():
        database.execute_sql('SELECT 1 FROM "card" WHERE "id" = %s FOR UPDATE', (card_id,))


def new_row(card_id: int, kind: PlannedKind, summary: str, due: Due, owner: str, by: str,
            at: datetime) -> dict[str, Any]:
    """The row of a newly planned activity (for ``insert`` or ``insert_many``)."""
    return {"card": card_id, "kind": kind.value, "summary": summary, "owner": owner, "state": _OPEN,
            "due_on": due.day, "due_at": due.at, "due_key": due.key, "planned_by": by, "planned_at": at}


def insert(card_id: int, kind: PlannedKind, summary: str, due: Due, owner: str, by: str, at: datetime) -> int:
    return int(PlannedActivity.insert(new_row(card_id, kind, summary, due, owner, by, at)).execute())


def insert_many(rows: Sequence[dict[str, Any]], batch: int = 1000) -> None:
    """Plan many at once (demo data, an import); then ``refresh_next_steps`` for their cards."""
    for start in range(0, len(rows), batch):
        PlannedActivity.insert_many(rows[start:start + batch]).execute()


def refresh_next_steps(card_ids: Sequence[int], batch: int = 1000) -> None:
    """``refresh_next_step`` for many cards in one statement per ``batch`` (no change feed: the
    bulk writer that called it notes one change for the lot)."""
    for start in range(0, len(card_ids), batch):
        chunk = list(card_ids[start:start + batch])
        first = PlannedActivity.alias("first")
        open_steps = ((first.card == CardRow.id) & (first.state == _OPEN))
        step = (first.select(first.id).where(open_steps).order_by(first.due_key, first.id).limit(1))
        due = first.select(pw.fn.MIN(first.due_key)).where(open_steps)
        CardRow.update(next_step_id=step, next_due=due).where(CardRow.id.in_(chunk)).execute()


def reschedule(planned_id: int, due: Due, by: str, at: datetime) -> bool:
    """Move an open step's due date; False if it is no longer open."""
    return bool(
        PlannedActivity.update(due_on=due.day, due_at=due.at, due_key=due.key, rescheduled_by=by, rescheduled_at=at)
        .where((PlannedActivity.id == planned_id) & (PlannedActivity.state == _OPEN))
        .execute()
    )


def close(planned_id: int, state: PlanState, by: str, at: datetime, outcome: str | None = None,
          activity_id: int | None = None) -> bool:
    """Mark an open step done or cancelled; False if it was not open any more."""
    return bool(
        PlannedActivity.update(state=state.value, closed_by=by, closed_at=at, outcome=outcome, activity_id=activity_id)
        .where((PlannedActivity.id == planned_id) & (PlannedActivity.state == _OPEN))
        .execute()
    )


def remove(planned_id: int) -> bool:
    """Take back a step that was planned (only an undo does this; the journal keeps what it was);
    False if it is not open any more."""
    return bool(PlannedActivity.delete()
                .where((PlannedActivity.id == planned_id) & (PlannedActivity.state == _OPEN)).execute())


def reopen(planned_id: int, state: PlanState) -> bool:
    """Make a step that was completed or cancelled (``state``) planned again, as if it never was
    closed (only an undo does this); False if it is not in ``state``."""
    return bool(
        PlannedActivity.update(state=_OPEN, closed_by=None, closed_at=None, outcome=None, activity_id=None)
        .where((PlannedActivity.id == planned_id) & (PlannedActivity.state == state.value))
        .execute()
    )


def hand_over(card_id: int, from_owner: str | None, to_owner: str) -> int:
    """Give the card's open steps that were its owner's to the new owner (steps planned for someone
    else by name stay theirs); returns how many moved."""
    return int(
        PlannedActivity.update(owner=to_owner)
        .where((PlannedActivity.card == card_id) & (PlannedActivity.state == _OPEN)
               & (PlannedActivity.owner == (from_owner or "")))
        .execute()
    )


def refresh_next_step(card_id: int, at: datetime) -> None:
    """Point the card at its earliest-due open step (or none), and tell open boards."""
    first = tuples(
        PlannedActivity.select(PlannedActivity.id, PlannedActivity.due_key)
        .where((PlannedActivity.card == card_id) & (PlannedActivity.state == _OPEN))
        .order_by(PlannedActivity.due_key, PlannedActivity.id)
        .limit(1)
    )
    row = next(first, None)
    step_id, due_key = (row[0], row[1]) if row else (None, None)
    CardRow.update(next_step_id=step_id, next_due=due_key).where(CardRow.id == card_id).execute()
    note_change(card_id, at)


# ---- the Today view -----------------------------------------------------------------------------


def due_steps(owner: str | None, before: datetime, limit: int) -> list[PlannedRecord]:
    """Open steps due before ``before`` (the end of today), earliest first, of ``owner`` or anyone."""
    where = (PlannedActivity.state == _OPEN) & (PlannedActivity.due_key < before)
    if owner is not None:
        where &= PlannedActivity.owner == owner
    query = PlannedActivity.select().where(where).order_by(PlannedActivity.due_key, PlannedActivity.id).limit(limit)
    return [_record(row) for row in dicts(query)]


def without_next_step(owner: str | None, stages: Sequence[Stage], limit: int) -> list[CardSummary]:
    """Open cards with no next step, in board order per stage (the earliest stage first)."""
    found: list[CardSummary] = []
    for stage in stages:
        if len(found) >= limit:
            break
        where = (CardRow.stage == stage.value) & CardRow.next_due.is_null()
        if owner is not None:
            where &= CardRow.owner == owner
        query = (CardRow.select(*SUMMARY_COLUMNS).where(where)
                 .order_by(CardRow.next_due, CardRow.rank, CardRow.id).limit(limit - len(found)))
        found.extend(summary(row) for row in tuples(query))
    return found


def stale(owner: str | None, cutoffs: dict[Stage, datetime], limit: int) -> list[CardSummary]:
    """Open cards nobody has touched since their stage's cutoff, longest untouched first."""
    found: list[CardSummary] = []
    for stage in PIPELINE:
        cutoff = cutoffs.get(stage)
        if cutoff is None or len(found) >= limit:
            continue
        active = pw.fn.COALESCE(CardRow.last_activity_at, CardRow.created_at)
        where = (CardRow.stage == stage.value) & (active < cutoff)
        if owner is not None:
            where &= CardRow.owner == owner
        query = (CardRow.select(*SUMMARY_COLUMNS).where(where)
                 .order_by(CardRow.rank, CardRow.id).limit(limit - len(found)))
        found.extend(summary(row) for row in tuples(query))
    return found
