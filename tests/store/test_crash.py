"""A writer killed (SIGKILL) in the middle of a big transaction leaves the database whole: every
batch it committed is there in full, the one it was writing is not there at all."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from leadboard.domain.stages import Move
from leadboard.service.setup import open_pipeline
from leadboard.store import db
from leadboard.store.cards import NO_FILTER, recount_totals, stage_totals
from leadboard.store.models import Card, History

WORKER = Path(__file__).with_name("crash_worker.py")
BATCH = 400


def lines(log: Path) -> list[list[str]]:
    return [line.split() for line in log.read_text().splitlines()] if log.exists() else []


def last_note(log: Path) -> list[str]:
    notes = lines(log)
    return notes[-1][:2] if notes else []


def test_killed_mid_transaction_leaves_all_or_nothing(db_target: str, engine: str, tmp_path: Path) -> None:
    open_pipeline(db_target, "setup")  # schema in place before the worker starts
    db.close()
    log = tmp_path / "crash.log"
    worker = subprocess.Popen([sys.executable, str(WORKER), db_target, str(BATCH), str(log)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    try:
        # batch 1 committed and batch 2 half written: kill it there
        while last_note(log) != ["halfway", "2"]:
            assert worker.poll() is None, worker.communicate()
            assert time.monotonic() < deadline, "the worker never got half way through batch 2"
            time.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait()
    assert worker.returncode == -signal.SIGKILL

    notes = lines(log)
    assert notes[-1][:2] == ["halfway", "2"], "the kill was meant to land inside batch 2's transaction"
    if engine == "sqlite":
        started, halfway = int(notes[-2][2]), int(notes[-1][2])
        assert halfway > started, "batch 2 should have spilled uncommitted pages into the WAL"

    check = open_pipeline(db_target, "auditor")
    if engine == "sqlite":
        assert db.database.execute_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.database.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    assert Card.select().where(Card.company == "batch-1").count() == BATCH
    assert Card.select().where(Card.company == "batch-2").count() == 0
    assert History.select().where(History.move == Move.CREATE.value).count() == BATCH
    # the kept column totals hold batch 1 and nothing of batch 2
    kept = stage_totals(NO_FILTER)
    with db.database.atomic() as transaction:
        recount_totals()
        assert stage_totals(NO_FILTER) == kept
        transaction.rollback()
    # and the database takes writes again
    card = check.create({"name": "After The Crash", "email": "after@example.com"})
    assert check.card(card.id).name == "After The Crash"
