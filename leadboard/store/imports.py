"""Bulk writes for imports: many cards and their history rows at once, the duplicate lookup, and
the record of each import run (its resume point).

Every function here runs inside the caller's transaction. An import commits one batch at a time,
and each batch moves its run's resume point forward in the same transaction as its cards, so a
crash leaves whole batches and a resume point that says exactly which rows they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import peewee as pw

from leadboard.store import visits
from leadboard.store.cards import activities_follow_owner
from leadboard.store.db import HAND_OVER_SECONDS, database, is_sqlite
from leadboard.store.models import Activity, BaseModel, History, dicts
from leadboard.store.models import Card as CardRow

#: the history columns a bulk insert gives, in this order
HISTORY_COLUMNS: tuple[str, ...] = ("card_id", "move", "from_stage", "to_stage", "by", "at", "reason",
                                    "warnings")

#: SQLite's limit on bound values is 32,766 (999 before 3.32); keep each lookup well under it
_LOOKUP_CHUNK = 400


class ImportRun(BaseModel):
    """One import of one file: what it was, how far it got, and what it did so far."""

    id = pw.AutoField()
    source = pw.TextField()
    #: size, modification time and a hash of the file's ends: a changed file is a new import
    fingerprint = pw.CharField(max_length=200)
    #: the mapping options, normalised: the same file with other options is a new import
    options = pw.TextField()
    by = pw.CharField(max_length=200)
    started_at = pw.DateTimeField()
    finished_at = pw.DateTimeField(null=True)
    #: rows of the file dealt with (imported, updated, skipped or rejected) in committed batches
    rows_done = pw.IntegerField(default=0)
    imported = pw.IntegerField(default=0)
    placed_lower = pw.IntegerField(default=0)
    updated = pw.IntegerField(default=0)
    skipped = pw.IntegerField(default=0)
    rejected = pw.IntegerField(default=0)
    #: length of the rejects file after the last committed batch (a resume cuts it back to this)
    rejects_bytes = pw.BigIntegerField(default=0)
    #: JSON: the data the run needs to carry on exactly as it started (e.g. the ranks it places at)
    state = pw.TextField(default="{}")

    class Meta:
        indexes = ((("source", "finished_at"), False),)


@dataclass(frozen=True)
class RunProgress:
    rows_done: int
    imported: int
    placed_lower: int
    updated: int
    skipped: int
    rejected: int
    rejects_bytes: int


# ---- runs ----------------------------------------------------------------------------------


def unfinished_run(source: str, fingerprint: str, options: str) -> ImportRun | None:
    return (
        ImportRun.select()
        .where((ImportRun.source == source) & ImportRun.finished_at.is_null()
               & (ImportRun.fingerprint == fingerprint) & (ImportRun.options == options))
        .order_by(ImportRun.id.desc())
        .first()
    )


def abandon_runs(source: str, at: datetime) -> int:
    """Close earlier unfinished runs of ``source`` (the file or the options changed since)."""
    return (
        ImportRun.update(finished_at=at)
        .where((ImportRun.source == source) & ImportRun.finished_at.is_null())
        .execute()
    )


def start_run(source: str, fingerprint: str, options: str, by: str, at: datetime, state: str) -> int:
    return int(ImportRun.insert(source=source, fingerprint=fingerprint, options=options, by=by,
                                started_at=at, state=state).execute())


def advance_run(run_id: int, rows_before: int, progress: RunProgress, state: str) -> bool:
    """Move the resume point from ``rows_before`` on; False if another process moved it first."""
    return bool(
        ImportRun.update(
            rows_done=progress.rows_done, imported=progress.imported,
            placed_lower=progress.placed_lower, updated=progress.updated, skipped=progress.skipped,
            rejected=progress.rejected, rejects_bytes=progress.rejects_bytes, state=state,
        )
        .where((ImportRun.id == run_id) & (ImportRun.rows_done == rows_before)
               & ImportRun.finished_at.is_null())
        .execute()
    )


def finish_run(run_id: int, at: datetime) -> None:
    ImportRun.update(finished_at=at).where(ImportRun.id == run_id).execute()


@contextmanager
def bulk_writing() -> Iterator[None]:
    """For the length of an import, on this connection only (SQLite): a bigger page cache, since
    a million new emails and names land all over their indexes, and fewer, larger checkpoints of
    the write-ahead log (a page changed by every transaction is copied back once per checkpoint, not
    once a transaction: at a million cards the leaves of the name, email and amount indexes are
    rewritten by each. Checkpoints every 256 MB of log rather than 64 cost a quarter less a commit,
    and every 1 GB rather than 256 MB write a sixth fewer bytes a row, 13.1 -> 11.0 KB); the log grows
    no larger than what the import writes, and at its end it is copied back and emptied, so it does
    not stay on disk while a board keeps the database open."""
    if not is_sqlite():
        yield
        return
    cache = database.execute_sql("PRAGMA cache_size").fetchone()[0]
    checkpoint = database.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0]
    limit = database.execute_sql("PRAGMA journal_size_limit").fetchone()[0]
    database.execute_sql("PRAGMA cache_size = -262144")
    database.execute_sql("PRAGMA wal_autocheckpoint = 262144")
    # the log is written over from its start after each checkpoint, not cut back and grown again
    database.execute_sql("PRAGMA journal_size_limit = -1")
    try:
        yield
    finally:
        database.execute_sql(f"PRAGMA cache_size = {int(cache)}")
        database.execute_sql(f"PRAGMA wal_autocheckpoint = {int(checkpoint)}")
        database.execute_sql(f"PRAGMA journal_size_limit = {int(limit)}")
        # copy the log back now, not in a colleague's next write (the first commit past the usual
        # checkpoint size pays for all of it), and empty it unless a reader keeps it a moment longer
        # (then the next write after the checkpoint cuts it to the journal size limit)
        busy = database.execute_sql("PRAGMA busy_timeout").fetchone()[0]
        database.execute_sql(f"PRAGMA busy_timeout = {int(HAND_OVER_SECONDS * 1000)}")
        try:
            with suppress(pw.OperationalError):
                database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            database.execute_sql(f"PRAGMA busy_timeout = {int(busy)}")


# ---- duplicates ------------------------------------------------------------------------------


def any_card() -> bool:
    return CardRow.select().exists()


def ascii_lower(text: str) -> str:
    """Lowercase as SQL ``lower()`` does on SQLite (ASCII letters only), so keys match the index."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def cards_by_email(keys: Iterable[str]) -> dict[str, int]:
    """Lowercased email -> id of a card with that email (the oldest, if several)."""
    found: dict[str, int] = {}
    unique = list(dict.fromkeys(keys))
    param = database.param
    for start in range(0, len(unique), _LOOKUP_CHUNK):
        chunk = unique[start:start + _LOOKUP_CHUNK]
        marks = ", ".join(param for _ in chunk)
        sql = f'SELECT "id", lower("email") FROM "card" WHERE lower("email") IN ({marks}) ORDER BY "id" DESC'
        found.update((key, card_id) for card_id, key in database.execute_sql(sql, chunk).fetchall())
    return found


def cards_by_source_id(keys: Iterable[str]) -> dict[str, int]:
    """Source id -> id of the card imported from that record (the oldest, if several)."""
    found: dict[str, int] = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), _LOOKUP_CHUNK):
        chunk = unique[start:start + _LOOKUP_CHUNK]
        marks = ", ".join(database.param for _ in chunk)
        sql = f'SELECT "id", "source_id" FROM "card" WHERE "source_id" IN ({marks}) ORDER BY "id" DESC'
        found.update((key, card_id) for card_id, key in database.execute_sql(sql, chunk).fetchall())
    return found


def cards_by_name_and_company(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(name, company) -> id of a card with exactly that name and company and no email (two people
    of one name at one company are one card only when nothing tells them apart)."""
    found: dict[tuple[str, str], int] = {}
    unique = list(dict.fromkeys(pairs))
    param = database.param
    for start in range(0, len(unique), _LOOKUP_CHUNK):
        chunk = unique[start:start + _LOOKUP_CHUNK]
        values = ", ".join(f"({param}, {param})" for _ in chunk)
        # a join (not a row-value IN, which SQLite answers by scanning the whole index)
        sql = ('SELECT c."id", c."name", c."company" FROM (VALUES ' + values + ') AS v '
               'JOIN "card" AS c ON c."name" = v.column1 AND c."company" = v.column2 '
               'WHERE c."email" IS NULL ORDER BY c."id" DESC')
        flat = [value for pair in chunk for value in pair]
        for card_id, name, company in database.execute_sql(sql, flat).fetchall():
            found[(name, company)] = card_id
    return found


# ---- bulk inserts (the cards themselves: ``cards.insert_many``) ---------------------------


def insert_history(rows: Sequence[Sequence[Any]], new_cards: bool = False,
                   cards: Sequence[dict[str, Any]] | None = None) -> None:
    """Append history rows (values in ``HISTORY_COLUMNS`` order), and the stage visits they make;
    ``new_cards`` when their cards were written in this transaction, with no history before, and
    ``cards`` those cards' columns as ``cards.insert_many`` wrote them, in the rows' order of cards
    (their visits are then made from them, not read back)."""
    if not rows:
        return
    card_ids = [row[0] for row in rows]
    opened = new_cards and len(set(card_ids)) == len(rows) and all(row[1] == "import" for row in rows)
    if is_sqlite():
        columns = ", ".join(f'"{name}"' for name in HISTORY_COLUMNS)
        marks = ", ".join("?" for _ in HISTORY_COLUMNS)
        cursor = database.cursor()
        before = _newest_history(cursor)
        cursor.executemany(f'INSERT INTO "history" ({columns}) VALUES ({marks})', rows)
        after = _newest_history(cursor)
        if opened and cards is not None and len(cards) == len(rows) and after - before == len(rows):
            # holding the write lock, SQLite numbers the rows max(id)+1, +2, ... (checked above):
            # each card is in its stage since its created time, by its import row, as
            # ``visits.opened_on_import`` would read it back (a third of the visits' time)
            visits.open_many([(card_id, row[3], card["created_at"], history_id, card.get("owner"), card["amount"])
                              for card_id, row, card, history_id in zip(card_ids, rows, cards,
                                                                        range(before + 1, after + 1), strict=True)])
            return
    else:
        names = [History.card if name == "card_id" else getattr(History, name) for name in HISTORY_COLUMNS]
        for start in range(0, len(rows), 1000):
            History.insert_many(rows[start:start + 1000], fields=names).execute()
    if opened:
        visits.opened_on_import(card_ids)
    else:
        visits.rebuild(card_ids)


def _newest_history(cursor: Any) -> int:
    return int(cursor.execute('SELECT COALESCE(MAX("id"), 0) FROM "history"').fetchone()[0])


def insert_activities(rows: Sequence[Sequence[Any]]) -> None:
    """Append activities (card id, kind, summary, at, by), e.g. from an export with history."""
    fields = [Activity.card, Activity.kind, Activity.summary, Activity.at, Activity.by]
    for start in range(0, len(rows), 1000):
        Activity.insert_many(rows[start:start + 1000], fields=fields).execute()
    activities_follow_owner(row[0] for row in rows)


# ---- reading for export ----------------------------------------------------------------------


def cards_in_board_order(stage: str | None = None, page: int = 1000) -> Iterator[list[dict[str, Any]]]:
    """Every card (or one stage's), column by column in board order, ``page`` at a time, as dicts
    of column values."""
    from leadboard.domain.stages import Stage

    stages = [stage] if stage else [s.value for s in Stage]
    for name in stages:
        query = (CardRow.select().where(CardRow.stage == name).order_by(CardRow.rank, CardRow.id)
                 .dicts().iterator())
        chunk: list[dict[str, Any]] = []
        for row in query:
            chunk.append(row)
            if len(chunk) >= page:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def extra_names(stage: str | None = None) -> list[str]:
    """The names of every extra field the cards (or one stage's) carry, in first-seen order
    (what an export's columns are after the fields)."""
    import json

    query = CardRow.select(CardRow.extra, pw.fn.MIN(CardRow.id)).where(CardRow.extra.is_null(False))
    if stage:
        query = query.where(CardRow.stage == stage)
    query = query.group_by(CardRow.extra).order_by(pw.fn.MIN(CardRow.id))
    names: dict[str, None] = {}
    for text, _ in query.tuples().iterator():
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, dict):
            names.update(dict.fromkeys(value))
    return list(names)


def history_of_cards(card_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    return _rows_of_cards(History, card_ids)


def activities_of_cards(card_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    return _rows_of_cards(Activity, card_ids)


def _rows_of_cards(table: type[History] | type[Activity], card_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Each card's rows of an append-only table, oldest first, in one query."""
    found: dict[int, list[dict[str, Any]]] = {card_id: [] for card_id in card_ids}
    query = table.select().where(table.card.in_(list(card_ids))).order_by(table.card, table.id)
    for row in dicts(query):
        found[row["card"]].append(row)
    return found
