"""The one decision step of an import: read rows in, a plan of what becomes of each out. Before it,
``survey`` decides from a first pass over the rows what a run needs settled before it plans any
(stage values nothing places, date columns whose order no value decides) and the owners named.

``rows.RowReader`` turns each row into a card placed at its stage (``Placed``: its columns, extras,
values kept as text, gate warnings, the date it entered its stage, its history and activities), a
``Rejected`` row, or None for a blank one. ``Planner.plan`` takes a run of those and decides which
card each placed row is: a new card, an update of a card the board already has (``--update``), a
duplicate skipped, or nothing new; a row whose update its card's fields refuse is rejected. The
``Plan`` says all that, and its ``Tally`` is what a summary counts. The dry run prints the tallies
of its plans; the real run hands each plan to the writer (``importer._Run``), which writes exactly
what the plan says and counts the same tally: the two runs cannot count differently because they
count the same objects.

Why the plan is given its reads rather than making them: the step must stay pure (no database, no
files) so that it is testable on plain rows, and so that the only difference between the two runs
is the last step. What the plan needs from the board is which stored card a row's keys (source
id, email, or name and company) name, and, to decide an update, that card's fields; ``plan`` takes
those as two functions (``look_up`` and ``read``). The real run calls it inside the transaction that
writes the plan, a step of rows at a time, so the look-ups see every card written before, its own
included, and a colleague's card made meanwhile. A dry run writes nothing, so its planner
``remembers`` the cards it planned (and the updates it planned to stored ones) and looks there after
the board: a row of batch 7 that repeats a row of batch 2 is the same duplicate in both runs.

An update may change what its card is found by (a row found by its source id brings a new email):
the planner then finds the card by its new keys, and no longer by the old ones, from the next row
on, as the look-ups of the real run find it once the update is written. The real run needs that
only within one plan; a dry run remembers it for the whole file.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from leadboard.domain.card import FIELD_NAMES, Card, validate_fields
from leadboard.domain.errors import InvalidInput
from leadboard.domain.values import DateColumn, DateOrder
from leadboard.service.transfer.columns import DEAL_STATUS, STAGE
from leadboard.service.transfer.reading import Record
from leadboard.service.transfer.rows import Placed, Rejected, RowReader, look_up_keys


@dataclass
class Tally:
    """What a plan does, as a summary counts it (and a run records with each commit)."""

    imported: int = 0
    #: imported below the stage their source gave them (enforce_gates)
    placed_lower: int = 0
    updated: int = 0
    #: duplicates skipped, and duplicates an update found nothing new in
    skipped: int = 0
    rejected: int = 0
    blank: int = 0
    #: imported cards kept at their stage although they fail gate rules (recorded as warnings)
    with_warnings: int = 0
    #: imported cards whose move into their stage the file dates (won, lost or converted then)
    dated: int = 0
    #: rule id -> cards it held back (enforce_gates)
    blocked_by: Counter[str] = field(default_factory=Counter)
    #: rule id -> imported cards that carry it as an accepted warning
    warned: Counter[str] = field(default_factory=Counter)
    #: column -> values of imported cards that could not be read into its field, kept as text
    kept_as_text: Counter[str] = field(default_factory=Counter)
    #: stage -> cards imported there
    stages: Counter[str] = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        for name in ("imported", "placed_lower", "updated", "skipped", "rejected", "blank", "with_warnings",
                     "dated"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.blocked_by.update(other.blocked_by)
        self.warned.update(other.warned)
        self.kept_as_text.update(other.kept_as_text)
        self.stages.update(other.stages)

    def count_new(self, item: Placed) -> None:
        self.imported += 1
        if item.placed_lower:
            self.placed_lower += 1
            self.blocked_by.update(item.blocked_by)
        if item.warned:
            self.with_warnings += 1
            self.warned.update(item.warned)
        if item.kept:
            self.kept_as_text.update(item.kept)
        if item.entered is not None:
            self.dated += 1
        self.stages[item.stage] += 1


class Standing:
    """A card a row may turn out to be, as the plan knows it: one the board has (``card_id``), or one
    this run plans from an earlier row (``row``, that row's number). Its fields are read only when
    an update needs them, and change with each update planned to it. A planned card keeps only its
    fields' stored values, not the whole row: a dry run with ``--update`` remembers every card it
    plans."""

    __slots__ = ("_fields", "_planned", "_read", "card_id", "extra", "line", "row", "source_id")

    def __init__(self, card_id: int | None = None, row: int | None = None, item: Placed | None = None,
                 read: Callable[[int], Card | None] | None = None):
        self.card_id = card_id
        self.row = row
        #: the file's line the planned card comes from (a reject names it)
        self.line = item.line if item is not None else None
        self._read = read
        self._fields: dict[str, Any] | None = None
        self.extra: dict[str, str] = {}
        self.source_id: str | None = None
        #: (its fields' values as stored, its extras as stored) until they are read
        self._planned: tuple[tuple[Any, ...], str | None] | None = None
        if item is not None:
            values = item.values
            self._planned = (tuple(values[name] for name in FIELD_NAMES), values["extra"])
            self.source_id = values["source_id"]

    def fields(self) -> dict[str, Any] | None:
        """The card's fields (None: the board has no such card any more)."""
        if self._fields is None:
            if self._planned is not None:  # as the writer will store it
                stored, extra = self._planned
                self._fields = validate_fields(dict(zip(FIELD_NAMES, stored, strict=True))).model_dump()
                self.extra = json.loads(extra) if extra else {}
                self._planned = None
            elif self._read is not None and self.card_id is not None:
                card = self._read(self.card_id)
                if card is None:
                    return None
                self._fields, self.extra, self.source_id = card.fields(), dict(card.extra), card.source_id
        return self._fields

    def changed(self, fields: dict[str, Any], extra: dict[str, str], source_id: str | None) -> None:
        self._fields, self.extra, self.source_id = fields, extra, source_id


#: what a planned card stands for when nothing will ever read its fields (no ``--update``)
_PLANNED = Standing()


class CardIndex:
    """Which card (or earlier row) a row is: by its source id first; else its email decides; name
    and company only when neither has an email (so two people of one name with different emails
    stay two cards)."""

    __slots__ = ("email", "name", "source")

    def __init__(self, source: dict[str, Any] | None = None, email: dict[str, Any] | None = None,
                 name: dict[tuple[str, str], Any] | None = None) -> None:
        self.source: dict[str, Any] = source or {}
        self.email: dict[str, Any] = email or {}
        self.name: dict[tuple[str, str], Any] = name or {}

    def find(self, item: Placed) -> Any:
        if item.source_key:
            found = self.source.get(item.source_key)
            if found is not None:
                return found
        if item.email_key:
            return self.email.get(item.email_key)
        if item.name_key:
            return self.name.get(item.name_key)
        return None

    def add(self, item: Placed, value: Any) -> None:
        if item.source_key:
            self.source.setdefault(item.source_key, value)
        if item.email_key:
            self.email.setdefault(item.email_key, value)
        if item.name_key:
            self.name.setdefault(item.name_key, value)


#: what a card is found by: (``CardIndex`` attribute, key) for its source id, email, name and company
Keys = tuple[tuple[str, Any], ...]
#: (``CardIndex`` attribute, key) -> the stored card a planned update took that key from
Taken = dict[tuple[str, Any], int]


def _card_keys(fields: dict[str, Any], source_id: str | None) -> Keys:
    email, name = look_up_keys(fields["name"], fields.get("company"), fields.get("email"))
    return ("source", source_id), ("email", email), ("name", name)


@dataclass(frozen=True)
class Update:
    """A row that is a card already there or planned: its card's new fields (with ``extra`` as JSON
    and ``source_id`` when they change), written as an edit."""

    item: Placed
    target: Standing
    values: dict[str, Any]
    #: what the card is found by once updated (when the update changes that), as ``_card_keys``
    keys: Keys = ()


@dataclass
class Plan:
    """What becomes of a run of rows: the cards to make (in row order), the updates (in row order,
    after them), the rows rejected (in row order, as they were), and the tally of it all."""

    new: list[Placed] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)


#: the stored cards a run of placed rows may be: an index whose values are card ids
LookUp = Callable[[list[Placed]], CardIndex]
#: a stored card by id (None: not on the board)
Read = Callable[[int], Card | None]


class Planner:
    """Plans the rows of one import, a run of rows at a time (see the module's docstring)."""

    def __init__(self, update: bool, remember: bool = False):
        self.update = update
        #: a dry run's cards planned by earlier runs of rows, and stored cards it planned to change
        self.remember = remember
        self._planned = CardIndex()
        self._changed: dict[int, Standing] = {}
        #: (kind, key) -> the stored card a planned update took that key from
        self._taken: Taken = {}

    def plan(self, items: Iterable[Placed | Rejected | None], look_up: LookUp, read: Read) -> Plan:
        items = list(items)
        plan = Plan()
        tally = plan.tally
        stored = look_up([item for item in items if isinstance(item, Placed)])
        standings: dict[int, Standing] = self._changed if self.remember else {}
        in_plan = self._planned if self.remember else CardIndex()
        taken = self._taken if self.remember else {}
        for item in items:
            if item is None:
                tally.blank += 1
                continue
            if isinstance(item, Rejected):
                plan.rejected.append(item)
                tally.rejected += 1
                continue
            found = _find(item, stored, in_plan, taken)
            if found is None:
                plan.new.append(item)
                tally.count_new(item)
                in_plan.add(item, Standing(row=item.number, item=item) if self.update else _PLANNED)
            elif not self.update:
                tally.skipped += 1
            else:
                if isinstance(found, int):  # a stored card: as this run has planned it so far
                    card_id = found
                    found = standings.get(card_id)
                    if found is None:
                        found = standings[card_id] = Standing(card_id=card_id, read=read)
                keys = self._plan_update(item, found, plan)
                if keys is not None:
                    _rekey(found, keys, in_plan, taken)
        return plan

    def _plan_update(self, item: Placed, target: Standing, plan: Plan) -> tuple[Keys, Keys] | None:
        """Plan ``item`` as an update of ``target``; the card's keys before and after when it changes them."""
        fields = target.fields()
        if fields is None:  # pragma: no cover - found by the same look-up a moment before
            plan.tally.skipped += 1
            return None
        where = f"card {target.card_id}" if target.card_id is not None else f"the card of line {target.line}"
        try:
            merged = validate_fields(fields | (item.given or {})).model_dump()
        except InvalidInput as error:
            record = Record(item.number, item.line, item.cells or [])
            plan.rejected.append(Rejected(record, f"line {item.line}: updating {where}: {error}"))
            plan.tally.rejected += 1
            return None
        extra = {**target.extra, **(json.loads(item.values["extra"]) if item.values["extra"] else {})}
        source_id = target.source_id or item.source_key  # a card keeps the source id it has
        if merged == fields and extra == target.extra and source_id == target.source_id:
            plan.tally.skipped += 1  # nothing new: counted with the skipped
            return None
        values: dict[str, Any] = dict(merged)
        if extra != target.extra:
            values["extra"] = json.dumps(extra, ensure_ascii=False)
        if source_id != target.source_id:
            values["source_id"] = source_id
        before, after = _card_keys(fields, target.source_id), _card_keys(merged, source_id)
        target.changed(merged, extra, source_id)
        plan.updates.append(Update(item, target, values, after if after != before else ()))
        plan.tally.updated += 1
        return (before, after) if after != before else None


def _find(item: Placed, stored: CardIndex, in_plan: CardIndex, taken: Taken) -> int | Standing | None:
    """The card a row is: a stored card's id or a ``Standing`` of this run, key by key (source id
    first), as the look-ups would find it had every earlier row been written: a stored card whose
    planned update ``taken`` a key from is not found by it any more, a card by a key an update gave
    it is; the older card wins (a stored one before a planned one)."""
    if item.source_key:
        found = _found(stored.source, in_plan.source, "source", item.source_key, taken)
        if found is not None:
            return found
    if item.email_key:
        return _found(stored.email, in_plan.email, "email", item.email_key, taken)
    if item.name_key:
        return _found(stored.name, in_plan.name, "name", item.name_key, taken)
    return None


def _found(stored: dict[Any, Any], in_plan: dict[Any, Any], kind: str, key: Any, taken: Taken) -> int | Standing | None:
    """The card one key finds (see ``_find``): in the ``stored`` index, or ``in_plan``."""
    card_id = stored.get(key)
    planned = in_plan.get(key)
    if card_id is not None and not (taken and taken.get((kind, key)) == card_id) \
            and (planned is None or planned.card_id is None or card_id < planned.card_id):
        return int(card_id)
    return planned  # type: ignore[no-any-return]


def _rekey(target: Standing, keys: tuple[Keys, Keys], in_plan: CardIndex, taken: Taken) -> None:
    """An update planned for ``target`` changes what it is found by (``keys``: before, after)."""
    for (kind, old), (_, new) in zip(*keys, strict=True):
        if old == new:
            continue
        index: dict[Any, Any] = getattr(in_plan, kind)
        if old is not None:
            if index.get(old) is target:
                del index[old]
            if target.card_id is not None:
                taken[(kind, old)] = target.card_id
        if new is not None:
            index.setdefault(new, target)
            if target.card_id is not None and taken.get((kind, new)) == target.card_id:
                del taken[(kind, new)]


def survey(records: Iterable[Record], reader: RowReader, date_order: DateOrder | None,
           owners: Counter[str]) -> tuple[Counter[str], list[str]]:
    """A first quick pass over the file's rows, reading only the stage, date and owner columns:
    every stage value nothing places, with its rows, and the date columns whose order stays open
    (a run writes nothing until each is settled). Each date column's order is handed to
    ``reader``; the owners the file names are counted into ``owners``. Both runs decide by it
    before the first row is planned."""
    stages, statuses = reader.plan.sources.get(STAGE, ()), reader.plan.sources.get(DEAL_STATUS, ())
    dates = reader.date_targets
    owner_columns = reader.plan.sources.get("owner", ())
    if not stages and not dates and not owner_columns:
        return Counter(), []
    seen: Counter[Any] = Counter()
    columns = {name: DateColumn() for name, _ in dates}
    looked: dict[str, set[str]] = {name: set() for name, _ in dates}
    for record in records:
        cells = record.cells
        for index in owner_columns:
            cell = cells[index] if index < len(cells) else None
            owner = cell.strip() if cell.__class__ is str else None
            if owner:
                if owner in owners or len(owners) < 1000:
                    owners[owner] += 1
                break
        for name, indexes in dates:
            for index in indexes:
                cell = cells[index] if index < len(cells) else None
                if cell.__class__ is str and cell and cell not in looked[name]:
                    if len(looked[name]) < 200_000:
                        looked[name].add(cell)
                    columns[name].see(cell)
        if statuses and any(_decides(cells, index) for index in statuses):
            continue
        for index in stages:
            cell = cells[index] if index < len(cells) else None
            if cell is not None and (cell.__class__ is not str or cell.strip()):
                try:
                    seen[cell] += 1
                except TypeError:  # an unhashable JSON value
                    seen[json.dumps(cell)] += 1
                break
    unknown: Counter[str] = Counter()
    for value, count in seen.items():
        if reader.unknown(value):
            unknown[str(value).strip()[:60]] += count
    reader.unknown_stages.clear()
    ambiguous = [name for name, column in columns.items() if column.ambiguous and date_order is None]
    reader.read_dates({name: date_order if column.ambiguous else column.order for name, column in columns.items()})
    header = reader.plan.header
    return unknown, [header[indexes[0]] for name, indexes in dates if name in ambiguous]


def _decides(cells: list[Any], index: int) -> bool:
    cell = cells[index] if index < len(cells) else None
    return isinstance(cell, str) and cell.strip().lower() in ("won", "lost")


__all__ = ["CardIndex", "LookUp", "Plan", "Planner", "Read", "Standing", "Tally", "Update", "survey"]
