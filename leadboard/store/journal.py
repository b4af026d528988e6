"""The append-only record of a card's life: its moves (history), its activities, and the change
journal, where every change a person makes is an entry with the old and new value of each field it
touched. From the journal a card's fields can be read as they stood at any time (``as_of``)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import peewee as pw

from leadboard.domain.card import (
    BOOL_FIELDS,
    DATE_FIELDS,
    FIELD_NAMES,
    INTERACTIONS,
    MONEY_FIELDS,
    ActivityKind,
    field_text,
)
from leadboard.domain.card import Card as CardValue
from leadboard.domain.history import (
    ACTIVITY_PREFIX,
    ActivityRecord,
    ChangeKind,
    ChangeRecord,
    FieldChange,
    MoveRecord,
)
from leadboard.domain.stages import Move, Stage
from leadboard.store import visits
from leadboard.store.cards import note_change
from leadboard.store.db import database_role
from leadboard.store.models import Activity, Card, History, JournalEntry, JournalField, tuples


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
    if move is Move.UNDO and undoes is not None:
        visits.undone(card_id, undoes)
    else:
        visits.moved(int(move_id), card_id, from_stage.value if from_stage else None, to_stage.value, at)
    return MoveRecord(int(move_id), card_id, move, from_stage, to_stage, by, at, reason, warnings, undoes,
                      database_role())


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
        database_role=row.database_role,
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


#: the card columns logging an activity changes (journaled with it)
ACTIVITY_COLUMNS = ("activity_count", "last_activity_at")


def add_activity(card_id: int, kind: ActivityKind, summary: str, by: str, at: datetime) -> ActivityRecord:
    """Log an activity on the card and return it as recorded."""
    ((owner,),) = tuples(Card.select(Card.owner).where(Card.id == card_id))
    activity_id = Activity.insert(card=card_id, kind=kind.value, summary=summary, by=by, at=at,
                                  owner=owner).execute()
    # every activity keeps the card fresh; only an interaction (not a note or a task) builds the
    # relationship
    interaction = 1 if kind in INTERACTIONS else 0
    Card.update(last_activity_at=at, activity_count=Card.activity_count + interaction).where(
        Card.id == card_id
    ).execute()
    note_change(card_id, at)
    return ActivityRecord(int(activity_id), card_id, kind, summary, at, by, database_role())


def activities_of(card_id: int) -> list[ActivityRecord]:
    query = Activity.select().where(Activity.card == card_id).order_by(Activity.id)
    return [
        ActivityRecord(row.id, row.card_id, ActivityKind(row.kind), row.summary, row.at, row.by, row.database_role)
        for row in query
    ]


def remove_activity(activity_id: int) -> None:
    """Take back a logged activity (only an undo does this; the journal keeps what it was)."""
    Activity.delete().where(Activity.id == activity_id).execute()


def restore_activity(activity_id: int, changes: Iterable[FieldChange]) -> None:
    """Write back the old values of an activity's columns (``activity.<column>`` changes)."""
    fields = Activity._meta.fields
    values = {fields[name]: change.old for change in changes
              if (name := change.field.removeprefix(ACTIVITY_PREFIX)) in fields}
    if values:
        Activity.update(values).where(Activity.id == activity_id).execute()


# ---- the change journal ----------------------------------------------------------------------

#: the card's columns the journal follows: every field a person types, and where the card stands
TRACKED: tuple[str, ...] = (*FIELD_NAMES, "stage", "lost_from", "lost_reason", "warnings",
                            "activity_count", "last_activity_at")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return field_text(value)


def state_of(card: CardValue) -> dict[str, str | None]:
    """The card's tracked columns as the journal writes them."""
    return {name: _text(getattr(card, name)) for name in TRACKED}


def typed(field: str, text: str | None) -> Any:
    """A journal text back as the card's column holds it."""
    if text is None:
        return None
    if field in DATE_FIELDS:
        return date.fromisoformat(text)
    if field in MONEY_FIELDS:
        return Decimal(text)
    if field in BOOL_FIELDS:
        return text == "yes"
    if field == "activity_count":
        return int(text)
    if field == "last_activity_at":
        return datetime.fromisoformat(text)
    return text


def record_change(kind: ChangeKind, before: CardValue, after: CardValue, by: str, at: datetime,
                  columns: Iterable[str], *, move_id: int | None = None, activity_id: int | None = None,
                  undoes: int | None = None, extra: Iterable[FieldChange] = ()) -> int:
    """Journal one change (inside the transaction that made it): each of the ``columns`` it wrote
    whose value differs between ``before`` and ``after``, plus ``extra`` (an activity's fields).
    Only the columns written: a colleague's activity logged meanwhile (it bumps no version) is not
    this change's to record, nor to take back. Returns the entry id."""
    entry_id = int(JournalEntry.insert(card=before.id, kind=kind.value, by=by, at=at, move=move_id,
                                       activity_id=activity_id, undoes=undoes).execute())
    old, new = state_of(before), state_of(after)
    written = set(columns)
    rows = [(entry_id, name, old[name], new[name]) for name in TRACKED
            if name in written and old[name] != new[name]]
    rows += [(entry_id, c.field, c.old, c.new) for c in extra]
    if rows:
        JournalField.insert_many(
            rows, fields=[JournalField.entry, JournalField.field, JournalField.old, JournalField.new]
        ).execute()
    return entry_id


def _records(query: pw.ModelSelect[JournalEntry]) -> list[ChangeRecord]:
    entries = list(query)
    if not entries:
        return []
    ids = [entry.id for entry in entries]
    changes: dict[int, list[FieldChange]] = {}
    for row in JournalField.select().where(JournalField.entry.in_(ids)).order_by(JournalField.id):
        changes.setdefault(row.entry_id, []).append(FieldChange(row.field, row.old, row.new))
    Undo = JournalEntry.alias()
    undone = {undoes: undo_id for undo_id, undoes in
              tuples(Undo.select(Undo.id, Undo.undoes).where(Undo.undoes.in_(ids)))}
    move_ids = [entry.move_id for entry in entries if entry.move_id is not None]
    moves = {row.id: _move(row) for row in History.select().where(History.id.in_(move_ids))} if move_ids else {}
    return [
        ChangeRecord(
            id=entry.id, card_id=entry.card_id, kind=ChangeKind(entry.kind), by=entry.by, at=entry.at,
            changes=tuple(changes.get(entry.id, ())),
            move=moves.get(entry.move_id) if entry.move_id is not None else None,
            activity_id=entry.activity_id, undoes=entry.undoes_id, undone_by=undone.get(entry.id),
        )
        for entry in entries
    ]


def change(entry_id: int) -> ChangeRecord | None:
    found = _records(JournalEntry.select().where(JournalEntry.id == entry_id))
    return found[0] if found else None


def changes_of(card_id: int) -> list[ChangeRecord]:
    """The card's journal, oldest first."""
    return _records(JournalEntry.select().where(JournalEntry.card == card_id).order_by(JournalEntry.id))


def changes_after(card_id: int, entry_id: int) -> list[ChangeRecord]:
    """The card's entries after ``entry_id``, oldest first."""
    return _records(JournalEntry.select()
                    .where((JournalEntry.card == card_id) & (JournalEntry.id > entry_id))
                    .order_by(JournalEntry.id))


def changes_by(by: str, limit: int, within: Collection[int] | None = None,
               undoable_only: bool = False) -> list[ChangeRecord]:
    """``by``'s newest entries, newest first (only those among ``within`` when it is given; only
    those that can still be undone, neither undos nor undone, with ``undoable_only``)."""
    where = JournalEntry.by == by
    if within is not None:
        if not within:
            return []
        where &= JournalEntry.id.in_(list(within))
    if undoable_only:
        Undo = JournalEntry.alias()
        where &= JournalEntry.kind.not_in([ChangeKind.UNDO.value, ChangeKind.ERASURE.value]) & ~pw.fn.EXISTS(
            Undo.select(Undo.id).where(Undo.undoes == JournalEntry.id))
    return _records(JournalEntry.select().where(where).order_by(JournalEntry.id.desc()).limit(limit))


def as_of(card_id: int, at: datetime) -> dict[str, Any] | None:
    """The card's fields (``FIELD_NAMES``) and ``stage`` as they stood at ``at``; None when the card
    did not exist yet (or does not exist). Read back from today's card through every journal entry
    made after ``at``, newest first; the stage comes from the history of moves."""
    row = Card.get_or_none(Card.id == card_id)
    if row is None or row.created_at > at or row.stage not in _ON_BOARD:  # not a removed card
        return None
    from leadboard.store.cards import to_card

    values = state_of(to_card(row))
    later = (JournalField.select(JournalField.field, JournalField.old)
             .join(JournalEntry, on=(JournalField.entry == JournalEntry.id))
             .where((JournalEntry.card == card_id) & (JournalEntry.at > at))
             .order_by(JournalEntry.id.desc(), JournalField.id.desc()))
    for field, old in tuples(later):
        if field in values:
            values[field] = old
    result: dict[str, Any] = {name: typed(name, values[name]) for name in FIELD_NAMES}
    last_move = (History.select(History.to_stage)
                 .where((History.card == card_id) & (History.at <= at))
                 .order_by(History.id.desc()).first())
    result["stage"] = Stage(last_move.to_stage if last_move else values["stage"] or Stage.CONTACT)
    return result


_ON_BOARD = frozenset(stage.value for stage in Stage)


def restore(entry: ChangeRecord) -> dict[str, Any]:
    """The card column values from before ``entry`` (what undoing it writes back)."""
    return {c.field: typed(c.field, c.old) for c in entry.changes if c.field in TRACKED}


def activity_changes(entry: ChangeRecord) -> list[FieldChange]:
    return [c for c in entry.changes if c.field.startswith(ACTIVITY_PREFIX)]
