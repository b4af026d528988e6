"""The Today view: the day's steps in due order, then cards with no next step, then stale cards;
completing ("done & plan next"), rescheduling, promoting and opening from there."""

from __future__ import annotations

from datetime import date, timedelta

from textual.widgets import OptionList

from leadboard.domain.planned import PlanState
from leadboard.domain.stages import Stage
from leadboard.service import Pipeline
from leadboard.tui.actions import Where, actions_of
from leadboard.tui.column import CARD_HEIGHT
from leadboard.tui.scenes import settled
from leadboard.tui.screens.detail import CardDetail
from leadboard.tui.screens.today import TodayScreen
from tests.tui.helpers import APP_SIZE, QUALIFIED, board_of, burst, contact, make_app, typed


def day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


def a_day(pipeline: Pipeline) -> dict[str, int]:
    """Alice's day: two overdue calls, one due today, a lead with nothing planned; and Bob's call."""
    ids = {}
    for name in ("Olga Overdue", "Oscar Older", "Tina Today", "Nora None", "Bob's Ben"):
        ids[name] = contact(pipeline, name, **QUALIFIED)
    pipeline.promote(ids["Nora None"])
    pipeline.reassign(ids["Bob's Ben"], "bob")
    pipeline.plan(ids["Olga Overdue"], "call", day(-1), "Call about the quote")
    pipeline.plan(ids["Oscar Older"], "call", day(-3), "Call back")
    pipeline.plan(ids["Tina Today"], "call", day(0), "Intro call")
    pipeline.plan(ids["Bob's Ben"], "call", day(0), "Bob's call")
    return ids


def lines(app) -> list[str]:
    listing = app.screen.query_one(OptionList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def open_today(pilot) -> TodayScreen:
    await pilot.press("t")
    await settled(pilot)
    assert isinstance(pilot.app.screen, TodayScreen)
    return pilot.app.screen


async def test_today_lists_my_due_steps_in_due_order_then_cards_without_a_step_and_m_shows_everyones(
        pipeline: Pipeline):
    a_day(pipeline)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        today = await open_today(pilot)
        shown = lines(pilot.app)
        order = [next(i for i, line in enumerate(shown) if text in line)
                 for text in ("Overdue (2)", "Oscar Older", "Olga Overdue", "Due today (1)", "Tina Today",
                              "No next step (1)", "Nora None", "Stale (0)")]
        assert order == sorted(order)
        assert not any("Bob's Ben" in line for line in shown)
        assert today.current.card.name == "Oscar Older"  # the first line to work on
        await pilot.press("m")
        await settled(pilot)
        assert any("Bob's Ben" in line and "(bob)" in line for line in lines(pilot.app))
        await pilot.press("escape")
        await settled(pilot)
        assert not isinstance(pilot.app.screen, TodayScreen)


async def test_done_and_plan_next_in_one_form_and_the_board_shows_it_at_once(pipeline: Pipeline):
    ids = a_day(pipeline)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await open_today(pilot)
        await pilot.press("c")
        await settled(pilot)
        await pilot.press(*"Left a voicemail", "tab", "tab", *"+1d", "tab", *"Try again", "enter")
        await settled(pilot)
        assert isinstance(pilot.app.screen, TodayScreen)
        assert any("Overdue (1)" in line for line in lines(pilot.app))
        assert not any("Oscar Older" in line for line in lines(pilot.app))
        board = board_of(pilot.app)
        column = board.column(Stage.CONTACT)
        [row] = [i for i in range(column.count) if column.card_at(i).id == ids["Oscar Older"]]
        assert "○ " in column.render_line(row * CARD_HEIGHT + 1).text  # planned later, on the board
    [logged] = pipeline.activities(ids["Oscar Older"])
    assert logged.summary == "Call back — Left a voicemail"
    done, planned = sorted(pipeline.planned_of(ids["Oscar Older"]), key=lambda p: p.id)
    assert (done.state, done.outcome) == (PlanState.DONE, "Left a voicemail")
    assert (planned.summary, planned.due.day) == ("Try again", date.today() + timedelta(days=1))
    assert pipeline.card(ids["Oscar Older"]).activity_count == 1


async def test_ctrl_s_saves_the_done_form_typed_in_one_burst_as_every_form_does(pipeline: Pipeline):
    ids = a_day(pipeline)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await open_today(pilot)
        await pilot.press("c", *"Went well", "ctrl+s")
        await settled(pilot)
        assert isinstance(pilot.app.screen, TodayScreen)
    [done] = [p for p in pipeline.planned_of(ids["Oscar Older"]) if p.state is PlanState.DONE]
    assert done.outcome == "Went well"


async def test_rescheduling_a_day_or_a_week_or_to_a_date(pipeline: Pipeline):
    ids = a_day(pipeline)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await open_today(pilot)
        await pilot.press("r")
        await settled(pilot)
        await pilot.press("d")  # +1 day, counted from today for an overdue step
        await settled(pilot)
        assert pipeline.next_step(ids["Oscar Older"]).due.day == date.today() + timedelta(days=1)
        await pilot.press("r")
        await settled(pilot)
        await pilot.press("w")
        await settled(pilot)
        assert pipeline.next_step(ids["Olga Overdue"]).due.day == date.today() + timedelta(days=7)
        assert any("Overdue (0)" in line for line in lines(pilot.app))
        await pilot.press("r")  # Tina's call, due today, to a date typed in
        await settled(pilot)
        await pilot.press("tab", "tab", *day(3), "enter")
        await settled(pilot)
    assert pipeline.next_step(ids["Tina Today"]).due.day == date.today() + timedelta(days=3)
    assert pipeline.next_step(ids["Tina Today"]).rescheduled_by == "alice"


async def test_a_date_typed_straight_after_r_reschedules_to_that_date(pipeline: Pipeline):
    ids = a_day(pipeline)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await open_today(pilot)
        # Oscar's call, the first line: the date typed at once, in a burst, goes into the date field
        burst(pilot.app, "r", *day(12), "enter")
        await typed(pilot)
        assert isinstance(pilot.app.screen, TodayScreen)
    assert pipeline.next_step(ids["Oscar Older"]).due.day == date.today() + timedelta(days=12)


async def test_promote_and_open_a_card_from_today(pipeline: Pipeline):
    ids = a_day(pipeline)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await open_today(pilot)
        await pilot.press("p")  # Oscar: a qualified contact, through the qualify gate
        await settled(pilot)
        assert pipeline.card(ids["Oscar Older"]).stage is Stage.LEAD
        assert isinstance(pilot.app.screen, TodayScreen)
        assert any("Oscar Older" in line and "lead" in line for line in lines(pilot.app))
        assert board_of(pilot.app).stats[Stage.LEAD].cards == 2
        await pilot.press("o")
        await settled(pilot)
        assert isinstance(pilot.app.screen, CardDetail)


async def test_todays_keys_come_from_the_actions_table(pipeline: Pipeline):
    a_day(pipeline)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await open_today(pilot)
        active = pilot.app.active_bindings
        for action in actions_of(Where.TODAY):
            for key in action.keys.split(","):
                if key == "enter":  # the list's own Enter selects the line: it opens the card too
                    continue
                assert key in active and active[key].binding.id == action.name, key
        footer = (await settled(pilot)).splitlines()[-1]
        for label in ("Done", "Resched", "Plan", "Promote", "Open", "All", "Board"):
            assert label in footer, footer


async def test_keys_typed_in_a_burst_after_t_act_on_the_day(pipeline: Pipeline):
    ids = a_day(pipeline)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await settled(pilot)
        await pilot.press("t", "c", *"Done quickly", "enter")
        await settled(pilot)
    assert [a.summary for a in pipeline.activities(ids["Oscar Older"])] == ["Call back — Done quickly"]


async def test_today_at_60x20_shows_whole_words_and_whole_key_labels(pipeline: Pipeline):
    a_day(pipeline)
    async with make_app(pipeline).run_test(size=(60, 20)) as pilot:
        await open_today(pilot)
        text = await settled(pilot)
        rows = text.splitlines()
        title = " ".join(row.strip() for row in rows[:2])
        assert "Today — alice's day: 2 overdue, 1 due today, 1 with no next step," in title  # wrapped, not cut
        footer = rows[-1]
        assert "alice · " in footer  # who works on which database, as on the board
        shown = [(key.split(",")[0], action.label) for action in actions_of(Where.TODAY) if action.footer
                 for key in [action.keys] if f" {key.split(',')[0]} " in footer]
        assert shown, footer
        for key, label in shown:
            assert f" {key} {label} " in footer  # never a key without its label
