"""Stage visits (one row per card per stage entered), kept by every move inside its transaction.

A move closes the card's open visit and opens one in the stage it moved to. An undo is taken as
the move never having been made: the visit the undone move opened is removed and the one it closed
is open again. An imported card enters its stage on its ``created_at`` (the source's date when the
file had one), and an import row after moves carried over from an export adds no visit. Bulk
writers (import, demo) rebuild the visits of the cards they wrote from their history, with the
same rule the "stage-visits" migration step used.

Every visit carries its card's owner and amount now (``card_changed`` keeps them when either
changes), so the board as of a day sums what its cards are worth from the visits alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from leadboard.store.db import database
from leadboard.store.models import Card, StageVisit, tuples

#: the history replayed into visits (the same rule as the migration step's backfill)
_REBUILD = """INSERT INTO stage_visit (card_id, stage, from_stage, entered_at, left_at, left_to, opened_by, owner,
                         amount)
SELECT card_id, to_stage, from_stage, at,
       LEAD(at) OVER (PARTITION BY card_id ORDER BY id),
       LEAD(to_stage) OVER (PARTITION BY card_id ORDER BY id),
       id, owner, amount
FROM (
    SELECT h.id, h.card_id, h.move, h.from_stage, h.to_stage, c.owner, c.amount,
           CASE WHEN h.move = 'import' THEN c.created_at ELSE h.at END AS at,
           LAG(h.to_stage) OVER (PARTITION BY h.card_id ORDER BY h.id) AS came_from
    FROM history h JOIN card c ON c.id = h.card_id
    WHERE h.card_id IN ({ids}) AND NOT (h.move = 'undo' AND h.undoes_id IS NOT NULL)
      AND h.id NOT IN (SELECT u.undoes_id FROM history u WHERE u.card_id IN ({ids}) AND u.undoes_id IS NOT NULL)
) replayed
WHERE NOT (move = 'import' AND came_from IS NOT NULL)
"""

_CHUNK = 400


def moved(history_id: int, card_id: int, from_stage: str | None, to_stage: str, at: datetime) -> None:
    """The card moved (or was created) into ``to_stage`` by history row ``history_id``."""
    (
        StageVisit.update(left_at=at, left_to=to_stage)
        .where((StageVisit.card == card_id) & StageVisit.left_at.is_null())
        .execute()
    )
    ((owner, amount),) = tuples(Card.select(Card.owner, Card.amount).where(Card.id == card_id))
    StageVisit.insert(card=card_id, stage=to_stage, from_stage=from_stage, entered_at=at,
                      opened_by=history_id, owner=owner, amount=amount).execute()


def card_changed(card_id: int, owner: str | None, amount: Decimal) -> None:
    """The card's owner or amount changed: its visits carry the new ones."""
    StageVisit.update(owner=owner, amount=amount).where(StageVisit.card == card_id).execute()


def undone(card_id: int, undone_history_id: int) -> None:
    """The move recorded as ``undone_history_id`` was undone: as if it had never been made."""
    StageVisit.delete().where((StageVisit.card == card_id) & (StageVisit.opened_by == undone_history_id)).execute()
    previous = (
        StageVisit.select(StageVisit.id).where(StageVisit.card == card_id)
        .order_by(StageVisit.entered_at.desc(), StageVisit.opened_by.desc()).limit(1).scalar()
    )
    if previous is not None:
        StageVisit.update(left_at=None, left_to=None).where(StageVisit.id == previous).execute()


def opened_on_import(card_ids: Iterable[int]) -> None:
    """The visits of new cards whose one history row is their import (a plain file's contacts): each
    is in its stage since its created time, by that row. What ``rebuild`` makes of such a history,
    without replaying it (a third of the time)."""
    ids = sorted(set(card_ids))
    for start in range(0, len(ids), _CHUNK):
        # the ids are ints from the database, so they are safe to write into the statement
        listed = ", ".join(str(int(card_id)) for card_id in ids[start:start + _CHUNK])
        database.execute_sql(
            "INSERT INTO stage_visit (card_id, stage, from_stage, entered_at, opened_by, owner, amount) "
            "SELECT h.card_id, h.to_stage, h.from_stage, c.created_at, h.id, c.owner, c.amount "
            f"FROM history h JOIN card c ON c.id = h.card_id WHERE h.card_id IN ({listed})")


def open_many(rows: Sequence[tuple[int, str, Any, int, str | None, Any]]) -> None:
    """Open the visits of new cards, each (card id, stage, entered at, opening history row, owner,
    amount) as the card was written (SQLite: the bulk writer's own path)."""
    database.cursor().executemany(
        "INSERT INTO stage_visit (card_id, stage, from_stage, entered_at, opened_by, owner, amount) "
        "VALUES (?, ?, NULL, ?, ?, ?, ?)", rows)


def rebuild(card_ids: Iterable[int]) -> None:
    """Replace the visits of ``card_ids`` by a replay of their history (after a bulk write)."""
    ids = sorted(set(card_ids))
    for start in range(0, len(ids), _CHUNK):
        # the ids are ints from the database, so they are safe to write into the statements (peewee
        # would build a node per id, ~10 µs a card)
        listed = ", ".join(str(int(card_id)) for card_id in ids[start:start + _CHUNK])
        database.execute_sql(f'DELETE FROM "stage_visit" WHERE "card_id" IN ({listed})')
        database.execute_sql(_REBUILD.format(ids=listed))
