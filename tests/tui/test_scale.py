"""A board over 100,000 cards opens with four column widgets, not one widget per card."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from leadboard.domain.stages import PIPELINE, Stage
from leadboard.service.setup import close, open_pipeline
from leadboard.store import cards
from leadboard.store.db import in_transaction
from leadboard.tui.column import CardColumn
from tests.tui.helpers import APP_SIZE, board_of, make_app, screen_text

CARDS = 100_000
STAGES = (Stage.CONTACT, Stage.CONTACT, Stage.LEAD, Stage.OPPORTUNITY, Stage.ACCOUNT)


@pytest.fixture(scope="module")
def big_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("big") / "big.db"
    open_pipeline(path, "alice")
    now = datetime(2025, 1, 1)
    rows = [
        {"stage": STAGES[n % 5].value, "rank": float(n), "version": 1, "owner": ("alice", "bob")[n % 2],
         "created_at": now, "created_by": "alice", "updated_at": now, "updated_by": "alice",
         "name": f"Card {n:06d}", "kind": "person", "company": f"Company {n % 977}",
         "email": f"c{n}@example.com", "amount": n % 1000, "budget": n % 1000, "warnings": ""}
        for n in range(CARDS)
    ]
    in_transaction(lambda: cards.insert_many(rows, now))
    close()
    yield path


@pytest.mark.slow
async def test_a_board_over_100000_cards_mounts_a_few_widgets_and_reaches_the_end(big_database: Path):
    pipeline = open_pipeline(big_database, "alice")
    try:
        async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
            await pilot.pause()
            board = board_of(pilot.app)
            assert len(pilot.app.query(CardColumn)) == len(PIPELINE) == 4
            assert board.stats[Stage.CONTACT].cards == 40_000
            assert "Contacts  40,000" in screen_text(pilot.app)
            widgets = list(pilot.app.screen.walk_children())
            assert len(widgets) < 200, len(widgets)
            await pilot.press("G")  # the last card of 40,000
            await pilot.pause()
            column = board.column(Stage.CONTACT)
            assert column.cursor == 39_999
            last = column.current
            # the highest rank among contacts (n % 5 is 0 or 1)
            assert last is not None and last.name == "Card 099996"
            assert "Card 099996" in screen_text(pilot.app)
            assert len(list(pilot.app.screen.walk_children())) == len(widgets)
    finally:
        close()


@pytest.mark.slow
async def test_a_board_over_100000_cards_ordered_by_urgency_mounts_a_few_widgets(big_database: Path):
    from datetime import timedelta

    from leadboard.domain.filter import ColumnOrder
    from leadboard.domain.planned import Due, PlannedKind
    from leadboard.store import planned

    pipeline = open_pipeline(big_database, "alice")
    today = datetime.now().date()
    # every 10th lead has a next step: a third of them overdue, the rest later
    steps = [planned.new_row(card_id, PlannedKind.CALL, "Call", Due(day=today + timedelta(
        days=-3 if card_id % 30 == 3 else 5)), "alice", "alice", datetime(2025, 1, 1))
        for card_id in range(3, CARDS + 1, 10)]
    in_transaction(lambda: (planned.insert_many(steps), planned.refresh_next_steps([s["card"] for s in steps])))
    pipeline.remember_column_order(ColumnOrder.URGENCY)
    try:
        async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
            await pilot.pause()
            board = board_of(pilot.app)
            column = board.column(Stage.LEAD)
            column.focus()
            first = column.current
            assert first is not None and pipeline.summary_state(first).value == "overdue"
            assert len(list(pilot.app.screen.walk_children())) < 200
            await pilot.press("G")  # the last of 20,000 leads: planned later
            await pilot.pause()
            assert column.cursor == 19_999
            last = column.current
            assert last is not None and pipeline.summary_state(last).value == "later"
            await pilot.press("k")
            assert pipeline.summary_state(column.current).value == "later"
            assert len(list(pilot.app.screen.walk_children())) < 200
    finally:
        close()
