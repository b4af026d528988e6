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
from typing import Any, TypeVar

import peewee as pw

from leadboard.domain.card import FIELD_NAMES, INTERACTIONS, ActivityKind, Card, card_amount, field_text
from leadboard.domain.history import PLANNED_PREFIX
from leadboard.domain.merging import MERGED_PREFIX
from leadboard.domain.stages import Stage
from leadboard.store import journal, visits
from leadboard.store.cards import (
    DELETED,
    ERASED,
    ON_BOARD,
    RANK_STEP,
    _add_to_totals,
    _cents,
    activities_follow_owner,
    note_change,
    to_card,
    top_rank,
    update,
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
from leadboard.store.planned import refresh_next_step

T = TypeVar("T")

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
        _forget_merges(card_id, by, at)
        blank: dict[str, object] = dict.fromkeys(FIELD_NAMES)
        blank.update(name="", kind="person", stage=ERASED, owner=None, amount=0, lost_from=None, lost_reason=None,
                     last_activity_at=None, activity_count=0, warnings="", extra=None, source_id=None,
                     next_step_id=None, next_due=None, version=CardRow.version + 1, updated_at=at, updated_by=by)
        CardRow.update(blank).where(CardRow.id == card_id).execute()
        if is_sqlite():
            # FTS5 keeps a deleted row's words in its segments until they are merged: merge them
            database.execute_sql("INSERT INTO card_search(card_search) VALUES ('optimize')")
            database.execute_sql("INSERT INTO card_phone_search(card_phone_search) VALUES ('optimize')")
        JournalEntry.insert(card=card_id, kind="erasure", by=by, at=at).execute()
        Change.delete().where(Change.card_id == card_id).execute()
        note_change(None, at)
    return True


#: what a merge's journal entry keeps once the merged card is erased: which card, and the ids of
#: the rows it moved (no personal data)
_MERGE_IDS = "merge."


def _forget_merges(card_id: int, by: str, at: datetime) -> None:
    """Card ``card_id`` is being erased: take off every card it was merged into all the merge
    brought from it (``_take_back``), and its values out of the merges' journal entries and their
    undos, which keep only that a merge of card ``card_id`` happened (and the ids it moved)."""
    merges: list[int] = [entry_id for entry_id, in tuples(
        JournalField.select(JournalField.entry)
        .join(JournalEntry, on=(JournalField.entry == JournalEntry.id))
        .where((JournalEntry.kind == "merge") & (JournalField.field == _MERGE_IDS + "other")
               & (JournalField.new == str(card_id))))]
    for entry_id in merges:
        _take_back(entry_id, by, at)
    undos = [undo.id for undo in JournalEntry.select(JournalEntry.id).where(JournalEntry.undoes.in_(merges))] \
        if merges else []
    for entries in (merges, undos):
        if entries:
            (JournalField.delete()
             .where(JournalField.entry.in_(entries) & ~JournalField.field.startswith(_MERGE_IDS)).execute())


def _take_back(entry_id: int, by: str, at: datetime) -> None:
    """Undo for good what merge ``entry_id`` gave the kept card from the card being erased: the
    history, activities and planned steps it moved (and the activities those steps became since,
    with the journal entries about them), and, unless the merge was undone, the values it filled
    and the extras it added (each only while the kept card still holds it: a value changed since
    is the kept card's own; the old value such a change journaled is cleared)."""
    fields = {f.field: f for f in JournalField.select().where(JournalField.entry == entry_id)}
    keep_id = JournalEntry.get_by_id(entry_id).card_id
    _remove_dossier({name: [int(i) for i in change.new.split(",")] for name in _DOSSIER
                     if (change := fields.get(_MERGE_IDS + name)) is not None and change.new}, at)
    undone = JournalEntry.select().where(JournalEntry.undoes == entry_id).exists()
    row = CardRow.get_by_id(keep_id)
    if undone or row.stage not in (*ON_BOARD, DELETED):
        return
    # a deleted kept card: as its deletion's undo would bring it back (what it cleared is in there)
    deletion = _standing_deletion(keep_id) if row.stage == DELETED else {}
    if row.stage == DELETED and "stage" not in deletion:
        return  # pragma: no cover - every deletion journals the stage it left
    keep = to_card(row.__data__ | ({name: change.old for name, change in deletion.items()} if deletion else {}))
    now = journal.state_of(keep)
    filled = {name: change for name, change in fields.items() if name in FIELD_NAMES}
    restored = {name: change.old for name, change in filled.items() if now[name] == change.new}
    values: dict[str, Any] = {name: journal.typed(name, text) for name, text in restored.items()}
    activity = fields.get("last_activity_at")
    if activity is not None and now["last_activity_at"] == activity.new:  # the other's, still
        values["last_activity_at"] = max((value for value in (journal.typed("last_activity_at", activity.old),
                                                              _latest_activity(keep_id)) if value is not None),
                                         default=None)
    extra = _extras_taken_back(keep, fields.get("extra"), filled, restored)
    if extra != keep.extra:
        values["extra"] = json.dumps(extra, ensure_ascii=False) if extra else None
    if deletion:
        _rewrite_deleted(keep, values, deletion)
    elif values and not update(keep, values, by, at):
        raise RuntimeError(f"card {keep_id} changed while it was locked")  # pragma: no cover
    _clear_later_values(keep_id, entry_id, {name: change.new for name, change in filled.items()})


def _standing_deletion(card_id: int) -> dict[str, JournalField]:
    """The fields of the deletion that took card ``card_id`` off the board (its newest): what an
    undo brings back, ``stage`` included."""
    entry = (JournalEntry.select(JournalEntry.id)
             .where((JournalEntry.card == card_id) & (JournalEntry.kind == "delete"))
             .order_by(JournalEntry.id.desc()).first())
    return {f.field: f for f in JournalField.select().where(JournalField.entry == entry)} if entry else {}


def _rewrite_deleted(card: Card, values: dict[str, Any], deletion: dict[str, JournalField]) -> None:
    """Write ``values`` over a deleted card: a ``FINDABLE`` one into its deletion's entry (the undo
    brings it back from there), the others on its row."""
    held = {name: value for name, value in values.items() if name in FINDABLE}
    on_row = {name: value for name, value in values.items() if name not in FINDABLE}
    entry_id = next(iter(deletion.values())).entry_id
    for name, value in held.items():
        text = value if name == "extra" else (None if value is None else field_text(value))
        if name in deletion and text is None:
            deletion[name].delete_instance()
        elif name in deletion:
            JournalField.update(old=text).where(JournalField.id == deletion[name].id).execute()
        elif text is not None:
            JournalField.insert(entry=entry_id, field=name, old=text, new=None).execute()
    if on_row:
        amount = card_amount(card.fields() | {name: value for name, value in on_row.items() if name in FIELD_NAMES})
        CardRow.update(**on_row, amount=amount).where(CardRow.id == card.id).execute()


def _extras_taken_back(keep: Card, extra: JournalField | None, filled: dict[str, JournalField],
                       restored: dict[str, str | None]) -> dict[str, str]:
    """The kept card's extras without those the merge added from the other card (its own extras
    and ``merged.<field>`` for its differing values) that are still as the merge set them; a value
    of the kept card's own that the merge set aside as ``merged.<field>`` goes too once the field
    has it back."""
    came: dict[str, str] = {}
    if extra is not None and extra.new:
        before, after = json.loads(extra.old or "{}"), json.loads(extra.new)
        own = {MERGED_PREFIX + name for name in filled}
        came = {name: text for name, text in after.items() if before.get(name) != text and name not in own}
    set_aside = {MERGED_PREFIX + name: text for name, text in restored.items() if text is not None}
    return {name: text for name, text in keep.extra.items()
            if came.get(name) != text and set_aside.get(name) != text}


def _remove_dossier(moved: dict[str, list[int]], at: datetime) -> None:
    """Delete the history, activities and planned steps a merge moved (``move_dossier``'s ids),
    wherever they are now, with the activities those steps became and the journal entries about
    any of them; each card that held some gets its interaction count, last activity and next step
    again."""
    steps = _rows(PlannedActivity, moved.get("planned", []))
    logged = _rows(Activity, sorted(set(moved.get("activities", []))
                                    | {row.activity_id for row in steps if row.activity_id is not None}))
    history = moved.get("history", [])
    _remove_entries_about([row.id for row in steps], [row.id for row in logged])
    for ids in _chunks(history):
        History.update(undoes=None).where(History.undoes.in_(ids)).execute()
        JournalEntry.update(move=None).where(JournalEntry.move.in_(ids)).execute()
    for table, ids in ((Activity, [row.id for row in logged]), (PlannedActivity, [row.id for row in steps]),
                       (History, history)):
        for chunk in _chunks(ids):
            table.delete().where(table.id.in_(chunk)).execute()
    for card_id in sorted({row.card_id for row in (*steps, *logged)}):
        gone = [row for row in logged if row.card_id == card_id]
        interactions = sum(1 for row in gone if ActivityKind(row.kind) in INTERACTIONS)
        count = CardRow.select(CardRow.activity_count).where(CardRow.id == card_id).scalar() or 0
        CardRow.update(activity_count=max(count - interactions, 0)).where(CardRow.id == card_id).execute()
        if gone:
            CardRow.update(last_activity_at=_latest_activity(card_id)).where(
                (CardRow.id == card_id) & CardRow.last_activity_at.in_([row.at for row in gone])).execute()
        refresh_next_step(card_id, at)  # tells open boards too


def _latest_activity(card_id: int) -> datetime | None:
    row = Activity.select(Activity.at).where(Activity.card == card_id).order_by(Activity.at.desc()).first()
    return row.at if row else None


def _remove_entries_about(step_ids: list[int], activity_ids: list[int]) -> None:
    """Delete the journal entries that planned, changed or undid a change of these planned steps
    or activities (their fields hold the steps' and activities' text)."""
    entries: set[int] = set()
    for texts in _chunks([str(step_id) for step_id in step_ids]):
        entries.update(entry_id for entry_id, in tuples(
            JournalField.select(JournalField.entry)
            .where((JournalField.field == PLANNED_PREFIX + "id")
                   & (JournalField.old.in_(texts) | JournalField.new.in_(texts)))))
    for ids in _chunks(activity_ids):
        entries.update(entry_id for entry_id, in tuples(
            JournalEntry.select(JournalEntry.id).where(JournalEntry.activity_id.in_(ids))))
    for ids in _chunks(sorted(entries)):
        JournalEntry.update(undoes=None).where(JournalEntry.undoes.in_(ids)).execute()
        JournalField.delete().where(JournalField.entry.in_(ids)).execute()
        JournalEntry.delete().where(JournalEntry.id.in_(ids)).execute()


def _clear_later_values(card_id: int, entry_id: int, values: dict[str, str | None]) -> None:
    """Clear, in the card's journal entries after ``entry_id``, each old or new value of a field
    that is the value ``values`` names for it (what an edit since the merge journaled of the
    erased card's value)."""
    later = JournalEntry.select(JournalEntry.id).where((JournalEntry.card == card_id) & (JournalEntry.id > entry_id))
    for name, text in values.items():
        if text is None:
            continue
        for side in (JournalField.old, JournalField.new):
            (JournalField.update({side: None})
             .where(JournalField.entry.in_(later) & (JournalField.field == name) & (side == text)).execute())


def _rows(table: type[Activity] | type[PlannedActivity], ids: list[int]) -> list[Any]:
    return [row for chunk in _chunks(ids) for row in table.select().where(table.id.in_(chunk))]


def _chunks(items: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


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
