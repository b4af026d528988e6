"""Nothing half-imported: each batch lands whole, and running the same import again carries on."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from leadboard.service.transfer import importer
from leadboard.store import imports
from leadboard.store.db import HAND_OVER_EVERY_SECONDS
from leadboard.store.models import Activity, Change, History
from leadboard.store.models import Card as CardRow
from tests.service.import_helpers import run_import, write_csv


class Crash(Exception):
    pass


def _crash_on_batch(monkeypatch, number: int) -> None:
    """Batch ``number`` writes its cards, history and rejects, then dies before it commits."""
    real = imports.advance_run
    calls = {"n": 0}

    def advance_run(*args):
        calls["n"] += 1
        if calls["n"] == number:
            raise Crash
        return real(*args)

    monkeypatch.setattr(imports, "advance_run", advance_run)


def _rows(count: int) -> list[list[str]]:
    return [[f"Person {n}", f"p{n}@example.com", "12 Street" if n % 7 == 0 else ""] for n in range(count)]


def test_a_crash_mid_batch_leaves_whole_batches_and_a_rerun_finishes_without_duplicates(
        pipeline, tmp_path, monkeypatch, engine, db_target):
    rows = _rows(23)
    rows[3] = ["", "", "nobody three"]  # a reject in a batch that commits,
    rows[12] = ["", "", "nobody twelve"]  # one in the batch that crashes, and one after
    rows[21] = ["", "", "nobody twenty-one"]
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Notes"], rows)
    _crash_on_batch(monkeypatch, 3)
    with pytest.raises(Crash):
        run_import(pipeline, path, batch_size=5)
    assert CardRow.select().count() == 9 == History.select().count()
    # the dead batch's reject never reaches the file: it holds only the committed batches' rejects
    rejects = (tmp_path / "crm.csv.rejects.csv").read_text().splitlines()
    assert len(rejects) == 2 and "nobody three" in rejects[1]
    if engine == "sqlite":
        connection = sqlite3.connect(db_target)
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        connection.execute("INSERT INTO card_search(card_search) VALUES ('integrity-check')")
        connection.close()

    monkeypatch.undo()
    summary = run_import(pipeline, path, batch_size=5)
    assert summary.resumed_at == 10
    assert (summary.rows, summary.imported, summary.rejected) == (23, 20, 3)
    assert sorted(row.email for row in CardRow.select()) == sorted(r[1] for r in rows if "@" in r[1])
    rejects = (tmp_path / "crm.csv.rejects.csv").read_text().splitlines()
    assert len(rejects) == 4 and "nobody three" in rejects[1] and "nobody twelve" in rejects[2]
    assert "nobody twenty-one" in rejects[3]


def test_a_finished_import_run_again_skips_every_row_as_a_duplicate(pipeline, tmp_path):
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Notes"], _rows(6))
    run_import(pipeline, path, batch_size=4)
    again = run_import(pipeline, path, batch_size=4)
    assert (again.resumed_at, again.imported, again.skipped) == (0, 0, 6)


def test_a_changed_file_starts_over_instead_of_resuming(pipeline, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Notes"], _rows(12))
    _crash_on_batch(monkeypatch, 2)
    with pytest.raises(Crash):
        run_import(pipeline, path, batch_size=5)
    monkeypatch.undo()
    write_csv(path, ["Name", "Email", "Notes"], _rows(13))
    summary = run_import(pipeline, path, batch_size=5)
    assert (summary.resumed_at, summary.imported, summary.skipped) == (0, 8, 5)


def test_another_import_of_the_same_file_cannot_write_the_same_batch(pipeline, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Notes"], _rows(8))
    real = imports.advance_run

    def someone_else_got_there_first(run_id, rows_before, progress, state):
        imports.ImportRun.update(rows_done=rows_before + 1).where(imports.ImportRun.id == run_id).execute()
        return real(run_id, rows_before, progress, state)

    monkeypatch.setattr(imports, "advance_run", someone_else_got_there_first)
    with pytest.raises(importer.BadImportFile, match="Another import"):
        run_import(pipeline, path, batch_size=4)
    assert CardRow.select().count() == 0


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_a_big_file_read_in_a_second_process_imports_the_same(pipeline, tmp_path, monkeypatch, start):
    if start == "spawn":  # what a process with other threads (the board) uses
        monkeypatch.setattr(importer.threading, "active_count", lambda: 2)
    rows = _rows(40)
    rows[5][1] = "bad"
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Notes"], [*rows, ["", "", "a note about nobody"]])
    summary = run_import(pipeline, path, batch_size=7, parallel=True)
    assert (summary.rows, summary.imported, summary.rejected, summary.kept_as_text) == (41, 40, 1, {"Email": 1})
    assert CardRow.select().count() == 40


def test_a_json_file_broken_near_its_end_is_refused_before_anything_is_written(pipeline, tmp_path):
    path = tmp_path / "cards.json"
    items = ",".join(f'{{"name": "P{n}", "email": "p{n}@example.com"}}' for n in range(30))
    path.write_text(f"[{items}, {{\"name\": oops}}]", encoding="utf-8")
    with pytest.raises(importer.BadImportFile, match="JSON is broken"):
        run_import(pipeline, path, batch_size=10, parallel=True)
    assert CardRow.select().count() == 0


def test_a_huge_batch_size_still_commits_in_slices_bounded_by_time_and_a_colleague_writes_between(
        pipeline, tmp_path, db_target):
    """``--batch-size 1000000`` reads the file as one batch, yet the import commits whenever a
    transaction has written for the longest a run holds the lock (here a clock that says as much has
    gone at every look), so a colleague's write lands between two slices instead of waiting for the
    whole file."""
    colleague_card = pipeline.create({"name": "Zed Colleague", "email": "zed@example.com"})
    rows = _rows(1_200)
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Notes"], rows)
    ticks = iter(range(1_000_000))
    committed: list[int] = []

    def after_commit(progress: importer.ImportProgress) -> None:
        committed.append(progress.rows_done)
        if len(committed) == 1:  # bob logs a call from his own terminal while the import runs
            done = subprocess.run(
                [sys.executable, "-m", "leadboard", "--db", db_target, "--user", "bob", "log",
                 str(colleague_card.id), "--kind", "call", "--summary", "Called during the import"],
                capture_output=True, text=True, timeout=20, check=False)
            assert done.returncode == 0, done.stderr

    summary = importer.import_file(pipeline, path, importer.ImportOptions(
        batch_size=1_000_000, clock=lambda: next(ticks) * HAND_OVER_EVERY_SECONDS), after_commit)
    step = importer.WRITE_STEP
    assert committed == [step, 2 * step, 1_200]
    assert (summary.rows, summary.imported) == (1_200, 1_200)
    assert CardRow.select().count() == 1_201
    # the change feed orders every commit: bob's call came after the first slice, before the second
    feed = [change.card_id for change in Change.select().order_by(Change.id)]
    assert feed[-4:] == [None, colleague_card.id, None, None]
    assert [a.summary for a in Activity.select().where(Activity.card == colleague_card.id)] == [
        "Called during the import"]


def test_an_import_under_its_time_budget_commits_each_batch_once(pipeline, tmp_path):
    rows = _rows(1_200)
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Notes"], rows)
    committed: list[int] = []
    importer.import_file(pipeline, path, importer.ImportOptions(batch_size=700, clock=lambda: 0.0),
                         lambda progress: committed.append(progress.rows_done))
    assert committed == [700, 1_200]


def test_rejects_lost_to_a_crash_just_after_their_batch_committed_are_written_when_the_run_carries_on(
        pipeline, tmp_path, monkeypatch):
    rows = _rows(10)
    rows[1] = ["", "", "nobody one"]
    rows[6] = ["", "", "nobody six"]
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Notes"], rows)
    real = importer._RejectsFile.append
    calls = {"n": 0}

    def dies_before_the_second_append(self, data):
        calls["n"] += 1
        if calls["n"] == 2:
            raise Crash  # the second batch has committed; its reject never reached the file
        return real(self, data)

    monkeypatch.setattr(importer._RejectsFile, "append", dies_before_the_second_append)
    with pytest.raises(Crash):
        run_import(pipeline, path, batch_size=5)
    assert CardRow.select().count() == 8
    assert "nobody six" not in (tmp_path / "crm.csv.rejects.csv").read_text()

    monkeypatch.undo()
    summary = run_import(pipeline, path, batch_size=5)
    assert (summary.resumed_at, summary.rows, summary.imported, summary.rejected) == (10, 10, 8, 2)
    rejects = (tmp_path / "crm.csv.rejects.csv").read_text().splitlines()
    assert len(rejects) == 3 and "nobody one" in rejects[1] and "nobody six" in rejects[2]


def test_an_import_leaves_no_write_ahead_log_behind_while_a_board_keeps_the_database_open(
        pipeline, tmp_path, engine, db_target):
    """An import lets SQLite's log grow to 1 GB between checkpoints; a board open on the same
    database (its connection kept open) would keep that file on disk as long as it runs."""
    if engine != "sqlite":
        pytest.skip("PostgreSQL has no write-ahead log file beside the database")
    board = sqlite3.connect(db_target)
    try:
        assert board.execute("SELECT count(*) FROM card").fetchone() == (0,)
        summary = run_import(pipeline, write_csv(tmp_path / "crm.csv", ["Name", "Email", "Notes"], _rows(300)),
                             batch_size=100)
        assert summary.imported == 300
        assert os.path.getsize(f"{db_target}-wal") == 0
        assert board.execute("SELECT count(*) FROM card").fetchone() == (300,)
    finally:
        board.close()
