"""Shared by the import tests: a pipeline on a temporary database file, and small CSV writers."""

from __future__ import annotations

import csv
from pathlib import Path

from leadboard.service.transfer.importer import ImportOptions, ImportSummary, import_file
from leadboard.store.models import Card as CardRow


def write_csv(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ",",
              encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as file:
        writer = csv.writer(file, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def as_imported_by(record: dict, user: str) -> dict:
    """An exported card as an import into another database makes it: the same, but for what is that
    database's own and never taken from a file: who made and last changed it (the importing
    user), its version (1) and its count of interactions (counted from the activities the card
    comes with: none without --with-history). JSON keeps numbers, CSV text."""
    number = (lambda n: n) if isinstance(record.get("version"), int) else str
    return record | {"created_by": user, "updated_by": user, "version": number(1), "activity_count": number(0)}


def run_import(pipeline, path: Path, **options) -> ImportSummary:
    return import_file(pipeline, path, ImportOptions(**options))


def only_card():
    rows = list(CardRow.select())
    assert len(rows) == 1, f"expected one card, found {len(rows)}"
    return rows[0]
