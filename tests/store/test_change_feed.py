"""The change feed open boards poll: a poll never reads past a change that is still being
committed, or the board would never redraw that card (PostgreSQL numbers rows at INSERT, not in
commit order; SQLite commits one writer at a time)."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from leadboard.domain.stages import Stage
from leadboard.service import Pipeline
from leadboard.service.transfer.importer import ImportOptions, ImportProgress, import_file
from leadboard.store import cards, db, imports
from tests.service.import_helpers import run_import, write_csv


def test_a_poll_waits_for_a_slower_writer_with_an_older_change(pipeline: Pipeline, engine: str) -> None:
    if engine != "postgresql":
        pytest.skip("SQLite writers commit one at a time, in the order of their change ids")
    slow_card = pipeline.create({"name": "Slow Writer", "email": "slow@example.com"})
    quick_card = pipeline.create({"name": "Quick Writer", "email": "quick@example.com"})
    start = pipeline.latest_change()
    noted, release = threading.Event(), threading.Event()

    def slow_writer() -> None:  # its own connection, as another salesperson's process would be
        def work() -> None:
            cards.note_change(slow_card.id, datetime(2025, 1, 1))
            noted.set()
            assert release.wait(10)

        try:
            db.in_transaction(work)
        finally:
            db.database.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    try:
        assert noted.wait(10)
        pipeline.edit(quick_card.id, {"notes": "committed first, with the newer id"})
        # the quick change is committed, but reading it now would step over the slow one for good
        assert pipeline.changes_since(start) == (start, set())
    finally:
        release.set()
        thread.join()
    newest, changed = pipeline.changes_since(start)
    assert changed == {slow_card.id, quick_card.id}
    assert newest == pipeline.latest_change()


def test_a_poll_reports_the_cards_changed_since(pipeline: Pipeline) -> None:
    first = pipeline.create({"name": "Ada Lovelace", "email": "ada@example.com"})
    second = pipeline.create({"name": "Alan Turing", "email": "alan@example.com"})
    start = pipeline.latest_change()
    assert pipeline.changes_since(start) == (start, set())
    pipeline.log_activity(first.id, "call", "hello")
    pipeline.lose(second.id, "Went silent")
    newest, changed = pipeline.changes_since(start)
    assert changed == {first.id, second.id}
    assert pipeline.changes_since(newest) == (newest, set())


def _contacts_file(path: Path, rows: int) -> Path:
    return write_csv(path, ["Name", "Email"], [[f"Imported {n}", f"imported{n}@example.com"] for n in range(rows)])


def test_a_poll_waits_for_an_import_batch_still_being_written(pipeline: Pipeline, engine: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    if engine != "postgresql":
        pytest.skip("SQLite writers commit one at a time, in the order of their change ids")
    quick_card = pipeline.create({"name": "Quick Writer", "email": "quick@example.com"})
    start = pipeline.latest_change()
    written, release = threading.Event(), threading.Event()
    advance_run = imports.advance_run

    def batch_written_then_wait(*args: Any) -> bool:  # inside the batch's transaction, cards written
        written.set()
        assert release.wait(10)
        return advance_run(*args)

    monkeypatch.setattr(imports, "advance_run", batch_written_then_wait)
    source = _contacts_file(tmp_path / "contacts.csv", 3)

    def importer() -> None:  # its own connection, as the importing salesperson's process would be
        try:
            run_import(pipeline, source)
        finally:
            db.database.close()

    thread = threading.Thread(target=importer)
    thread.start()
    try:
        assert written.wait(10)
        pipeline.edit(quick_card.id, {"notes": "committed while the import batch is still open"})
        # reading the edit now would step over the import's change for good
        assert pipeline.changes_since(start) == (start, set())
    finally:
        release.set()
        thread.join()
    newest, changed = pipeline.changes_since(start)
    assert changed is None  # a bulk change: the board reloads every column
    assert newest == pipeline.latest_change()
    assert pipeline.stats()[Stage.CONTACT].cards == 4


def test_a_board_polling_after_each_import_batch_sees_every_card(pipeline: Pipeline, tmp_path: Path) -> None:
    source = _contacts_file(tmp_path / "contacts.csv", 7)
    seen = pipeline.latest_change()
    shown: list[int] = []

    def poll(progress: ImportProgress) -> None:  # as a board polls, between two committed batches
        nonlocal seen
        newest, changed = pipeline.changes_since(seen)
        assert newest > seen and changed is None, "the batch just committed is not in the feed"
        seen = newest
        shown.append(len(pipeline.column_page(Stage.CONTACT, 0, 100)))

    summary = import_file(pipeline, source, ImportOptions(batch_size=3), progress=poll)
    assert summary.imported == 7
    assert shown == [3, 6, 7]
    assert {card.name for card in pipeline.column_page(Stage.CONTACT, 0, 100)} == {f"Imported {n}" for n in range(7)}
