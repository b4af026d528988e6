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


def _owner_join(owner: str | None, visit: str = "v") -> tuple[str, list[Any]]:
    """The join and condition that narrow visits to one owner's cards; nothing for everyone's
    (so a query that needs nothing else of the card never reads it)."""
    if owner is None:
        return "", []
    return f" JOIN card c ON c.id = {visit}.card_id AND c.owner = ?", [owner]


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


#: the activities that happened: the one condition every report counts activities by. Planned
#: activities (next steps) live in their own table, ``planned_activity``, and reach ``activity``
#: only when completed (a done step becomes a row of the log), so every row here is a done one;
#: were planned rows ever kept in ``activity``, narrowing this condition would be the one change.
DONE_ACTIVITY = "1 = 1"


# ---- funnel ----------------------------------------------------------------------------------


def funnel_stage(stage: str, next_stage: str | None, start: datetime, end: datetime,
                 owner: str | None, count_won: bool = False) -> dict[str, int]:
    """Of the cards that entered ``stage`` in [start, end) (each once, from its first entry then),
    how many entered ``next_stage`` after that entry (before ``end``), and of the rest how many
    stood, at ``end``, still in ``stage``, lost, or back in an earlier stage. ``won`` counts the
    cards that entered the account stage after that entry (when ``count_won``)."""
    join, owner_params = _owner_join(owner)
    # what the card entered after that entry, before the end, in one look-up: 1 the next stage,
    # 2 the account stage (counted only when ``count_won``), 3 both
    entered = ("COALESCE((SELECT MAX(CASE WHEN n.stage = ? THEN 1 ELSE 0 END) "
               "+ MAX(CASE WHEN n.stage = ? THEN 2 ELSE 0 END) FROM stage_visit n "
               "WHERE n.card_id = k.card_id AND n.entered_at >= k.first_at AND n.entered_at < ?), 0)")
    at_end = ("(SELECT e.stage FROM stage_visit e WHERE e.card_id = k.card_id AND e.entered_at < ? "
              "ORDER BY e.entered_at DESC, e.opened_by DESC LIMIT 1)")

    def where_at_end(won: str) -> str:
        return (f"CASE {at_end} WHEN ? THEN 'still_there{won}' WHEN 'lost' THEN 'lost{won}' "
                f"ELSE 'moved_back{won}' END")

    # a card whose first entry then is still open never left the stage: it is still there and
    # went nowhere, which the visits' index says without a look-up (a card's visits follow one
    # another, so an open visit is its last). For the others, each fact is read once, and where
    # the card stood at the end only when it did not go on (a simple CASE reads its subject once;
    # a subject named in several WHENs would be read again). "+won" marks the cards won.
    sql = f"""
        SELECT f.outcome, COUNT(*)
        FROM (SELECT CASE WHEN k.open_at = k.first_at THEN 'still_there'
                          ELSE CASE {entered} WHEN 1 THEN 'advanced' WHEN 3 THEN 'advanced+won'
                                    WHEN 2 THEN {where_at_end("+won")}
                                    ELSE {where_at_end("")} END END AS outcome
              FROM (SELECT v.card_id, MIN(v.entered_at) AS first_at,
                           MAX(CASE WHEN v.left_at IS NULL THEN v.entered_at END) AS open_at
                    FROM stage_visit v{join}
                    WHERE v.stage = ? AND v.entered_at >= ? AND v.entered_at < ?
                    GROUP BY v.card_id) k) f
        GROUP BY f.outcome
    """
    params: list[Any] = [next_stage or "", "account" if count_won else "", end, end, stage, end, stage,
                         *owner_params, stage, start, end]
    counts = {"advanced": 0, "still_there": 0, "lost": 0, "moved_back": 0, "won": 0}
    for outcome, count in _run(sql, params):
        name, _, won = str(outcome).partition("+")
        counts[name] += int(count)
        if won:
            counts["won"] += int(count)
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


def cycles(start: datetime, end: datetime, owner: str | None,
           firsts: tuple[str, ...] = ("contact", "lead")) -> dict[str, tuple[int, float]]:
    """For the wins in [start, end) (entries into the account stage from opportunity): per first
    stage ('contact', 'lead'), how many had one, and the summed seconds from the card's first
    entry into it to the win."""
    join, owner_params = _owner_join(owner)
    result: dict[str, tuple[int, float]] = {}
    for first in firsts:
        sql = f"""
            SELECT COUNT(f.first_at), SUM({_epoch("f.won_at")} - {_epoch("f.first_at")})
            FROM (SELECT v.entered_at AS won_at,
                         (SELECT MIN(s.entered_at) FROM stage_visit s WHERE s.card_id = v.card_id
                          AND s.stage = ? AND s.entered_at <= v.entered_at) AS first_at
                  FROM stage_visit v{join}
                  WHERE v.stage = 'account' AND v.from_stage = 'opportunity'
                    AND v.entered_at >= ? AND v.entered_at < ?) f
        """
        ((count, seconds),) = _run(sql, [first, *owner_params, start, end])
        result[first] = (int(count or 0), float(seconds or 0))
    return result


# ---- time in stage ---------------------------------------------------------------------------


def stays(stage: str, start: datetime, end: datetime, now: datetime, owner: str | None) -> dict[str, Any]:
    """Visits to ``stage`` that ended in [start, end): how many, summed and median seconds; and
    visits still open at ``end`` (or now, if sooner): how many, summed seconds so far."""
    join, owner_params = _owner_join(owner)
    duration = f"({_epoch('v.left_at')} - {_epoch('v.entered_at')})"
    left = f"""FROM stage_visit v{join}
               WHERE v.stage = ? AND v.left_at >= ? AND v.left_at < ?"""
    params = [*owner_params, stage, start, end]
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
        f"""SELECT COUNT(*), SUM({so_far}) FROM stage_visit v{join}
            WHERE v.stage = ? AND v.entered_at < ? AND (v.left_at IS NULL OR v.left_at >= ?)""",
        [upto, *owner_params, stage, upto, upto],
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
    join, owner_params = _owner_join(owner)
    ((count,),) = _run(f"""SELECT COUNT(*) FROM stage_visit v{join}
                           WHERE v.stage = 'opportunity' AND v.entered_at < ?
                             AND (v.left_at IS NULL OR v.left_at >= ?)""",
                       [*owner_params, at, at])
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
    where_owner, owner_params = _owner(owner, "a.owner")
    case = " ".join(f"WHEN a.at < ? THEN {n}" for n in range(len(weeks) - 1))
    # each activity carries its card's owner now, so the period's are counted from one index; the
    # few on deleted cards (found from the cards by stage) are taken off again
    counted = f"""SELECT CASE {case} END AS week, a.kind AS kind, COALESCE(a.owner, '') AS owner, {{sign}} AS n
                  FROM {{source}} WHERE {DONE_ACTIVITY} AND a.at >= ? AND a.at < ?{where_owner}"""
    params = [*weeks[1:], weeks[0], weeks[-1], *owner_params]
    deleted = "card c JOIN activity a ON a.card_id = c.id AND c.stage = 'deleted'"
    rows = _run(f"""SELECT t.week, t.kind, t.owner, SUM(t.n)
                    FROM ({counted.format(sign=1, source="activity a")}
                          UNION ALL
                          {counted.format(sign=-1, source=deleted)}) t
                    GROUP BY t.week, t.kind, t.owner HAVING SUM(t.n) <> 0""", [*params, *params])
    return [(int(week), kind, owner_, int(count)) for week, kind, owner_, count in rows]


def stale_cards(stage: str, before: datetime, owner: str | None) -> int:
    """Cards in ``stage`` whose last activity (or creation) is ``before`` or older."""
    where_owner, owner_params = _owner(owner)
    ((count,),) = _run(f"""SELECT COUNT(*) FROM card c WHERE c.stage = ?
                           AND COALESCE(c.last_activity_at, c.created_at) <= ?{where_owner}""",
                       [stage, before, *owner_params])
    return int(count)


# ---- the pipeline as of a day ----------------------------------------------------------------


_ALL_STAGES = "('contact', 'lead', 'opportunity', 'account', 'lost')"


def stages_at(at: datetime, owner: str | None, amounts: bool = True) -> dict[str, tuple[int, Decimal]]:
    """Per stage: the cards in it at ``at``, and their amount now. Read as today's kept totals,
    less the cards that entered a stage since ``at`` and are still there, plus those that were
    there at ``at`` and have left since: the work grows with the moves since ``at``, not with the
    size of the history, and both are read from one index of the visits, which carry their card's
    owner and amount (no card is read). Without ``amounts``, 0 for every stage."""
    totals: dict[str, list[Any]] = {}
    where_owner, owner_params = _owner(owner, "t.owner")
    for stage, count, amount in _run(f"""SELECT t.stage, SUM(t.cards), SUM(t.amount) FROM stage_total t
                                         WHERE 1 = 1{where_owner} GROUP BY t.stage""", owner_params):
        totals[stage] = [int(count or 0), _money(amount) if amounts else Decimal("0.00")]
    where_owner, owner_params = _owner(owner, "v.owner")
    amount = "SUM(v.amount)" if amounts else "0"
    since = f"""SELECT v.stage, COUNT(*), {amount} FROM stage_visit v
                WHERE v.stage IN {_ALL_STAGES} AND v.left_at IS NULL AND v.entered_at >= ?{where_owner}
                GROUP BY v.stage"""
    left = f"""SELECT v.stage, COUNT(*), {amount} FROM stage_visit v
               WHERE v.stage IN {_ALL_STAGES} AND v.left_at >= ? AND v.entered_at < ?{where_owner}
               GROUP BY v.stage"""
    for sign, rows in ((-1, _run(since, [at, *owner_params])), (1, _run(left, [at, at, *owner_params]))):
        for stage, count, amount in rows:
            tally = totals.setdefault(stage, [0, Decimal("0.00")])
            tally[0] += sign * int(count)
            tally[1] += sign * _money(amount)
    return {stage: (count, amount) for stage, (count, amount) in totals.items() if count}


# ---- values as they stood: read back from the change journal ---------------------------------

def journal_began() -> datetime | None:
    """When the change journal began recording every edit: when the "change-journal" step ran
    (None on a database where it has not)."""
    rows = _run("SELECT applied_at FROM schema_step WHERE name = 'change-journal'")
    if not rows or rows[0][0] is None:
        return None
    began = rows[0][0]
    return began if isinstance(began, datetime) else datetime.fromisoformat(str(began))


def _was(field: str, card: str) -> str:
    """The text of ``field`` before the card's first journaled change of it after the time
    bound as ``?``: '' for "not set", NULL when nothing changed it since."""
    return (f"(SELECT COALESCE(f.old, '') FROM journal_entry e JOIN journal_field f ON f.entry_id = e.id "
            f"WHERE e.card_id = {card} AND e.at > ? AND f.field = '{field}' ORDER BY e.id, f.id LIMIT 1)")


def _then(field: str) -> str:
    """The card's ``field`` as it stood (``t.<field>_was`` read by ``_was``), else as it is now."""
    return (f"CASE WHEN t.{field}_was IS NULL THEN c.{field} WHEN t.{field}_was = '' THEN NULL "
            f"ELSE CAST(t.{field}_was AS NUMERIC) END")


#: what a card was worth on the board (``card_amount``: its value, else its budget) as it stood
_AMOUNT_THEN = f"COALESCE({_then('value')}, {_then('budget')}, 0)"

#: an imported card's values before its import are not the journal's to know
_NOT_IMPORTED_AFTER = ("NOT EXISTS (SELECT 1 FROM history h WHERE h.card_id = c.id AND h.move = 'import' "
                       "AND h.at > ?)")


def amount_changes_at(at: datetime, owner: str | None) -> dict[str, Decimal]:
    """Per stage at ``at``: how much more (or less) its cards were worth then than now, read
    from the journaled changes of value and budget since ``at`` (the work grows with those
    edits, not with the cards). Imported cards count at their value now until their import.
    (``+e.card_id``: the edits are read along the journal's index by time; without it SQLite
    would rather read the whole journal in card order to skip sorting the few cards found.)"""
    where_owner, owner_params = _owner(owner)
    sql = f"""
        SELECT v.stage, SUM({_AMOUNT_THEN} - c.amount)
        FROM (SELECT k.card_id, {_was('value', 'k.card_id')} AS value_was,
                     {_was('budget', 'k.card_id')} AS budget_was
              FROM (SELECT DISTINCT +e.card_id AS card_id FROM journal_entry e
                    JOIN journal_field f ON f.entry_id = e.id
                    WHERE e.at > ? AND f.field IN ('value', 'budget')) k) t
        JOIN card c ON c.id = t.card_id
        JOIN stage_visit v ON v.card_id = t.card_id AND v.stage IN {_ALL_STAGES} AND v.entered_at < ?
             AND (v.left_at IS NULL OR v.left_at >= ?)
        WHERE {_NOT_IMPORTED_AFTER}{where_owner}
        GROUP BY v.stage
    """
    rows = _run(sql, [at, at, at, at, at, at, *owner_params])
    return {stage: _money(delta) for stage, delta in rows if delta}


def imported_after(at: datetime, owner: str | None) -> int:
    """How many cards on the board at ``at`` were imported after it (the journal does not know
    what they were worth then)."""
    join, owner_params = _owner_join(owner)
    ((count,),) = _run(f"""SELECT COUNT(DISTINCT h.card_id) FROM history h
                           JOIN stage_visit v ON v.card_id = h.card_id AND v.stage IN {_ALL_STAGES}
                                AND v.entered_at < ? AND (v.left_at IS NULL OR v.left_at >= ?){join}
                           WHERE h.move = 'import' AND h.at > ?""", [at, at, *owner_params, at])
    return int(count or 0)


def amounts_at(card_ids: Sequence[int], at: datetime) -> dict[int, Decimal]:
    """What each of ``card_ids`` (a page of the as-of board) was worth at ``at``, for those whose
    value or budget the journal has changed since (and not imported after ``at``)."""
    if not card_ids:
        return {}
    marks = ", ".join("?" for _ in card_ids)
    sql = f"""
        SELECT c.id, {_AMOUNT_THEN}
        FROM (SELECT k.id AS card_id, {_was('value', 'k.id')} AS value_was, {_was('budget', 'k.id')} AS budget_was
              FROM card k WHERE k.id IN ({marks})) t
        JOIN card c ON c.id = t.card_id
        WHERE (t.value_was IS NOT NULL OR t.budget_was IS NOT NULL) AND {_NOT_IMPORTED_AFTER}
    """
    return {int(card_id): _money(amount) for card_id, amount in _run(sql, [at, at, *card_ids, at])}


def stage_pairs(before: datetime, after: datetime, owner: str | None) -> list[tuple[str | None, str, int]]:
    """(stage at ``before`` or None if the card did not exist, stage at ``after``, cards) of the
    cards that moved (or were made) between the two: the cards that did not are where they were.
    A card that moved stands at ``after`` in a visit it entered between the two (its visits follow
    one another), so the visits entered then and still open at ``after`` are the moved cards, each
    once, read along one index; only where each stood at ``before`` is looked up."""
    join, owner_params = _owner_join(owner, "b")
    rows = _run(f"""SELECT a.stage, b.stage, COUNT(*)
                    FROM stage_visit b{join}
                    LEFT JOIN stage_visit a ON a.card_id = b.card_id AND a.entered_at < ?
                         AND (a.left_at IS NULL OR a.left_at >= ?)
                    WHERE b.stage IN {_ALL_STAGES} AND b.entered_at >= ? AND b.entered_at < ?
                      AND (b.left_at IS NULL OR b.left_at >= ?)
                    GROUP BY a.stage, b.stage""", [*owner_params, before, before, before, after, after])
    return [(first, second, int(count)) for first, second, count in rows]


def card_stages_at(at: datetime, stage: str, offset: int, limit: int, owner: str | None) -> list[int]:
    """Ids of the cards that were in ``stage`` at ``at``, newest entry first (the as-of board)."""
    join, owner_params = _owner_join(owner)
    rows = _run(f"""SELECT v.card_id FROM stage_visit v{join}
                    WHERE v.stage = ? AND v.entered_at < ? AND (v.left_at IS NULL OR v.left_at >= ?)
                    ORDER BY v.entered_at DESC, v.card_id DESC LIMIT ? OFFSET ?""",
                [*owner_params, stage, at, at, limit, offset])
    return [int(card_id) for (card_id,) in rows]
