"""Writing the pipeline out: every card with every field, as CSV or JSON, in board order.

What ``export`` writes, ``import`` reads back to the same board: the same cards in the same
columns and order, with the same fields, owners, warnings, lost reasons, dates and counts (only
the ids are new). ``with_history`` adds each card's moves and activities. A CSV cell a spreadsheet
would run as a formula is neutralised (OWASP), and ``import`` restores it from the header it knows.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from leadboard.domain.card import Card, field_text
from leadboard.domain.planned import PlannedRecord, next_step_state
from leadboard.domain.stages import Stage
from leadboard.domain.text import csv_cell, csv_cell_restored
from leadboard.service.transfer import names as col
from leadboard.store import planned

#: the columns of an export, in order (then, in CSV, one column per extra field's name; in JSON,
#: the extra fields as one ``extra`` object)
EXPORT_COLUMNS: tuple[str, ...] = col.EXPORT_COLUMNS
HISTORY_COLUMNS: tuple[str, ...] = (col.HISTORY, col.ACTIVITY_LOG)
#: what JSON records add: the card's open planned activities (import plans them again), its next
#: step and how urgent it is (derived from them, so import skips those)
NEXT_STEP_COLUMNS: tuple[str, ...] = (col.PLANNED, col.NEXT_STEP, col.NEXT_STEP_STATE)
Format = Literal["csv", "json"]


def export_cards(out: TextIO, format: Format = "csv", stage: Stage | None = None,
                 with_history: bool = False, progress: Callable[[int], None] | None = None) -> int:
    """Write the cards to ``out``; returns how many."""
    columns = EXPORT_COLUMNS + (HISTORY_COLUMNS if with_history else ())
    records = _records(stage, with_history, next_steps=format == "json")
    count = 0
    if format == "json":
        # the shape of ``card_record`` (the fields, the extras, what is next), then the history
        later = NEXT_STEP_COLUMNS + (HISTORY_COLUMNS if with_history else ())
        out.write("[")
        for record in records:
            out.write(",\n" if count else "\n")
            document = {name: _json(record[name]) for name in EXPORT_COLUMNS}
            document[col.EXTRA] = record[col.EXTRA]
            document.update((name, _json(record[name])) for name in later)
            out.write(json.dumps(document, ensure_ascii=False))
            count += 1
            if progress and count % 10_000 == 0:
                progress(count)
        out.write("\n]\n" if count else "]\n")
        return count
    from leadboard.store import imports  # the bulk reader: not needed by show and list

    writer = csv.writer(out)
    extra_names = imports.extra_names(stage.value if stage else None)
    taken = set(columns)
    writer.writerow([*columns, *(f"{name} (extra)" if name in taken else name for name in extra_names)])
    for record in records:
        extra = record[col.EXTRA]
        writer.writerow([*(_text(record[name]) for name in columns),
                         *(csv_cell(extra.get(name, "")) for name in extra_names)])
        count += 1
        if progress and count % 10_000 == 0:
            progress(count)
    return count


def _records(stage: Stage | None, with_history: bool, next_steps: bool = False) -> Iterator[dict[str, Any]]:
    now = utc_now()
    from leadboard.store import imports  # the bulk reader: not needed by show and list

    for page in imports.cards_in_board_order(stage.value if stage else None):
        moves: dict[int, list[dict[str, Any]]] = {}
        activities: dict[int, list[dict[str, Any]]] = {}
        ids = [row["id"] for row in page]
        steps = planned.next_steps(ids) if next_steps else {}
        plans = planned.open_of_cards(ids) if next_steps else {}
        if with_history:
            moves = imports.history_of_cards(ids)
            activities = imports.activities_of_cards(ids)
        for row in page:
            record = dict(row)
            record["warnings"] = [w for w in (row["warnings"] or "").split(",") if w]
            record[col.EXTRA] = json.loads(row["extra"]) if row["extra"] else {}
            if next_steps:
                record.update(next_step_fields(Stage(row["stage"]), steps.get(row["id"]), now,
                                               plans.get(row["id"], [])))
            if with_history:
                record[col.HISTORY] = [_move(move) for move in moves[row["id"]]]
                record[col.ACTIVITY_LOG] = [_activity(item) for item in activities[row["id"]]]
            yield record


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _move(row: dict[str, Any]) -> dict[str, Any]:
    return {"move": row["move"], "from": row["from_stage"], "to": row["to_stage"], "by": row["by"],
            "at": _json(row["at"]), "reason": row["reason"],
            "warnings": [w for w in (row["warnings"] or "").split("\n") if w]}


def _activity(row: dict[str, Any]) -> dict[str, Any]:
    return {"kind": row["kind"], "summary": row["summary"], "at": _json(row["at"]), "by": row["by"]}


def next_step_fields(stage: Stage, step: PlannedRecord | None, now: datetime,
                     open_steps: list[PlannedRecord]) -> dict[str, Any]:
    """``planned`` (the open steps), ``next_step`` (``{"id", "kind", "due", "summary"}`` or None)
    and ``next_step_state``."""
    state = next_step_state(stage, step, now)
    return {
        col.PLANNED: [{"kind": p.kind.value, "summary": p.summary, "due": p.due.iso(), "owner": p.owner,
                       "planned_by": p.planned_by, "planned_at": field_text(p.planned_at)} for p in open_steps],
        col.NEXT_STEP: None if step is None else {"id": step.id, "kind": step.kind.value, "due": step.due.iso(),
                                                  "summary": step.summary},
        col.NEXT_STEP_STATE: state.value if state else None,
    }


def card_record(card: Card, step: PlannedRecord | None = None, now: datetime | None = None,
                open_steps: list[PlannedRecord] | None = None) -> dict[str, Any]:
    """One card as export writes it in JSON (and ``show --json`` and ``list --json`` print it),
    ``step`` being its next step and ``open_steps`` all its open planned activities."""
    record: dict[str, Any] = {col.ID: card.id, col.STAGE: card.stage.value, **card.fields(),
                              col.LOST_FROM: card.lost_from.value if card.lost_from else None,
                              col.LOST_REASON: card.lost_reason, "warnings": list(card.warnings),
                              "activity_count": card.activity_count, "last_activity_at": card.last_activity_at,
                              "created_at": card.created_at, "created_by": card.created_by,
                              "updated_at": card.updated_at, "updated_by": card.updated_by,
                              "version": card.version, col.SOURCE_ID: card.source_id}
    record.update(next_step_fields(card.stage, step, now or utc_now(), open_steps or []))
    return {**{name: _json(record[name]) for name in EXPORT_COLUMNS}, col.EXTRA: dict(card.extra),
            **{name: _json(record[name]) for name in NEXT_STEP_COLUMNS}}


def _json(value: Any) -> Any:
    """JSON keeps numbers and booleans; amounts are strings so no cent is lost to a float."""
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return field_text(value)


def _text(value: Any) -> str:
    """A CSV cell: a spreadsheet shows it as text, never runs it as a formula (``csv_cell``)."""
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            return csv_cell(",".join(value))
        return csv_cell(json.dumps(value, ensure_ascii=False))
    return csv_cell(field_text(value))


def is_own_export(header: list[str]) -> bool:
    """True for the header of a CSV file ``export`` wrote (its cells were neutralised): leadboard's
    columns first, then the history's and the cards' extra fields, if any."""
    return tuple(header[:len(EXPORT_COLUMNS)]) == EXPORT_COLUMNS


def restored(cells: list[str]) -> list[str]:
    """A row of leadboard's own CSV export with each cell's exact text back (``csv_cell_restored``)."""
    return [csv_cell_restored(cell) for cell in cells]
