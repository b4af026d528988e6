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
from typing import Any, Literal, TextIO

from leadboard.domain.card import Card, field_text
from leadboard.domain.stages import Stage
from leadboard.domain.text import csv_cell, csv_cell_restored
from leadboard.service.transfer import columns as col

#: the columns of an export, in order (then, in CSV, one column per extra field's name; in JSON,
#: the extra fields as one ``extra`` object)
EXPORT_COLUMNS: tuple[str, ...] = col.EXPORT_COLUMNS
HISTORY_COLUMNS: tuple[str, ...] = (col.HISTORY, col.ACTIVITY_LOG)
Format = Literal["csv", "json"]


def export_cards(out: TextIO, format: Format = "csv", stage: Stage | None = None,
                 with_history: bool = False, progress: Callable[[int], None] | None = None) -> int:
    """Write the cards to ``out``; returns how many."""
    columns = EXPORT_COLUMNS + (HISTORY_COLUMNS if with_history else ())
    records = _records(stage, with_history)
    count = 0
    if format == "json":
        out.write("[")
        for record in records:
            out.write(",\n" if count else "\n")
            document = {name: _json(record[name]) for name in columns}
            document[col.EXTRA] = record[col.EXTRA]
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
        writer.writerow([*(_text(record[name]) for name in columns), *(extra.get(name, "") for name in extra_names)])
        count += 1
        if progress and count % 10_000 == 0:
            progress(count)
    return count


def _records(stage: Stage | None, with_history: bool) -> Iterator[dict[str, Any]]:
    from leadboard.store import imports  # the bulk reader: not needed by show and list

    for page in imports.cards_in_board_order(stage.value if stage else None):
        moves: dict[int, list[dict[str, Any]]] = {}
        activities: dict[int, list[dict[str, Any]]] = {}
        if with_history:
            ids = [row["id"] for row in page]
            moves = imports.history_of_cards(ids)
            activities = imports.activities_of_cards(ids)
        for row in page:
            record = dict(row)
            record["warnings"] = [w for w in (row["warnings"] or "").split(",") if w]
            record[col.EXTRA] = json.loads(row["extra"]) if row["extra"] else {}
            if with_history:
                record[col.HISTORY] = [_move(move) for move in moves[row["id"]]]
                record[col.ACTIVITY_LOG] = [_activity(item) for item in activities[row["id"]]]
            yield record


def _move(row: dict[str, Any]) -> dict[str, Any]:
    return {"move": row["move"], "from": row["from_stage"], "to": row["to_stage"], "by": row["by"],
            "at": _json(row["at"]), "reason": row["reason"],
            "warnings": [w for w in (row["warnings"] or "").split("\n") if w]}


def _activity(row: dict[str, Any]) -> dict[str, Any]:
    return {"kind": row["kind"], "summary": row["summary"], "at": _json(row["at"]), "by": row["by"]}


def card_record(card: Card) -> dict[str, Any]:
    """One card as export writes it in JSON (and ``show --json`` and ``list --json`` print it)."""
    record: dict[str, Any] = {col.ID: card.id, col.STAGE: card.stage.value, **card.fields(),
                              col.LOST_FROM: card.lost_from.value if card.lost_from else None,
                              col.LOST_REASON: card.lost_reason, "warnings": list(card.warnings),
                              "activity_count": card.activity_count, "last_activity_at": card.last_activity_at,
                              "created_at": card.created_at, "created_by": card.created_by,
                              "updated_at": card.updated_at, "updated_by": card.updated_by,
                              "version": card.version, col.SOURCE_ID: card.source_id}
    return {**{name: _json(record[name]) for name in EXPORT_COLUMNS}, col.EXTRA: dict(card.extra)}


def _json(value: Any) -> Any:
    """JSON keeps numbers and booleans; amounts are strings so no cent is lost to a float."""
    if value is None or isinstance(value, bool | int | float | str | list):
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
