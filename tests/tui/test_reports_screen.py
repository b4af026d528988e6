"""The Reports screen, driven with keys over the hand-built history of tests/service/test_reports.py
(times shown in UTC, so March's contacts are K A B C D J F: G came on Apr 1 04:30 UTC)."""

from __future__ import annotations

import pytest

from leadboard.service import Pipeline
from leadboard.tui.scenes import settled, times_shown_in_utc
from leadboard.tui.screens.reports import VIEWS, ReportsScreen
from tests.service.test_reports import build
from tests.tui.helpers import make_app


def row(text: str, first: str) -> list[str]:
    """The words of the screen line that starts with ``first``, bars left out."""
    line = next(line for line in text.splitlines() if line.strip().startswith(first))
    return [word for word in line.split() if not set(word) <= set("█▉▊▋▌▍▎▏░")]


@pytest.mark.parametrize("size", [(80, 24), (120, 35)], ids=["80x24", "120x35"])
async def test_a_manager_reads_last_months_funnel_and_win_rate_for_everyone(pipeline: Pipeline, size) -> None:
    story = build(pipeline)
    with times_shown_in_utc():
        async with make_app(story.p).run_test(size=size) as pilot:
            await pilot.press("R")
            await settled(pilot)
            assert isinstance(pilot.app.screen, ReportsScreen)
            text = await settled(pilot)
            assert "this month (2026-04-01 to 2026-04-10) · alice's cards" in text
            await pilot.press("p", "o")  # last month, everyone's
            text = await settled(pilot)
            assert "last month (2026-03-01 to 2026-03-31) · everyone" in text
            assert row(text, "Contacts") == ["Contacts", "7", "5", "0", "0", "2", "71.4%"]
            assert row(text, "Leads") == ["Leads", "5", "3", "0", "1", "1", "60.0%"]
            assert row(text, "Opportunities") == ["Opportunities", "3", "2", "1", "0", "0", "66.7%"]
            assert "Contact → account: 28.6%  (2 of 7 contacts)" in text
            await pilot.press("right")
            text = await settled(pilot)
            assert row(text, "all") == ["all", "2", "2", "50.0%"]
            assert row(text, "alice") == ["alice", "1", "2", "33.3%"]
            assert row(text, "bob") == ["bob", "1", "0", "100.0%"]
            await pilot.press("o")  # bob's
            text = await settled(pilot)
            assert "· bob's cards" in text and row(text, "all") == ["all", "1", "0", "100.0%"]
            await pilot.press("o")  # round to alice's own
            text = await settled(pilot)
            assert row(text, "all") == ["all", "1", "2", "33.3%"] and "bob" not in text
            await pilot.press("escape")
            await settled(pilot)
            assert not isinstance(pilot.app.screen, ReportsScreen)


async def test_every_view_draws_its_numbers_within_80_columns(pipeline: Pipeline) -> None:
    story = build(pipeline)
    expected = {"Funnel": "Contact → account", "Win rate": "Win rate 50.0%", "Time": "Cycle to account",
                "Velocity": "394.74", "Forecast": "overdue", "Lost": "Chose a competitor",
                "Activity": "Stale", "As of": "Open cards from the end of 2026-02-28"}
    with times_shown_in_utc():
        async with make_app(story.p).run_test(size=(80, 24)) as pilot:
            await pilot.press("R", "p", "o")
            for number, view in enumerate(VIEWS):
                if number:
                    await pilot.press("tab")
                text = await settled(pilot)
                assert expected[view] in text, (view, text)
                assert "…" not in text, (view, text)
            await pilot.press("shift+tab")
            text = await settled(pilot)
            assert expected["Activity"] in text


async def test_the_board_as_of_a_day_stands_as_it_was_and_is_read_only(pipeline: Pipeline) -> None:
    from datetime import date

    from leadboard.domain.stages import Stage
    from leadboard.service.past import PastPipeline
    from leadboard.tui.board import BoardScreen
    from tests.tui.helpers import board_of, notices

    story = build(pipeline)
    with times_shown_in_utc():
        past = PastPipeline(story.p, date(2026, 3, 14))
        async with make_app(past).run_test(size=(120, 35)) as pilot:
            text = await settled(pilot)
            assert "as of 2026-03-14 — read-only" in text
            board = pilot.app.screen  # over today's board, which Esc goes back to
            assert isinstance(board, BoardScreen) and board is not board_of(pilot.app)
            assert {stage: board.stats[stage].cards for stage in Stage} == {
                Stage.CONTACT: 2, Stage.LEAD: 1, Stage.OPPORTUNITY: 5, Stage.ACCOUNT: 0, Stage.LOST: 1}
            await pilot.press("l", "p")  # B, a lead then: promoting it is refused
            await settled(pilot)
            assert any("read-only" in str(notice) for notice in notices(pilot.app))
            assert story.p.card(story.cards["B"]).stage is Stage.LEAD
