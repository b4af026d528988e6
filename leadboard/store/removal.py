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
from leadboard.domain.history import EXTRA_PREFIX, PLANNED_PREFIX
from leadboard.domain.merging import MERGED_PREFIX
from leadboard.domain.stages import Stage
from leadboard.store import journal, visits
from leadboard.store.cards import (
    DELETED,
    ERASED,
    MERGED,
    ON_BOARD,
    RANK_STEP,
    _add_to_totals,
    _cents,
    activities_follow_owner,
    lock,
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
    who erased it and when, with no personal data.

    Merges are followed both ways. The cards merged into it (and into those) are the same person,
    and what could bring them back is this card's journal: they are erased with it. The cards any
    of them was merged into (a merge undone since, too), and the cards those were merged into
    later, lose all the merges brought from them (``_forget_merges``). False if it was erased
    already."""
    row = CardRow.get_or_none(CardRow.id == card_id)
    if row is None or row.stage == ERASED:
        return False
    erased = [card_id, *merged_into(card_id, all_along=True)]
    with _secure_delete():
        for each in erased:
            _erase(CardRow.get_by_id(each), by, at)
        for each in erased:  # its own merges first: what came down a chain through it is gone with them
            _forget_merges(each, by, at)
        if is_sqlite():
            # FTS5 keeps a deleted row's words in its segments until they are merged: merge them
            database.execute_sql("INSERT INTO card_search(card_search) VALUES ('optimize')")
            database.execute_sql("INSERT INTO card_phone_search(card_phone_search) VALUES ('optimize')")
        note_change(None, at)
    return True


def _erase(row: CardRow, by: str, at: datetime) -> None:
    """Erase the card of ``row``, leaving its id and an ``erasure`` entry."""
    card_id = row.id
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
    blank: dict[str, object] = dict.fromkeys(FIELD_NAMES)
    blank.update(name="", kind="person", stage=ERASED, owner=None, amount=0, lost_from=None, lost_reason=None,
                 last_activity_at=None, activity_count=0, warnings="", extra=None, source_id=None,
                 next_step_id=None, next_due=None, version=CardRow.version + 1, updated_at=at, updated_by=by)
    CardRow.update(blank).where(CardRow.id == card_id).execute()
    JournalEntry.insert(card=card_id, kind="erasure", by=by, at=at).execute()
    Change.delete().where(Change.card_id == card_id).execute()


#: what a merge's journal entry keeps once the merged card is erased: which card, and the ids of
#: the rows it moved (no personal data)
_MERGE_IDS = "merge."
#: the prefix of a merge entry's copy of the merged card's ``FINDABLE`` values (what its undo brings back)
_OTHER = "other."


def _merges_of(card_id: int) -> list[int]:
    """The merge entries that merged card ``card_id`` into another, oldest first."""
    return [entry_id for entry_id, in tuples(
        JournalField.select(JournalField.entry)
        .join(JournalEntry, on=(JournalField.entry == JournalEntry.id))
        .where((JournalEntry.kind == "merge") & (JournalField.field == _MERGE_IDS + "other")
               & (JournalField.new == str(card_id)))
        .order_by(JournalField.entry))]


def _standing_merge(card_id: int) -> int | None:
    """The merge entry that holds card ``card_id`` merged (its newest: the earlier were undone)."""
    merges = _merges_of(card_id)
    return merges[-1] if merges else None


def merged_into(card_id: int, all_along: bool = False) -> list[int]:
    """The cards standing merged into card ``card_id`` (an erasure of it erases them too); with
    ``all_along``, and those merged into them, and so on."""
    others = {int(text) for text, in tuples(
        JournalField.select(JournalField.new)
        .join(JournalEntry, on=(JournalField.entry == JournalEntry.id))
        .where((JournalEntry.card == card_id) & (JournalEntry.kind == "merge")
               & (JournalField.field == _MERGE_IDS + "other")))}
    merged = [other for other, in tuples(CardRow.select(CardRow.id).where(
        CardRow.id.in_(sorted(others)) & (CardRow.stage == MERGED)))] if others else []
    found = [other for other in merged if JournalEntry.get_by_id(_standing_merge(other)).card_id == card_id]
    if all_along:
        found += [deeper for other in list(found) for deeper in merged_into(other, all_along=True)]
    return found


@dataclass(frozen=True)
class _Carried:
    """What of an erased card's a merge handed on: field values (name -> text) and extras (name ->
    text, as the card that received them names them)."""

    fields: dict[str, str]
    extras: dict[str, str]

    def texts(self) -> set[str]:
        return {*self.fields.values(), *self.extras.values()}


def _forget_merges(card_id: int, by: str, at: datetime) -> None:
    """Card ``card_id`` is being erased: take off every card it was merged into all the merge
    brought from it (``_take_back``), and off every card those were merged into later what they
    handed on of it, and so along the chain of merges; the merges of card ``card_id`` and their
    undos keep only that a merge of it happened (and the ids it moved)."""
    merges = _merges_of(card_id)
    chain: list[tuple[int, _Carried | None]] = [(entry_id, None) for entry_id in merges]
    gone: list[Activity] = []  # its activities, which the cards it was merged into counted
    while chain:  # first in, first out: the merges of the card itself come first
        entry_id, carried = chain.pop(0)
        handed, keep_id = _take_back(entry_id, carried, gone, by, at)
        if handed.fields or handed.extras:
            chain += [(later, handed) for later in _merges_of(keep_id) if later > entry_id]
    undos = [undo.id for undo in JournalEntry.select(JournalEntry.id).where(JournalEntry.undoes.in_(merges))] \
        if merges else []
    for entries in (merges, undos):
        if entries:
            (JournalField.delete()
             .where(JournalField.entry.in_(entries) & ~JournalField.field.startswith(_MERGE_IDS)).execute())


def _take_back(entry_id: int, carried: _Carried | None, gone: list[Activity], by: str,
               at: datetime) -> tuple[_Carried, int]:
    """Undo for good what merge ``entry_id`` gave the kept card of the card being erased: all it
    brought when that card is the merged one (``carried`` None), else only the values ``carried``
    says the merged card held of it. The history, activities and planned steps it moved (and the
    activities those steps became since, with the journal entries about them) go wherever they
    are now; unless the merge was undone, the values it filled and the extras it added go off the
    kept card (each only while the kept card still holds it: a value changed since is the kept
    card's own), whether the kept card is on the board, deleted or merged on into another one. No
    journal entry of the kept card from the merge on keeps them (``_scrub_journal``). Returns what
    the merge handed the kept card of the erased card's (for the merges of the kept card since),
    and the kept card's id. ``gone`` gathers the erased card's activities as they are deleted."""
    fields = {f.field: f for f in JournalField.select().where(JournalField.entry == entry_id)}
    keep_id = JournalEntry.get_by_id(entry_id).card_id
    moved = {name: [int(i) for i in change.new.split(",")] for name in _DOSSIER
             if (change := fields.get(_MERGE_IDS + name)) is not None and change.new}
    if carried is None:
        gone += _remove_dossier(moved, at)
    else:
        _count_out(int(fields[_MERGE_IDS + "other"].new or 0), entry_id, moved.get("activities", []), gone)
    texts = carried.texts() if carried is not None else set()
    filled = {name: change for name, change in fields.items() if name in FIELD_NAMES and change.new is not None
              and (carried is None or carried.fields.get(name) == change.new)}
    came = _extras_came(fields.get("extra"), set(fields) & set(FIELD_NAMES))
    if carried is not None:
        came = {name: text for name, text in came.items() if text in texts}
    handed = _Carried({name: str(change.new) for name, change in filled.items()}, came)
    undo = JournalEntry.select(JournalEntry.id).where(JournalEntry.undoes == entry_id).order_by(JournalEntry.id).first()
    if undo is None:
        _give_back(keep_id, filled, came, by, at, last_activity=fields.get("last_activity_at") if carried is None
                   else None)
    # the kept card's entries since the merge; once it was undone, what the card holds is its own
    since = (JournalEntry.card == keep_id) & (JournalEntry.id >= entry_id)
    _scrub_journal(JournalEntry.select(JournalEntry.id).where(since if undo is None else since & (
        JournalEntry.id <= undo.id)), handed.fields, set(handed.extras.items()))
    if carried is not None:  # the merged card's copy of its values, in the merge and its undo
        _scrub_journal(JournalEntry.select(JournalEntry.id).where(
            (JournalEntry.id == entry_id) | (JournalEntry.undoes == entry_id)),
            carried.fields, set(carried.extras.items()), _OTHER)
    return (handed if undo is None else _Carried({}, {})), keep_id


def _give_back(keep_id: int, filled: dict[str, JournalField], came: dict[str, str], by: str, at: datetime,
               last_activity: JournalField | None) -> None:
    """Take off card ``keep_id`` the values a merge ``filled`` and the extras that ``came`` with it,
    each while the card still holds it; with ``last_activity``, its last activity time too while it
    is the merged card's. The card may be on the board, deleted or merged on into another."""
    lock(keep_id)
    row = CardRow.get_by_id(keep_id)
    if row.stage not in (*ON_BOARD, DELETED, MERGED):
        return
    # a removed kept card: as the undo of its removal would bring it back (what it cleared is in there)
    removed = _standing_removal(keep_id, row.stage)
    if row.stage not in ON_BOARD and "stage" not in removed:
        return  # pragma: no cover - every removal journals the stage it left
    keep = to_card(row.__data__ | {name: change.old for name, change in removed.items()})
    now = journal.state_of(keep)
    restored = {name: change.old for name, change in filled.items() if now[name] == change.new}
    values: dict[str, Any] = {name: journal.typed(name, text) for name, text in restored.items()}
    activity = last_activity
    if activity is not None and now["last_activity_at"] == activity.new:  # the other's, still
        values["last_activity_at"] = max((value for value in (journal.typed("last_activity_at", activity.old),
                                                              _latest_activity(keep_id)) if value is not None),
                                         default=None)
    set_aside = {MERGED_PREFIX + name: text for name, text in restored.items() if text is not None}
    extra = {name: text for name, text in keep.extra.items()
             if came.get(name) != text and set_aside.get(name) != text}
    if extra != keep.extra:
        values["extra"] = json.dumps(extra, ensure_ascii=False) if extra else None
    if removed:
        _rewrite_removed(keep, values, removed, row.stage)
    elif values and not update(keep, values, by, at):
        raise RuntimeError(f"card {keep_id} changed while it was locked")  # pragma: no cover


def _standing_removal(card_id: int, how: str) -> dict[str, JournalField]:
    """What took a removed card off the board, by field name: for a deleted card, the fields of
    its deletion (its newest); for a merged card, the ``other.<field>`` fields of the merge that
    holds it. Either is what an undo brings back, ``stage`` included. Empty for a card on the board."""
    if how == DELETED:
        entry = (JournalEntry.select(JournalEntry.id)
                 .where((JournalEntry.card == card_id) & (JournalEntry.kind == "delete"))
                 .order_by(JournalEntry.id.desc()).first())
        return {f.field: f for f in JournalField.select().where(JournalField.entry == entry)} if entry else {}
    if how == MERGED and (merge := _standing_merge(card_id)) is not None:
        return {f.field.removeprefix(_OTHER): f for f in JournalField.select().where(
            (JournalField.entry == merge) & JournalField.field.startswith(_OTHER))}
    return {}


def _rewrite_removed(card: Card, values: dict[str, Any], removed: dict[str, JournalField], how: str) -> None:
    """Write ``values`` over a removed card: a ``FINDABLE`` one into the entry of its removal (the
    undo brings it back from there), the others on its row."""
    held = {name: value for name, value in values.items() if name in FINDABLE}
    on_row = {name: value for name, value in values.items() if name not in FINDABLE}
    entry_id = next(iter(removed.values())).entry_id
    prefix = _OTHER if how == MERGED else ""
    for name, value in held.items():
        text = value if name == "extra" else (None if value is None else field_text(value))
        if name in removed and text is None:
            removed[name].delete_instance()
        elif name in removed:
            JournalField.update(old=text).where(JournalField.id == removed[name].id).execute()
        elif text is not None:
            JournalField.insert(entry=entry_id, field=prefix + name, old=text, new=None).execute()
    if on_row:
        amount = card_amount(card.fields() | {name: value for name, value in on_row.items() if name in FIELD_NAMES})
        CardRow.update(**on_row, amount=amount).where(CardRow.id == card.id).execute()


def _extras_came(extra: JournalField | None, filled: set[str]) -> dict[str, str]:
    """The extras a merge added to the kept card from the other (the other's own, and
    ``merged.<field>`` for its differing values): not the kept card's own values it set aside as
    ``merged.<field>`` for the fields it gave the other's value (``filled``)."""
    if extra is None or not extra.new:
        return {}
    before, after = json.loads(extra.old or "{}"), json.loads(extra.new)
    own = {MERGED_PREFIX + name for name in filled}
    return {name: text for name, text in after.items() if before.get(name) != text and name not in own}


def _remove_dossier(moved: dict[str, list[int]], at: datetime) -> list[Activity]:
    """Delete the history, activities and planned steps a merge moved (``move_dossier``'s ids),
    wherever they are now, with the activities those steps became and the journal entries about
    any of them; each card that held some gets its interaction count, last activity and next step
    again. Returns the activities deleted."""
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
    return logged


def _count_out(card_id: int, entry_id: int, moved: list[int], gone: list[Activity]) -> None:
    """Card ``card_id``, merged on by merge ``entry_id`` with its activities ``moved``, counted
    the erased card's activities among those (``gone``, deleted now): while that merge holds it,
    count them out of its interactions and last activity, as its undo would bring it back."""
    ids = set(moved)
    lost = [row for row in gone if row.id in ids]
    row = CardRow.get_or_none(CardRow.id == card_id)
    if not lost or row is None or row.stage != MERGED or _standing_merge(card_id) != entry_id:
        return
    interactions = sum(1 for activity in lost if ActivityKind(activity.kind) in INTERACTIONS)
    left = [activity.at for chunk in _chunks(sorted(ids)) for activity in
            Activity.select(Activity.at).where(Activity.id.in_(chunk))]
    CardRow.update(activity_count=max(row.activity_count - interactions, 0)).where(CardRow.id == card_id).execute()
    CardRow.update(last_activity_at=max(left, default=None)).where(
        (CardRow.id == card_id) & CardRow.last_activity_at.in_([activity.at for activity in lost])).execute()


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


def _scrub_journal(entries: pw.ModelSelect[JournalEntry], values: dict[str, str], extras: set[tuple[str, str]],
                   prefix: str = "") -> None:
    """Clear, in the journal ``entries``, every copy of the erased card's values: the old or new
    text of a field that is its value in ``values``, of a declared field (``extra.<name>``) that
    is its text in ``extras``, and the ``extras`` pairs from the JSON of a card's extras
    (``extra``); with ``prefix`` ``other.``, of a merged card's copy of those (``other.<field>``).
    A line left with neither side says nothing any more and goes."""
    cleared = [(prefix + name, text) for name, text in values.items()]
    cleared += [(prefix + EXTRA_PREFIX + name, text) for name, text in extras]
    for name, text in cleared:
        for side in (JournalField.old, JournalField.new):
            (JournalField.update({side: None})
             .where(JournalField.entry.in_(entries) & (JournalField.field == name) & (side == text)).execute())
    for line in JournalField.select().where(JournalField.entry.in_(entries) & (JournalField.field == prefix + "extra")):
        old, new = _without(line.old, extras), _without(line.new, extras)
        if (old, new) != (line.old, line.new):
            JournalField.update(old=old, new=new).where(JournalField.id == line.id).execute()
    JournalField.delete().where(JournalField.entry.in_(entries) & JournalField.old.is_null()
                                & JournalField.new.is_null()).execute()


def _without(text: str | None, extras: set[tuple[str, str]]) -> str | None:
    """A card's extras as JSON text, without the ``extras`` pairs."""
    if not text:
        return text
    kept = {name: value for name, value in json.loads(text).items() if (name, value) not in extras}
    return json.dumps(kept, ensure_ascii=False) if kept else None


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
