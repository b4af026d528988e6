"""The change feed open boards poll: a poll never reads past a change that is still being
committed, or the board would never redraw that card (PostgreSQL numbers rows at INSERT, not in
commit order; SQLite commits one writer at a time)."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest

from leadboard.service import Pipeline
from leadboard.store import cards, db


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
