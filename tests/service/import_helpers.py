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


def run_import(pipeline, path: Path, **options) -> ImportSummary:
    return import_file(pipeline, path, ImportOptions(**options))


def only_card():
    rows = list(CardRow.select())
    assert len(rows) == 1, f"expected one card, found {len(rows)}"
    return rows[0]
