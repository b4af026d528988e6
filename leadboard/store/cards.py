"""Reads and writes of cards: the only code that touches the ``card`` table.

Every write here keeps three things in step inside the caller's transaction: the card row (guarded
by its version), the per-stage totals, and the change feed that open boards poll.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import peewee as pw

from leadboard.domain.card import FIELD_NAMES, Card, CardSummary, card_amount
from leadboard.domain.stages import Stage
from leadboard.store.db import is_sqlite
from leadboard.store.models import Card as CardRow
from leadboard.store.models import Change, StageTotal

RANK_STEP = 1.0


@dataclass(frozen=True)
class CardFilter:
    """What the board or the CLI narrows cards to: one owner, and/or a search text."""

    owner: str | None = None
    search: str = ""

    @property
    def is_empty(self) -> bool:
        return self.owner is None and not self.search.strip()


NO_FILTER = CardFilter()


# ---- reading -------------------------------------------------------------------------------


def get(card_id: int) -> Card | None:
    row = CardRow.get_or_none(CardRow.id == card_id)
    return to_card(row) if row else None


def to_card(row: CardRow | dict[str, Any]) -> Card:
    data = row if isinstance(row, dict) else row.__data__
    fields = {name: data.get(name) for name in FIELD_NAMES}
    lost_from = data.get("lost_from")
    return Card.model_construct(
        **fields,
        id=data["id"],
        stage=Stage(data["stage"]),
        version=data["version"],
        created_at=data["created_at"],
        created_by=data["created_by"],
        updated_at=data["updated_at"],
        updated_by=data["updated_by"],
        lost_from=Stage(lost_from) if lost_from else None,
        lost_reason=data.get("lost_reason"),
        last_activity_at=data.get("last_activity_at"),
        activity_count=data.get("activity_count") or 0,
        warnings=[w for w in (data.get("warnings") or "").split(",") if w],
    )


_SUMMARY_COLUMNS = (
    CardRow.id,
    CardRow.stage,
    CardRow.name,
    CardRow.company,
    CardRow.amount,
    CardRow.owner,
    CardRow.warnings,
    CardRow.last_activity_at,
    CardRow.created_at,
    CardRow.version,
)


def _summary(row: tuple[Any, ...]) -> CardSummary:
    card_id, stage, name, company, amount, owner, warnings, active, created, version = row
    return CardSummary(
        id=card_id,
        stage=Stage(stage),
        name=name,
        company=company,
        amount=Decimal(amount or 0),
        owner=owner,
        warnings=tuple(w for w in warnings.split(",") if w),
        active_at=_as_datetime(active or created),
        version=version,
    )


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _where(stage: Stage | None, card_filter: CardFilter) -> pw.Expression:
    condition: pw.Expression = pw.SQL("1 = 1")
    if stage is not None:
        condition = CardRow.stage == stage.value
    if card_filter.owner is not None:
        condition &= CardRow.owner == card_filter.owner
    text = card_filter.search.strip()
    if text:
        condition &= _search_condition(text)
    return condition


def _search_condition(text: str) -> pw.Expression:
    if is_sqlite():
        # prefix match on every word, through the FTS5 index; words are quoted so user text
        # is never read as FTS query syntax
        words = [w for w in text.replace('"', " ").split() if w]
        query = " ".join(f'"{word}"*' for word in words)
        matches = pw.SQL("IN (SELECT rowid FROM card_search WHERE card_search MATCH ?)", (query,))
        return pw.NodeList((CardRow.id, matches))
    condition: pw.Expression = pw.SQL("1 = 1")
    for word in text.split():
        pattern = f"%{word}%"
        condition &= (
            CardRow.name.ilike(pattern) | CardRow.company.ilike(pattern) | CardRow.email.ilike(pattern)
        )
    return condition


def column_page(stage: Stage, offset: int, limit: int, card_filter: CardFilter = NO_FILTER,
                total: int | None = None) -> list[CardSummary]:
    """Cards ``offset`` .. ``offset + limit`` of one column, in rank order.

    Deep pages are read from the far end of the index (given the column's ``total``), so the last
    page of a million-card column costs no more than the middle one.
    """
    where = _where(stage, card_filter)
    base = CardRow.select(*_SUMMARY_COLUMNS).where(where)
    if total is not None and offset > total // 2:
        from_end = max(total - offset - limit, 0)
        count = min(limit, total - offset)
        if count <= 0:
            return []
        rows = base.order_by(CardRow.rank.desc(), CardRow.id.desc()).offset(from_end).limit(count).tuples()
        return [_summary(row) for row in reversed(list(rows))]
    rows = base.order_by(CardRow.rank, CardRow.id).offset(offset).limit(limit).tuples()
    return [_summary(row) for row in rows]


def find(stage: Stage | None = None, card_filter: CardFilter = NO_FILTER, limit: int | None = None,
         after: Card | None = None) -> list[Card]:
    """Whole cards (for the CLI and export), ``limit`` at a time after the card ``after``.

    Within a stage the order is the column's (rank, id), read along the (stage, rank, id) index;
    across stages it is id order. Keyset paging keeps every page as cheap as the first.
    """
    where = _where(stage, card_filter)
    if stage is not None:
        if after is not None:
            rank = CardRow.select(CardRow.rank).where(CardRow.id == after.id)
            where &= pw.Tuple(CardRow.rank, CardRow.id) > pw.Tuple(rank, after.id)
        query = CardRow.select().where(where).order_by(CardRow.rank, CardRow.id)
    else:
        if after is not None:
            where &= CardRow.id > after.id
        query = CardRow.select().where(where).order_by(CardRow.id)
    if limit is not None:
        query = query.limit(limit)
    return [to_card(row) for row in query.dicts()]


def stage_totals(card_filter: CardFilter = NO_FILTER) -> dict[Stage, tuple[int, Decimal]]:
    """(cards, amount) per stage. Without a search this reads the kept totals, never the cards."""
    totals = {stage: (0, Decimal(0)) for stage in Stage}
    if card_filter.search.strip():
        query = (
            CardRow.select(CardRow.stage, pw.fn.COUNT(CardRow.id), pw.fn.SUM(CardRow.amount))
            .where(_where(None, card_filter))
            .group_by(CardRow.stage)
            .tuples()
        )
    else:
        query = StageTotal.select(StageTotal.stage, pw.fn.SUM(StageTotal.cards), pw.fn.SUM(StageTotal.amount))
        if card_filter.owner is not None:
            query = query.where(StageTotal.owner == card_filter.owner)
        query = query.group_by(StageTotal.stage).tuples()
    for stage, cards, amount in query:
        totals[Stage(stage)] = (int(cards or 0), _cents(amount))
    return totals


def _cents(amount: Any) -> Decimal:
    """A summed amount as exact cents: SQLite adds DECIMAL columns as floats (0.1 + 0.2 is
    0.30000000000000004), and Decimal(float) would keep every stray digit."""
    return Decimal(str(amount or 0)).quantize(Decimal("0.01"))


def top_rank(stage: Stage) -> float:
    row = CardRow.select(CardRow.rank).where(CardRow.stage == stage.value).order_by(CardRow.rank).first()
    return row.rank if row else 0.0


def position(card_id: int, card_filter: CardFilter = NO_FILTER) -> int | None:
    """The card's index in its column under ``card_filter`` (to keep focus on it after a move)."""
    row = CardRow.get_or_none(CardRow.id == card_id)
    if row is None:
        return None
    # a row-value comparison walks the (stage, rank, id) index; the equivalent OR of two
    # conditions cost ~15 ms even for the top card of a 240,000-card column
    before = pw.Tuple(CardRow.rank, CardRow.id) < pw.Tuple(row.rank, row.id)
    return CardRow.select().where(_where(Stage(row.stage), card_filter) & before).count()


# ---- writing (call inside a transaction) ---------------------------------------------------


def insert(stage: Stage, fields: dict[str, Any], by: str, at: datetime, **state: Any) -> int:
    values = dict(fields)
    values.update(state)
    values.update(
        stage=stage.value,
        rank=top_rank(stage) - RANK_STEP,
        created_at=at,
        created_by=by,
        updated_at=at,
        updated_by=by,
        amount=card_amount(fields),
    )
    card_id = CardRow.insert(values).execute()
    _add_to_totals(stage.value, values.get("owner"), 1, values["amount"])
    Change.insert(card_id=card_id, at=at).execute()
    return int(card_id)


def update(card: Card, values: dict[str, Any], by: str, at: datetime) -> bool:
    """Write ``values`` over ``card`` if nobody changed it since it was read; False if somebody did.

    ``card`` must be the row as read (its version is the guard and its stage, owner and amount are
    what the totals held).
    """
    values = dict(values)
    fields = card.fields() | {k: v for k, v in values.items() if k in FIELD_NAMES}
    new_stage = values.get("stage", card.stage)
    new_stage = new_stage.value if isinstance(new_stage, Stage) else new_stage
    if new_stage != card.stage.value:
        values["rank"] = top_rank(Stage(new_stage)) - RANK_STEP
    values["stage"] = new_stage
    values["amount"] = card_amount(fields)
    values.update(updated_at=at, updated_by=by, version=CardRow.version + 1)
    updated = (
        CardRow.update(values)
        .where((CardRow.id == card.id) & (CardRow.version == card.version))
        .execute()
    )
    if not updated:
        return False
    old_amount = card.amount if card.amount is not None else Decimal(0)
    if (card.stage.value, card.owner, old_amount) != (new_stage, fields.get("owner"), values["amount"]):
        _add_to_totals(card.stage.value, card.owner, -1, -old_amount)
        _add_to_totals(new_stage, fields.get("owner"), 1, values["amount"])
    Change.insert(card_id=card.id, at=at).execute()
    return True


def insert_many(rows: Sequence[dict[str, Any]], at: datetime, batch: int = 500) -> list[int]:
    """Insert whole rows (every column given, ranks included) fast, returning their ids in order;
    totals and the change feed are updated once for the lot."""
    ids: list[int] = []
    for start in range(0, len(rows), batch):
        query = CardRow.insert_many(rows[start:start + batch]).returning(CardRow.id).tuples()
        ids.extend(row[0] for row in query.execute())
    per_key: dict[tuple[str, str | None], tuple[int, Decimal]] = {}
    for row in rows:
        key = (row["stage"], row.get("owner"))
        cards, amount = per_key.get(key, (0, Decimal(0)))
        per_key[key] = (cards + 1, amount + Decimal(row.get("amount") or 0))
    for (stage, owner), (cards, amount) in per_key.items():
        _add_to_totals(stage, owner, cards, amount)
    Change.insert(card_id=None, at=at).execute()
    return ids


def _add_to_totals(stage: str, owner: str | None, cards: int, amount: Decimal | int) -> None:
    (
        StageTotal.insert(stage=stage, owner=owner or "", cards=cards, amount=amount)
        .on_conflict(
            conflict_target=[StageTotal.stage, StageTotal.owner],
            update={
                StageTotal.cards: StageTotal.cards + pw.EXCLUDED.cards,
                StageTotal.amount: StageTotal.amount + pw.EXCLUDED.amount,
            },
        )
        .execute()
    )


def recount_totals() -> None:
    """Rebuild the kept totals from the cards (after a repair or a raw bulk load)."""
    StageTotal.delete().execute()
    query = (
        CardRow.select(
            CardRow.stage, pw.fn.COALESCE(CardRow.owner, ""), pw.fn.COUNT(CardRow.id), pw.fn.SUM(CardRow.amount)
        )
        .group_by(CardRow.stage, CardRow.owner)
        .tuples()
    )
    for stage, owner, cards, amount in query:
        _add_to_totals(stage, owner, cards, Decimal(amount or 0))


# ---- the change feed -----------------------------------------------------------------------


def latest_change() -> int:
    return int(Change.select(pw.fn.COALESCE(pw.fn.MAX(Change.id), 0)).scalar() or 0)


def changes_since(change_id: int, limit: int = 500) -> tuple[int, set[int] | None]:
    """(newest change id, the ids of cards changed after ``change_id``), or None for "reload all"
    when a bulk change happened or too many cards changed to list."""
    rows = list(Change.select(Change.id, Change.card_id).where(Change.id > change_id)
                .order_by(Change.id).limit(limit + 1).tuples())
    if not rows:
        return change_id, set()
    newest = rows[-1][0]
    if len(rows) > limit or any(card_id is None for _, card_id in rows):
        return max(newest, latest_change()), None
    return newest, {card_id for _, card_id in rows}

