"""The board as of a day, opened with D over the hand-built history of tests/service/test_reports.py
(the clock ends on Apr 10 2026; times in UTC). At the end of Mar 14: contacts D and J, lead B,
opportunities A C I K L, E lost."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from leadboard.domain.stages import PIPELINE, Stage
from leadboard.service import Pipeline
from leadboard.service.past import PastPipeline
from leadboard.tui.board import BoardScreen
from leadboard.tui.scenes import settled, times_shown_in_utc
from leadboard.tui.screens.day import DayModal
from tests.service.test_reports import Story, build
from tests.tui.helpers import make_app, notices

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 35)], ids=["80x24", "120x35"])
MARK = "as of 2026-03-14 — read-only"
REFUSAL = "This is the board as of 2026-03-14: it is read-only."


def names_on(board: BoardScreen) -> dict[Stage, set[str]]:
    """The cards each column holds (what scrolling it shows)."""
    return {stage: {card.name for card in board.pipeline.column_page(stage, 0, 50, board.card_filter)}
            for stage in PIPELINE}


def what_the_database_holds(story: Story) -> tuple[Any, ...]:
    """Enough to see that nothing was written: the journal's newest change, every card's stage
    and version, and the remembered column order."""
    return (story.p.latest_change(), story.p.column_order(),
            {name: (card.stage, card.version) for name, card_id in story.cards.items()
             if (card := story.p.card(card_id))})


async def open_as_of(pilot: Any, day: str) -> str:
    await pilot.press("D")
    await settled(pilot)
    assert isinstance(pilot.app.screen, DayModal)
    await pilot.press(*day, "enter")
    return await settled(pilot)


@SIZES
async def test_a_manager_looks_at_mid_march_and_comes_back_to_today(pipeline: Pipeline, size) -> None:
    story = build(pipeline)
    today = {stage: stat.cards for stage, stat in story.p.stats().items()}
    with times_shown_in_utc():
        async with make_app(story.p).run_test(size=size) as pilot:
            text = await open_as_of(pilot, "2026-03-14")
            past = pilot.app.screen
            assert isinstance(past, BoardScreen) and isinstance(past.pipeline, PastPipeline)
            assert MARK in text
            assert {stage: past.stats[stage].cards for stage in PIPELINE} == {
                Stage.CONTACT: 2, Stage.LEAD: 1, Stage.OPPORTUNITY: 5, Stage.ACCOUNT: 0}
            assert names_on(past) == {Stage.CONTACT: {"D", "J"}, Stage.LEAD: {"B"},
                                      Stage.OPPORTUNITY: {"A", "C", "I", "K", "L"}, Stage.ACCOUNT: set()}
            assert "Opportunities  5" in text, text
            await pilot.press("escape")
            text = await settled(pilot)
            board = pilot.app.screen
            assert isinstance(board, BoardScreen) and board.pipeline is story.p
            assert "read-only" not in text
            assert {stage: board.stats[stage].cards for stage in PIPELINE} == {s: today[s] for s in PIPELINE}
            assert names_on(board)[Stage.ACCOUNT] == {"A", "C"}


async def test_the_same_key_goes_back_to_today(pipeline: Pipeline) -> None:
    story = build(pipeline)
    with times_shown_in_utc():
        async with make_app(story.p).run_test(size=(80, 24)) as pilot:
            assert MARK in await open_as_of(pilot, "2026-03-14")
            await pilot.press("D")
            text = await settled(pilot)
            assert pilot.app.screen is pilot.app.screen_stack[0]
            assert "read-only" not in text and "Accounts  2" in text


@SIZES
async def test_every_write_key_is_refused_on_the_past_board_and_nothing_is_written(pipeline: Pipeline,
                                                                                   size) -> None:
    story = build(pipeline)
    before = what_the_database_holds(story)
    with times_shown_in_utc():
        async with make_app(story.p).run_test(size=size) as pilot:
            await open_as_of(pilot, "2026-03-14")
            past = pilot.app.screen
            await pilot.press("l")  # the Leads column: B, which could be promoted, demoted, lost
            await settled(pilot)
            assert past.focused is past.column(Stage.LEAD) and past.current_card().name == "B"
            for key in ("p", ">", "d", "<", "x", "n", "e", "a", "u", "t", "s"):
                pilot.app.clear_notifications()
                await pilot.press(key)
                await settled(pilot)
                assert pilot.app.screen is past, key  # no form, no dialog, no other screen
                assert notices(pilot.app) == [REFUSAL], key
            assert MARK in await settled(pilot)
    assert what_the_database_holds(story) == before


async def test_a_day_that_is_not_one_or_still_to_come_is_said_in_the_dialog(pipeline: Pipeline) -> None:
    story = build(pipeline)
    with times_shown_in_utc():
        async with make_app(story.p).run_test(size=(80, 24)) as pilot:
            await pilot.press("D")
            await settled(pilot)
            await pilot.press(*"mid march", "enter")
            text = await settled(pilot)
            assert isinstance(pilot.app.screen, DayModal)
            assert "'mid march' is not a day: type one as YYYY-MM-DD (or today)." in text
            await pilot.press(*["backspace"] * 9, *"2026-04-11", "enter")
            text = await settled(pilot)
            assert "2026-04-11 is in the future; the board can only show the past." in text
            await pilot.press("escape")
            text = await settled(pilot)
            assert pilot.app.screen is pilot.app.screen_stack[0] and "read-only" not in text


async def test_today_as_a_word_shows_the_board_of_today_read_only(pipeline: Pipeline) -> None:
    story = build(pipeline)
    with times_shown_in_utc():
        async with make_app(story.p).run_test(size=(120, 35)) as pilot:
            text = await open_as_of(pilot, "today")
            past = pilot.app.screen
            assert isinstance(past, BoardScreen) and isinstance(past.pipeline, PastPipeline)
            assert "as of 2026-04-10 — read-only" in text
            assert {stage: past.stats[stage].cards for stage in PIPELINE} == {
                stage: stat.cards for stage, stat in story.p.stats().items() if stage in PIPELINE}


async def test_the_board_opened_as_of_a_day_goes_to_today_on_esc(pipeline: Pipeline) -> None:
    """``leadboard --as-of D`` opens the past board alone; Esc puts today's in its place."""
    story = build(pipeline)
    with times_shown_in_utc():
        async with make_app(PastPipeline(story.p, date(2026, 3, 14))).run_test(size=(80, 24)) as pilot:
            assert MARK in await settled(pilot)
            await pilot.press("escape")
            text = await settled(pilot)
            board = pilot.app.screen
            assert isinstance(board, BoardScreen) and board.pipeline is story.p
            assert "read-only" not in text and "Accounts  2" in text
            await pilot.press("n")  # today's board writes again: the new-card form opens
            await settled(pilot)
            assert not isinstance(pilot.app.screen, BoardScreen)
