"""Taking a card off the board: deleting it (the journal can bring it back) and erasing what is
known of a person for good (a data-protection erasure request). Call inside a transaction.

A removed card keeps its row, its id and everything hanging off it; only its ``stage`` becomes
``DELETED`` (or ``ERASED``) and the columns anything finds it by are cleared. Every query of the
board names a stage, so none of them changes, none pays for a filter, and PostgreSQL's planner
keeps choosing the indexes it chose before (a ``deleted_at IS NULL`` filter made it drop the
trigram index for search). The cleared values are kept in the deletion's journal entry, which is
what an undo writes back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from leadboard.domain.card import FIELD_NAMES, Card
from leadboard.domain.merging import MERGED_PREFIX
from leadboard.domain.stages import Stage
from leadboard.store import visits
from leadboard.store.cards import (
    DELETED,
    ERASED,
    ON_BOARD,
    RANK_STEP,
    _add_to_totals,
    _cents,
    activities_follow_owner,
    note_change,
    top_rank,
)
from leadboard.store.db import database, is_sqlite
from leadboard.store.models import (
    Activity,
    Change,
    History,
    JournalEntry,
    JournalField,
    PlannedActivity,
    StageVisit,
    tuples,
)
from leadboard.store.models import Card as CardRow

#: what a deleted card gives up: the columns search, import look-ups and export find it by
FINDABLE: tuple[str, ...] = ("name", "company", "email", "phone", "extra", "source_id")
#: the state of a deleted card's open planned steps (off the Today view until it comes back)
SET_ASIDE = "set-aside"
_OPEN = "planned"


@dataclass(frozen=True)
class Removal:
    """How a card left the board (``DELETED``, ``MERGED`` or ``ERASED``), by whom, when."""

    card_id: int
    how: str
    by: str
    at: datetime


def removal(card_id: int) -> Removal | None:
    """How the card left the board; None when it is on it, or never was."""
    row = (CardRow.select(CardRow.stage, CardRow.updated_by, CardRow.updated_at)
           .where(CardRow.id == card_id).first())
    if row is None or row.stage in ON_BOARD:
        return None
    return Removal(card_id, row.stage, row.updated_by, row.updated_at)


def findable_text(card: Card) -> dict[str, str | None]:
    """The card's ``FINDABLE`` columns as text (the journal keeps them for an undo)."""
    return {"name": card.name, "company": card.company, "email": card.email, "phone": card.phone,
            "extra": json.dumps(card.extra, ensure_ascii=False) if card.extra else None,
            "source_id": card.source_id}


def delete(card: Card, by: str, at: datetime, how: str = DELETED) -> bool:
    """Take ``card`` (as read: its version is the guard) off the board, ``DELETED`` or ``MERGED``;
    False if somebody changed it since it was read."""
    updated = (
        CardRow.update(stage=how, name="", company=None, email=None, phone=None, extra=None, source_id=None,
                       version=CardRow.version + 1, updated_at=at, updated_by=by)
        .where((CardRow.id == card.id) & (CardRow.version == card.version))
        .execute()
    )
    if not updated:
        return False
    _add_to_totals(card.stage.value, card.owner, -1, -_cents(card.amount))
    PlannedActivity.update(state=SET_ASIDE).where(
        (PlannedActivity.card == card.id) & (PlannedActivity.state == _OPEN)).execute()
    # the reports read the stage visits: a deleted card was never in the funnel (its history, from
    # which an undo rebuilds them, stays)
    StageVisit.delete().where(StageVisit.card == card.id).execute()
    note_change(None, at)  # every open board reloads: the card leaves its column
    return True


def bring_back(card_id: int, stage: str, findable: dict[str, str | None], by: str, at: datetime,
               how: str = DELETED) -> bool:
    """Put a card removed ``how`` back at the top of ``stage`` with its ``FINDABLE`` values; False
    if it is not removed so (any more)."""
    updated = (
        CardRow.update(stage=stage, rank=top_rank(Stage(stage)) - RANK_STEP, version=CardRow.version + 1,
                       updated_at=at, updated_by=by, **findable)
        .where((CardRow.id == card_id) & (CardRow.stage == how))
        .execute()
    )
    if not updated:
        return False
    row = CardRow.get_by_id(card_id)
    _add_to_totals(stage, row.owner, 1, _cents(row.amount))
    PlannedActivity.update(state=_OPEN).where(
        (PlannedActivity.card == card_id) & (PlannedActivity.state == SET_ASIDE)).execute()
    visits.rebuild([card_id])
    note_change(None, at)
    return True


#: what a merge moves from one card to the other, by name (the journal lists the ids moved)
_DOSSIER: dict[str, type[History] | type[Activity] | type[PlannedActivity]] = {
    "history": History, "activities": Activity, "planned": PlannedActivity}
_CHUNK = 500


def move_dossier(from_id: int, to_id: int) -> dict[str, list[int]]:
    """Give card ``from_id``'s history, activities and planned steps to card ``to_id``; returns the
    ids moved, by kind (what ``move_back`` needs to undo it)."""
    moved: dict[str, list[int]] = {}
    for name, table in _DOSSIER.items():
        moved[name] = [row.id for row in table.select(table.id).where(table.card == from_id)]
        table.update(card=to_id).where(table.card == from_id).execute()
    activities_follow_owner([to_id])
    return moved


def move_back(moved: dict[str, list[int]], to_id: int) -> None:
    """Give the rows ``move_dossier`` moved back to card ``to_id``."""
    for name, table in _DOSSIER.items():
        ids = moved.get(name, [])
        for start in range(0, len(ids), _CHUNK):
            table.update(card=to_id).where(table.id.in_(ids[start:start + _CHUNK])).execute()
    activities_follow_owner([to_id])


def erase(card_id: int, by: str, at: datetime) -> bool:
    """Remove everything known of the person on card ``card_id`` for good: its fields, history
    text, journal, activities, planned steps and stage visits (on SQLite with ``secure_delete``,
    so the freed pages are overwritten, and the search index's segments rewritten without them).
    What is left is the card's id as an ``ERASED`` row and one ``erasure`` journal entry saying
    who erased it and when, with no personal data. A card it was merged into loses the extras the
    merge copied from it, and the merge's journal entry its copy of the card's fields
    (``_forget_merges``). False if it was erased already."""
    row = CardRow.get_or_none(CardRow.id == card_id)
    if row is None or row.stage == ERASED:
        return False
    with _secure_delete():
        if row.stage in ON_BOARD:
            _add_to_totals(row.stage, row.owner, -1, -_cents(row.amount))
        _forget_merges(card_id, by, at)
        entries = JournalEntry.select(JournalEntry.id).where(JournalEntry.card == card_id)
        JournalField.delete().where(JournalField.entry.in_(entries)).execute()
        # an undo's entry points at the entry it undid: clear those links before the rows go
        JournalEntry.update(undoes=None, move=None).where(JournalEntry.card == card_id).execute()
        JournalEntry.delete().where(JournalEntry.card == card_id).execute()
        StageVisit.delete().where(StageVisit.card == card_id).execute()
        History.update(undoes=None).where(History.card == card_id).execute()
        History.delete().where(History.card == card_id).execute()
        Activity.delete().where(Activity.card == card_id).execute()
        PlannedActivity.delete().where(PlannedActivity.card == card_id).execute()
        blank: dict[str, object] = dict.fromkeys(FIELD_NAMES)
        blank.update(name="", kind="person", stage=ERASED, owner=None, amount=0, lost_from=None, lost_reason=None,
                     last_activity_at=None, activity_count=0, warnings="", extra=None, source_id=None,
                     next_step_id=None, next_due=None, version=CardRow.version + 1, updated_at=at, updated_by=by)
        CardRow.update(blank).where(CardRow.id == card_id).execute()
        if is_sqlite():
            # FTS5 keeps a deleted row's words in its segments until they are merged: merge them
            database.execute_sql("INSERT INTO card_search(card_search) VALUES ('optimize')")
        JournalEntry.insert(card=card_id, kind="erasure", by=by, at=at).execute()
        Change.delete().where(Change.card_id == card_id).execute()
        note_change(None, at)
    return True


#: what a merge's journal entry keeps once the merged card is erased: which card, and the ids of
#: the rows it moved (no personal data)
_MERGE_IDS = "merge."


def _forget_merges(card_id: int, by: str, at: datetime) -> None:
    """Card ``card_id`` is being erased: take its values off every card it was merged into (the
    extras the merge added from it: its own, and ``merged.<field>`` for its differing values,
    unless a later change replaced them) and out of the merges' journal entries and their undos,
    which keep only that a merge of card ``card_id`` happened."""
    merges: list[int] = [entry_id for entry_id, in tuples(
        JournalField.select(JournalField.entry)
        .join(JournalEntry, on=(JournalField.entry == JournalEntry.id))
        .where((JournalEntry.kind == "merge") & (JournalField.field == _MERGE_IDS + "other")
               & (JournalField.new == str(card_id))))]
    for entry_id in merges:
        fields = {f.field: f for f in JournalField.select().where(JournalField.entry == entry_id)}
        keep_id = JournalEntry.get_by_id(entry_id).card_id
        extra = fields.get("extra")
        if extra is not None and extra.new:
            before, after = json.loads(extra.old or "{}"), json.loads(extra.new)
            # a field the kept card took from the other kept the kept card's own value as merged.<field>
            own = {MERGED_PREFIX + name for name in fields if name in FIELD_NAMES}
            came = {name: text for name, text in after.items() if before.get(name) != text and name not in own}
            kept = CardRow.get_by_id(keep_id)
            now = json.loads(kept.extra) if kept.extra else {}
            left = {name: text for name, text in now.items() if came.get(name) != text}
            if left != now:
                (CardRow.update(extra=json.dumps(left, ensure_ascii=False) if left else None,
                                version=CardRow.version + 1, updated_at=at, updated_by=by)
                 .where(CardRow.id == keep_id).execute())
                note_change(keep_id, at)
    undos = [undo.id for undo in JournalEntry.select(JournalEntry.id).where(JournalEntry.undoes.in_(merges))] \
        if merges else []
    for entries in (merges, undos):
        if entries:
            (JournalField.delete()
             .where(JournalField.entry.in_(entries) & ~JournalField.field.startswith(_MERGE_IDS)).execute())


@contextmanager
def _secure_delete() -> Iterator[None]:
    """SQLite overwrites what this connection deletes meanwhile, instead of leaving it in free pages."""
    if not is_sqlite():
        yield
        return
    before = database.execute_sql("PRAGMA secure_delete").fetchone()[0]
    database.execute_sql("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        database.execute_sql(f"PRAGMA secure_delete = {int(before)}")


def checkpoint() -> None:
    """After an erasure (SQLite): copy the write-ahead log back and empty it, so the erased rows'
    old pages do not linger in it. Best effort: a reader holding an old snapshot keeps it busy."""
    if is_sqlite():
        with suppress(pw.OperationalError):
            database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
