"""A long run of write transactions (an import) on SQLite leaves the write lock to a colleague
between two of its transactions exactly when one is waiting for it, and goes straight on when
nobody is (SQLite queues nobody: a waiting writer sleeps and tries again)."""

from __future__ import annotations

import stat
import threading
import time
from pathlib import Path

import pytest

from leadboard.service import Pipeline
from leadboard.store import cards, db
from leadboard.store.models import Activity, Change


@pytest.fixture
def sqlite_pipeline(pipeline: Pipeline, engine: str) -> Pipeline:
    if engine != "sqlite":
        pytest.skip("PostgreSQL queues waiting transactions: a run of writes hands nothing over")
    return pipeline


def test_a_run_of_writes_goes_straight_on_while_nobody_waits(sqlite_pipeline: Pipeline, db_target: str) -> None:
    run = db.WriteRun(batch_seconds=0.0)  # were the writers file missing, it would hand over every time
    began = time.perf_counter()
    for _ in range(20):
        run.between()
        run.transaction(lambda: cards.note_change(None, sqlite_pipeline._clock()))
    run.close()
    assert run.hand_overs == 0
    assert time.perf_counter() - began < 20 * db.HAND_OVER_SECONDS
    assert Change.select().count() == 20
    # the file colleagues say they wait through is the database's own: its owner's alone
    writers = Path(db_target + "-writers")
    assert stat.S_IMODE(writers.stat().st_mode) == stat.S_IMODE(Path(db_target).stat().st_mode) == 0o600


def test_a_colleague_who_asks_for_the_lock_during_a_transaction_of_the_run_writes_before_its_next_one(
        sqlite_pipeline: Pipeline) -> None:
    card = sqlite_pipeline.create({"name": "Zed Colleague"})
    run = db.WriteRun(batch_seconds=60.0)  # no hand-over by time: only because bob waits
    bob = threading.Thread(target=lambda: sqlite_pipeline.log_activity(card.id, "call", "Called during the run"))

    def long_transaction() -> None:
        cards.note_change(None, sqlite_pipeline._clock())
        bob.start()  # bob's board asks for the write lock while the run holds it
        time.sleep(0.3)

    run.between()
    run.transaction(long_transaction)
    run.between()  # bob says he waits: the run leaves him the lock until he has committed
    assert [a.summary for a in Activity.select().where(Activity.card == card.id)] == ["Called during the run"]
    run.transaction(lambda: cards.note_change(None, sqlite_pipeline._clock()))
    run.close()
    bob.join()
    assert run.hand_overs == 1
    feed = [change.card_id for change in Change.select().order_by(Change.id)]
    assert feed[-3:] == [None, card.id, None]


def test_a_transaction_of_the_run_goes_on_while_nobody_waits_and_ends_soon_once_a_colleague_does(
        sqlite_pipeline: Pipeline, db_target: str) -> None:
    run = db.WriteRun(batch_seconds=0.25)
    run.between()  # the run's first transaction makes the file colleagues say they wait through

    def goes_on(spent: float) -> bool:  # asked inside the run's transaction, as the import does
        return run.transaction(lambda: run.goes_on(spent))

    assert goes_on(0.1) and goes_on(1.5)  # nobody waits: it writes on
    assert not goes_on(db.HAND_OVER_EVERY_SECONDS)  # but never longer than this
    colleague = db.Writers(Path(db_target))  # bob's leadboard, in another process
    with colleague.waiting():  # bob asks for the write lock
        assert goes_on(0.1)  # a transaction just begun still writes its quarter of a second
        assert not goes_on(0.3)
    assert goes_on(0.3)  # bob has committed
    run.close()
    colleague.close()
