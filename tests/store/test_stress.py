"""Eight salespeople's processes hammering the same cards at once lose nothing and break nothing.

Each process (stress_worker.py) makes hundreds of moves, edits and activities on a handful of shared
cards, always writing the version it read. Afterwards the database must tell one consistent story:
one history row per move that succeeded, every card where its history says it is, every
increment that a process saw succeed present in the card (no lost update), kept totals equal to a
recount, and on SQLite an intact file. The figures are printed for the record.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import peewee as pw
import pytest

from leadboard.domain.stages import Move, Stage
from leadboard.service.setup import close, open_pipeline
from leadboard.store import db
from leadboard.store.cards import NO_FILTER, changes_after, recount_totals, stage_totals
from leadboard.store.models import Activity, Change, History

WORKER = Path(__file__).with_name("stress_worker.py")
PROCESSES = 8
OPERATIONS = 300  # per process
CARDS = 12  # few cards, so the processes keep colliding on them
START_VALUE = Decimal(1000)


def card_ready_for_every_gate(number: int) -> dict[str, Any]:
    today = date.today()
    return {
        "name": f"Stress Test {number}", "company": f"Hammer {number} Ltd",
        "email": f"buyer{number}@example.com", "need": "A board that survives", "budget": 5000,
        "purchase_by": today + timedelta(days=30), "authority": True, "decision_maker": "Ann Signer",
        "requirements": "No lost updates", "supplier": "none", "value": START_VALUE,
        "close_by": today + timedelta(days=30), "terms": "Annual, net 30", "payment_terms": "Net 30",
        "contract_signed_on": today - timedelta(days=1),
    }


def replay(moves: list[Any]) -> Stage:
    """Where a card's history says it is: every move must start where the previous one ended."""
    stage: Stage | None = None
    for record in moves:
        assert record.from_stage == stage, f"history of card {record.card_id} breaks at move {record.id}"
        stage = record.to_stage
    assert stage is not None
    return stage


@pytest.mark.slow
def test_eight_processes_writing_the_same_cards_lose_nothing(db_target: str, engine: str, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    setup = open_pipeline(db_target, "manager")
    card_ids = []
    for number in range(CARDS):
        card = setup.create(card_ready_for_every_gate(number))
        setup.log_activity(card.id, "meeting", "kick-off")  # the develop gate wants one
        card_ids.append(card.id)
    close()

    sync = tmp_path / "sync"
    sync.mkdir()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), db_target, str(n), str(OPERATIONS), str(1000 + n),
             ",".join(map(str, card_ids)), str(sync)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        for n in range(PROCESSES)
    ]
    deadline = time.monotonic() + 60
    while len(list(sync.glob("ready-*"))) < PROCESSES:
        assert all(w.poll() is None for w in workers), "a worker died before it was ready"
        assert time.monotonic() < deadline, "workers did not get ready in time"
        time.sleep(0.02)
    started = time.monotonic()
    (sync / "go").touch()
    # meanwhile, an open board: it polls the change feed for ids after the newest it has seen
    feed = open_pipeline(db_target, "watcher")
    seen: set[int] = set()
    newest = first_change = feed.latest_change()
    while any(w.poll() is None for w in workers):
        assert time.monotonic() - started < 120, "the workers are taking far too long"
        ids = [change_id for change_id, _ in changes_after(newest)]
        seen.update(ids)
        newest = max(ids, default=newest)
        time.sleep(0.02)
    outputs = [w.communicate(timeout=30) for w in workers]
    elapsed = time.monotonic() - started
    while ids := [change_id for change_id, _ in changes_after(newest)]:
        seen.update(ids)
        newest = max(ids)
    close()

    for worker, (stdout, stderr) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, f"a worker failed:\n{stdout}\n{stderr}"
        assert "locked" not in stderr.lower() and "locked" not in stdout.lower()
    reports = [json.loads(stdout.strip().splitlines()[-1]) for stdout, _ in outputs]

    moves = sum(sum(r["moves"].values()) for r in reports)
    undos = sum(r["undos"] for r in reports)
    conflicts = sum(r["move_conflicts"] + r["increment_conflicts"] for r in reports)
    increments: Counter[int] = Counter()
    activities: Counter[int] = Counter()
    other_writes: Counter[int] = Counter()
    for r in reports:
        increments.update({int(k): v for k, v in r["increments"].items()})
        activities.update({int(k): v for k, v in r["activities"].items()})
        other_writes.update({int(k): v for k, v in r["other_writes"].items()})
    assert moves > PROCESSES * OPERATIONS // 10, "too few moves succeeded to mean anything"

    check = open_pipeline(db_target, "auditor")
    # the board polling the feed saw every change: none committed behind its back with an older id
    made = {row.id for row in Change.select(Change.id).where(Change.id > first_change)}
    assert made - seen == set(), f"the feed poller missed {len(made - seen)} of {len(made)} changes"

    # one history row per successful move (creations aside), each by the process that made it
    made_moves = History.select().where(History.move != Move.CREATE.value)
    assert made_moves.count() == moves + undos
    by_seller = Counter(row.by for row in made_moves)
    for r in reports:
        assert by_seller[f"seller{r['worker']}"] == sum(r["moves"].values()) + r["undos"]

    lost_updates = 0
    for card_id in card_ids:
        card = check.card(card_id)
        assert card.stage is replay(check.history(card_id))
        lost_updates += int(START_VALUE + increments[card_id] - card.value)
        writes = len(check.history(card_id)) - 1 + increments[card_id] + other_writes[card_id]
        assert card.version == 1 + writes, f"card {card_id}: a write went missing or came from nowhere"
        assert card.activity_count == 1 + activities[card_id]
        assert Activity.select().where(Activity.card == card_id).count() == 1 + activities[card_id]
    assert lost_updates == 0

    kept = stage_totals(NO_FILTER)
    with db.database.atomic() as transaction:
        recount_totals()
        assert stage_totals(NO_FILTER) == kept
        transaction.rollback()
    if engine == "sqlite":
        assert db.database.execute_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.database.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    # the version check did its job: colleagues' writes were refused, not overwritten
    assert conflicts > 0

    retries = sum(r["retries"] for r in reports)
    with capsys.disabled():
        print(
            f"\nstress {engine}: {PROCESSES} processes x {OPERATIONS} operations in {elapsed:.1f} s: "
            f"{moves + undos} moves ({(moves + undos) / elapsed:.0f}/s), "
            f"{sum(increments.values())} increments, {sum(activities.values())} activities, "
            f"{conflicts} conflicts refused, {retries} transactions retried, {lost_updates} lost updates"
        )


def test_a_stale_version_is_refused_by_the_store_itself(pipeline: Any) -> None:
    """The guard under the service: an update naming an old version changes nothing."""
    from leadboard.store import cards

    card = pipeline.create({"name": "Grace Hopper", "email": "grace@example.com"})
    pipeline.edit(card.id, {"company": "Navy"})
    with db.database.atomic():
        assert cards.update(card, {"company": "Stale Inc"}, "mallory", card.updated_at) is False
    assert pipeline.card(card.id).company == "Navy"
    assert pipeline.card(card.id).version == 2


def test_integrity_error_is_not_retried() -> None:
    """Only "another writer was in the way" is worth running again; a real error surfaces at once."""
    assert db.is_retryable(pw.OperationalError("database is locked"))
    assert not db.is_retryable(pw.IntegrityError("UNIQUE constraint failed: card.id"))


class _DriverError(Exception):
    """Stands in for a psycopg2 error peewee leaves unwrapped (it carries the SQLSTATE)."""

    def __init__(self, pgcode: str):
        super().__init__("driver error")
        self.pgcode = pgcode


def test_postgresql_deadlocks_and_serialisation_failures_are_run_again() -> None:
    assert db.is_retryable(_DriverError("40P01"))
    assert db.is_retryable(_DriverError("40001"))
    assert db.is_retryable(pw.OperationalError(_DriverError("40001")))  # wrapped by peewee: .orig
    assert not db.is_retryable(_DriverError("23505"))  # unique violation: a real error


def test_a_transaction_in_the_way_of_another_writer_is_run_again_whole(pipeline: Any) -> None:
    card = pipeline.create({"name": "Ken Thompson", "email": "ken@example.com"})
    attempts = []

    def work() -> int:
        from leadboard.store.models import Card as CardRow

        attempts.append(1)
        if len(attempts) == 1:
            CardRow.update(title="half-done").where(CardRow.id == card.id).execute()
            raise pw.OperationalError("database is locked")
        CardRow.update(notes="attempt 2").where(CardRow.id == card.id).execute()
        return len(attempts)

    before = db.retries
    assert db.in_transaction(work) == 2
    assert db.retries == before + 1
    after = pipeline.card(card.id)
    assert (after.title, after.notes) == (None, "attempt 2")  # the first attempt left nothing behind
