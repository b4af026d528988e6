"""The reports' aggregate queries, over the stage visits (``store/visits.py``), the cards and the
activities. Every figure is counted or summed by the database; Python only names the rows.

Times come in as naive UTC datetimes (the bounds of a period, already turned from the viewer's
local midnights); ``owner`` narrows every query to the cards a salesperson owns now.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from leadboard.store.db import database, is_sqlite

OPEN_STAGES = ("contact", "lead", "opportunity", "account")


def _run(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` written with ``?`` marks, on either engine."""
    if is_sqlite():
        values = [str(p) if isinstance(p, datetime | date) else p for p in params]
        return list(database.execute_sql(sql, values).fetchall())
    return list(database.execute_sql(sql.replace("?", "%s"), list(params)).fetchall())


def _epoch(column: str) -> str:
    """Seconds since 1970 of a stored (naive UTC) time, as SQL."""
    if is_sqlite():
        return f"((julianday({column}) - 2440587.5) * 86400.0)"
    return f"EXTRACT(EPOCH FROM {column})"


def _owner(owner: str | None, column: str = "c.owner") -> tuple[str, list[Any]]:
    return (f" AND {column} = ?", [owner]) if owner is not None else ("", [])


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


#: the activities that happened: the one condition every report counts activities by. Planned
#: activities (next steps) live in their own table, ``planned_activity``, and reach ``activity``
#: only when completed (a done step becomes a row of the log), so every row here is a done one;
#: were planned rows ever kept in ``activity``, narrowing this condition would be the one change.
DONE_ACTIVITY = "1 = 1"


# ---- funnel ----------------------------------------------------------------------------------


def funnel_stage(stage: str, next_stage: str | None, start: datetime, end: datetime,
                 owner: str | None) -> dict[str, int]:
    """Of the cards that entered ``stage`` in [start, end) (each once, from its first entry then),
    how many entered ``next_stage`` after that entry (before ``end``), and of the rest how many
    stood, at ``end``, still in ``stage``, lost, or back in an earlier stage. ``won`` counts the
    cards that entered the account stage after that entry."""
    where_owner, owner_params = _owner(owner)
    after = "(SELECT 1 FROM stage_visit n WHERE n.card_id = k.card_id AND n.stage = ? " \
            "AND n.entered_at >= k.first_at AND n.entered_at < ?)"
    at_end = ("(SELECT e.stage FROM stage_visit e WHERE e.card_id = k.card_id AND e.entered_at < ? "
              "ORDER BY e.entered_at DESC, e.opened_by DESC LIMIT 1)")
    sql = f"""
        SELECT CASE WHEN EXISTS {after} THEN 'advanced'
                    WHEN {at_end} = ? THEN 'still_there'
                    WHEN {at_end} = 'lost' THEN 'lost'
                    ELSE 'moved_back' END AS outcome,
               COUNT(*),
               SUM(CASE WHEN EXISTS {after} THEN 1 ELSE 0 END)
        FROM (SELECT v.card_id, MIN(v.entered_at) AS first_at
              FROM stage_visit v JOIN card c ON c.id = v.card_id
              WHERE v.stage = ? AND v.entered_at >= ? AND v.entered_at < ?{where_owner}
              GROUP BY v.card_id) k
        GROUP BY outcome
    """
    params: list[Any] = [next_stage or "", end, end, stage, end, "account", end,
                         stage, start, end, *owner_params]
    counts = {"advanced": 0, "still_there": 0, "lost": 0, "moved_back": 0, "won": 0}
    for outcome, count, won in _run(sql, params):
        counts[outcome] = int(count)
        counts["won"] += int(won or 0)
    return counts


# ---- closing: win rate and cycle -------------------------------------------------------------

_CLOSE = "{v}.from_stage = 'opportunity' AND {v}.stage IN ('account', 'lost')"


def closes(start: datetime, end: datetime, owner: str | None) -> list[tuple[str, str, int, Decimal]]:
    """(owner, 'account' or 'lost', cards, their amount) of the opportunities closed in [start,
    end): each card once, by its last close in the period."""
    where_owner, owner_params = _owner(owner)
    sql = f"""
        SELECT COALESCE(c.owner, ''), v.stage, COUNT(*), SUM(c.amount)
        FROM stage_visit v JOIN card c ON c.id = v.card_id
        WHERE {_CLOSE.format(v="v")} AND v.entered_at >= ? AND v.entered_at < ?{where_owner}
          AND NOT EXISTS (SELECT 1 FROM stage_visit w WHERE w.card_id = v.card_id
                          AND {_CLOSE.format(v="w")} AND w.entered_at < ?
                          AND (w.entered_at > v.entered_at
                               OR (w.entered_at = v.entered_at AND w.opened_by > v.opened_by)))
        GROUP BY COALESCE(c.owner, ''), v.stage
    """
    rows = _run(sql, [start, end, *owner_params, end])
    return [(owner_, stage, int(count), _money(amount)) for owner_, stage, count, amount in rows]


def cycles(start: datetime, end: datetime, owner: str | None) -> dict[str, tuple[int, float]]:
    """For the wins in [start, end) (entries into the account stage from opportunity): per first
    stage ('contact', 'lead'), how many had one, and the summed seconds from the card's first
    entry into it to the win."""
    where_owner, owner_params = _owner(owner)
    result: dict[str, tuple[int, float]] = {}
    for first in ("contact", "lead"):
        sql = f"""
            SELECT COUNT(f.first_at), SUM({_epoch("f.won_at")} - {_epoch("f.first_at")})
            FROM (SELECT v.entered_at AS won_at,
                         (SELECT MIN(s.entered_at) FROM stage_visit s WHERE s.card_id = v.card_id
                          AND s.stage = ? AND s.entered_at <= v.entered_at) AS first_at
                  FROM stage_visit v JOIN card c ON c.id = v.card_id
                  WHERE v.stage = 'account' AND v.from_stage = 'opportunity'
                    AND v.entered_at >= ? AND v.entered_at < ?{where_owner}) f
        """
        ((count, seconds),) = _run(sql, [first, start, end, *owner_params])
        result[first] = (int(count or 0), float(seconds or 0))
    return result


# ---- time in stage ---------------------------------------------------------------------------


def stays(stage: str, start: datetime, end: datetime, now: datetime, owner: str | None) -> dict[str, Any]:
    """Visits to ``stage`` that ended in [start, end): how many, summed and median seconds; and
    visits still open at ``end`` (or now, if sooner): how many, summed seconds so far."""
    where_owner, owner_params = _owner(owner)
    duration = f"({_epoch('v.left_at')} - {_epoch('v.entered_at')})"
    left = f"""FROM stage_visit v JOIN card c ON c.id = v.card_id
               WHERE v.stage = ? AND v.left_at >= ? AND v.left_at < ?{where_owner}"""
    params = [stage, start, end, *owner_params]
    ((count, total),) = _run(f"SELECT COUNT(*), SUM({duration}) {left}", params)
    count = int(count or 0)
    median: float | None = None
    if count:
        middle = _run(f"SELECT {duration} AS d {left} ORDER BY d LIMIT ? OFFSET ?",
                      [*params, 2 - count % 2, (count - 1) // 2])
        median = sum(float(d) for (d,) in middle) / len(middle)
    upto = min(end, now)
    so_far = f"({_epoch('?')} - {_epoch('v.entered_at')})"
    ((open_count, open_total),) = _run(
        f"""SELECT COUNT(*), SUM({so_far}) FROM stage_visit v JOIN card c ON c.id = v.card_id
            WHERE v.stage = ? AND v.entered_at < ? AND (v.left_at IS NULL OR v.left_at >= ?){where_owner}""",
        [upto, stage, upto, upto, *owner_params],
    )
    return {"left": count, "left_seconds": float(total or 0), "median_seconds": median,
            "open": int(open_count or 0), "open_seconds": float(open_total or 0)}


# ---- forecast --------------------------------------------------------------------------------


def open_opportunities_by_close(owner: str | None) -> list[tuple[date | None, int, Decimal]]:
    """(expected close date, cards, amount) of the open opportunities."""
    where_owner, owner_params = _owner(owner)
    rows = _run(f"""SELECT c.close_by, COUNT(*), SUM(c.amount) FROM card c
                    WHERE c.stage = 'opportunity'{where_owner} GROUP BY c.close_by""", owner_params)
    return [(_as_date(close_by), int(count), _money(amount)) for close_by, count, amount in rows]


def open_opportunities_at(at: datetime, owner: str | None) -> int:
    """How many cards were in the opportunity stage at ``at``."""
    where_owner, owner_params = _owner(owner)
    ((count,),) = _run(f"""SELECT COUNT(*) FROM stage_visit v JOIN card c ON c.id = v.card_id
                           WHERE v.stage = 'opportunity' AND v.entered_at < ?
                             AND (v.left_at IS NULL OR v.left_at >= ?){where_owner}""",
                       [at, at, *owner_params])
    return int(count)


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# ---- lost ------------------------------------------------------------------------------------


def losses(start: datetime, end: datetime, owner: str | None) -> list[tuple[str, str, int, Decimal]]:
    """(reason, stage lost from, times, amount) of the cards lost in [start, end)."""
    where_owner, owner_params = _owner(owner)
    rows = _run(f"""SELECT COALESCE(h.reason, ''), COALESCE(v.from_stage, ''), COUNT(*), SUM(c.amount)
                    FROM stage_visit v JOIN card c ON c.id = v.card_id JOIN history h ON h.id = v.opened_by
                    WHERE v.stage = 'lost' AND v.entered_at >= ? AND v.entered_at < ?{where_owner}
                    GROUP BY COALESCE(h.reason, ''), COALESCE(v.from_stage, '')""",
                [start, end, *owner_params])
    return [(reason, from_stage, int(count), _money(amount)) for reason, from_stage, count, amount in rows]


# ---- activity --------------------------------------------------------------------------------


def activities(weeks: Sequence[datetime], owner: str | None) -> list[tuple[int, str, str, int]]:
    """(week number, kind, card owner, count) of the done activities from ``weeks[0]`` to
    ``weeks[-1]``; week n runs from ``weeks[n]`` to ``weeks[n + 1]``."""
    if len(weeks) < 2:
        return []
    where_owner, owner_params = _owner(owner)
    case = " ".join(f"WHEN a.at < ? THEN {n}" for n in range(len(weeks) - 1))
    rows = _run(f"""SELECT CASE {case} END AS week, a.kind, COALESCE(c.owner, ''), COUNT(*)
                    FROM activity a JOIN card c ON c.id = a.card_id
                    WHERE {DONE_ACTIVITY} AND a.at >= ? AND a.at < ?{where_owner}
                    GROUP BY week, a.kind, COALESCE(c.owner, '')""",
                [*weeks[1:], weeks[0], weeks[-1], *owner_params])
    return [(int(week), kind, owner_, int(count)) for week, kind, owner_, count in rows]


def stale_cards(stage: str, before: datetime, owner: str | None) -> int:
    """Cards in ``stage`` whose last activity (or creation) is ``before`` or older."""
    where_owner, owner_params = _owner(owner)
    ((count,),) = _run(f"""SELECT COUNT(*) FROM card c WHERE c.stage = ?
                           AND COALESCE(c.last_activity_at, c.created_at) <= ?{where_owner}""",
                       [stage, before, *owner_params])
    return int(count)


# ---- the pipeline as of a day ----------------------------------------------------------------


def stages_at(at: datetime, owner: str | None) -> dict[str, tuple[int, Decimal]]:
    """Per stage: the cards in it at ``at``, and their amount now."""
    where_owner, owner_params = _owner(owner)
    rows = _run(f"""SELECT v.stage, COUNT(*), SUM(c.amount) FROM stage_visit v JOIN card c ON c.id = v.card_id
                    WHERE v.entered_at < ? AND (v.left_at IS NULL OR v.left_at >= ?){where_owner}
                    GROUP BY v.stage""", [at, at, *owner_params])
    return {stage: (int(count), _money(amount)) for stage, count, amount in rows}


def stage_pairs(before: datetime, after: datetime, owner: str | None) -> list[tuple[str | None, str, int]]:
    """(stage at ``before`` or None if the card did not exist, stage at ``after``, cards)."""
    where_owner, owner_params = _owner(owner)
    rows = _run(f"""SELECT a.stage, b.stage, COUNT(*) FROM stage_visit b JOIN card c ON c.id = b.card_id
                    LEFT JOIN stage_visit a ON a.card_id = b.card_id AND a.entered_at < ?
                         AND (a.left_at IS NULL OR a.left_at >= ?)
                    WHERE b.entered_at < ? AND (b.left_at IS NULL OR b.left_at >= ?){where_owner}
                    GROUP BY a.stage, b.stage""", [before, before, after, after, *owner_params])
    return [(first, second, int(count)) for first, second, count in rows]


def card_stages_at(at: datetime, stage: str, offset: int, limit: int, owner: str | None) -> list[int]:
    """Ids of the cards that were in ``stage`` at ``at``, newest entry first (the as-of board)."""
    where_owner, owner_params = _owner(owner)
    rows = _run(f"""SELECT v.card_id FROM stage_visit v JOIN card c ON c.id = v.card_id
                    WHERE v.stage = ? AND v.entered_at < ? AND (v.left_at IS NULL OR v.left_at >= ?){where_owner}
                    ORDER BY v.entered_at DESC, v.card_id DESC LIMIT ? OFFSET ?""",
                [stage, at, at, *owner_params, limit, offset])
    return [int(card_id) for (card_id,) in rows]
