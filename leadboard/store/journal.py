"""The append-only record of a card's life: its moves (history) and its activities."""

from __future__ import annotations

from datetime import datetime

from leadboard.domain.card import INTERACTIONS, ActivityKind
from leadboard.domain.history import ActivityRecord, MoveRecord
from leadboard.domain.stages import Move, Stage
from leadboard.store.cards import note_change
from leadboard.store.models import Activity, Card, History


def record_move(card_id: int, move: Move, from_stage: Stage | None, to_stage: Stage, by: str,
                at: datetime, reason: str | None = None, warnings: tuple[str, ...] = (),
                undoes: int | None = None) -> MoveRecord:
    """Append a move to the card's history and return it as recorded."""
    move_id = History.insert(
        card=card_id,
        move=move.value,
        from_stage=from_stage.value if from_stage else None,
        to_stage=to_stage.value,
        by=by,
        at=at,
        reason=reason,
        warnings="\n".join(warnings),
        undoes=undoes,
    ).execute()
    return MoveRecord(int(move_id), card_id, move, from_stage, to_stage, by, at, reason, warnings, undoes)


def _move(row: History) -> MoveRecord:
    return MoveRecord(
        id=row.id,
        card_id=row.card_id,
        move=Move(row.move),
        from_stage=Stage(row.from_stage) if row.from_stage else None,
        to_stage=Stage(row.to_stage),
        by=row.by,
        at=row.at,
        reason=row.reason,
        warnings=tuple(w for w in row.warnings.split("\n") if w),
        undoes=row.undoes_id,
    )


def moves_of(card_id: int) -> list[MoveRecord]:
    return [_move(row) for row in History.select().where(History.card == card_id).order_by(History.id)]


UNDOABLE = (Move.PROMOTE, Move.DEMOTE, Move.LOSE, Move.REOPEN)


def last_undoable_move(by: str) -> MoveRecord | None:
    """The newest move by ``by`` that is not yet undone (undoing twice walks further back)."""
    Undo = History.alias()
    already_undone = Undo.select(Undo.undoes).where(Undo.undoes.is_null(False))
    row = (
        History.select()
        .where(
            (History.by == by)
            & History.move.in_([m.value for m in UNDOABLE])
            & History.id.not_in(already_undone)
        )
        .order_by(History.id.desc())
        .first()
    )
    return _move(row) if row else None


def add_activity(card_id: int, kind: ActivityKind, summary: str, by: str, at: datetime) -> ActivityRecord:
    """Log an activity on the card and return it as recorded."""
    activity_id = Activity.insert(card=card_id, kind=kind.value, summary=summary, by=by, at=at).execute()
    # every activity keeps the card fresh; only an interaction (not a note or a task) builds the
    # relationship
    interaction = 1 if kind in INTERACTIONS else 0
    Card.update(last_activity_at=at, activity_count=Card.activity_count + interaction).where(
        Card.id == card_id
    ).execute()
    note_change(card_id, at)
    return ActivityRecord(int(activity_id), card_id, kind, summary, at, by)


def activities_of(card_id: int) -> list[ActivityRecord]:
    query = Activity.select().where(Activity.card == card_id).order_by(Activity.id)
    return [
        ActivityRecord(row.id, row.card_id, ActivityKind(row.kind), row.summary, row.at, row.by)
        for row in query
    ]
