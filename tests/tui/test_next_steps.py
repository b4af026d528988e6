"""The board shows each card's next step, and orders its columns by urgency, value or close date."""

from __future__ import annotations

from datetime import date, timedelta

from leadboard.domain.filter import ColumnOrder
from leadboard.domain.stages import Stage
from leadboard.service import Pipeline
from leadboard.tui.column import CARD_HEIGHT, STEP_MARKS
from leadboard.tui.scenes import settled
from tests.tui.helpers import APP_SIZE, QUALIFIED, board_of, contact, make_app, notices


def day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


def leads(pipeline: Pipeline) -> dict[str, int]:
    """Four leads, made in this order (so board order is the reverse): each with a different next step."""
    made = {}
    for name, value in (("Later Lars", "900"), ("None Nora", "500"), ("Overdue Olga", "100"), ("Today Tom", "300")):
        card_id = contact(pipeline, name, **(QUALIFIED | {"budget": value}))
        pipeline.promote(card_id)
        made[name] = card_id
    pipeline.plan(made["Later Lars"], "meeting", day(4), "Demo")
    pipeline.plan(made["Overdue Olga"], "email", day(-2), "Send quote")
    pipeline.plan(made["Today Tom"], "call", day(0), "Call back")
    return made


def names_in(board, stage: Stage) -> list[str]:
    column = board.column(stage)
    return [column.card_at(index).name for index in range(column.count)]


async def test_each_card_shows_its_next_steps_state_as_a_mark_and_date(pipeline: Pipeline):
    leads(pipeline)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await settled(pilot)
        column = board_of(pilot.app).column(Stage.LEAD)
        lines = {column.card_at(i).name: column.render_line(i * CARD_HEIGHT + 1).text for i in range(4)}
        assert "! " in lines["Overdue Olga"] and (date.today() - timedelta(days=2)).strftime("%b") in lines[
            "Overdue Olga"]
        assert "● today" in lines["Today Tom"]
        assert "○ " in lines["Later Lars"]
        assert "∅ no step" in lines["None Nora"]  # leads need a next step by default
        assert all(mark in "".join(lines.values()) for mark in STEP_MARKS.values())


async def test_the_order_key_cycles_urgency_value_close_date_and_is_remembered(pipeline: Pipeline):
    leads(pipeline)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await settled(pilot)
        assert names_in(board, Stage.LEAD) == ["Today Tom", "Overdue Olga", "None Nora", "Later Lars"]
        await pilot.press("s")
        text = await settled(pilot)
        assert "by urgency" in text
        assert names_in(board, Stage.LEAD) == ["Overdue Olga", "Today Tom", "None Nora", "Later Lars"]
        await pilot.press("s")
        await settled(pilot)
        assert names_in(board, Stage.LEAD) == ["Later Lars", "None Nora", "Today Tom", "Overdue Olga"]
    assert pipeline.column_order() is ColumnOrder.VALUE
    # the next board this user opens keeps the order; a colleague's keeps theirs
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await settled(pilot)
        assert names_in(board_of(pilot.app), Stage.LEAD)[0] == "Later Lars"
    bob = Pipeline(pipeline.rules, "bob")
    assert bob.column_order() is ColumnOrder.RANK


async def test_a_step_completed_on_the_board_reorders_an_urgency_column_at_once(pipeline: Pipeline):
    made = leads(pipeline)
    pipeline.remember_column_order(ColumnOrder.URGENCY)
    async with make_app(pipeline, poll_interval=0.1).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await settled(pilot)
        [overdue] = [p for p in pipeline.planned_of(made["Overdue Olga"]) if p.state.value == "planned"]
        Pipeline(pipeline.rules, "bob").complete(overdue.id, "Sent")  # a colleague, elsewhere
        await pilot.pause(0.5)
        await settled(pilot)
        # Olga has no next step now: among the cards without one, in board order
        assert names_in(board, Stage.LEAD) == ["Today Tom", "Overdue Olga", "None Nora", "Later Lars"]
        line = board.column(Stage.LEAD).render_line(CARD_HEIGHT + 1).text
        assert "∅ no step" in line


async def test_the_a_form_logs_plans_or_does_both(pipeline: Pipeline):
    card_id = contact(pipeline, "Ada")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("a")
        await settled(pilot)
        await pilot.press("tab", "tab", *"+1d", "tab", *"Send the deck", "enter")  # plan only
        await settled(pilot)
        assert any("Planned a call" in notice for notice in notices(pilot.app))
        [step] = pipeline.planned_of(card_id)
        assert (step.summary, step.due.day) == ("Send the deck", date.today() + timedelta(days=1))
        assert pipeline.activities(card_id) == []
        await pilot.press("a")
        await settled(pilot)
        await pilot.press(*"Sent it", "tab", "tab", *"+1w", "tab", *"Chase", "enter")  # both
        await settled(pilot)
    assert [a.summary for a in pipeline.activities(card_id)] == ["Sent it"]
    assert [p.summary for p in pipeline.planned_of(card_id)] == ["Chase", "Send the deck"]
    assert pipeline.next_step(card_id).summary == "Send the deck"


async def test_the_card_shows_what_is_planned(pipeline: Pipeline):
    card_id = contact(pipeline, "Ada")
    pipeline.plan(card_id, "meeting", day(3), "Demo for the team")
    async with make_app(pipeline).run_test(size=(120, 50)) as pilot:
        await pilot.press("enter")
        text = await settled(pilot)
        assert "Planned (1)" in text and "Demo for the team" in text and "meeting" in text


async def test_u_on_a_planned_step_says_which_in_one_line_and_takes_it_back_on_y(pipeline: Pipeline):
    from leadboard.tui.screens.confirm import ConfirmModal
    from tests.tui.helpers import screen_text

    card_id = contact(pipeline, "Ada", **QUALIFIED)
    pipeline.promote(card_id)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await settled(pilot)
        await pilot.press("right")  # to the leads
        await settled(pilot)
        assert board.current_card().id == card_id
        await pilot.press("a")
        await settled(pilot)
        await pilot.press("tab", "tab", *"+1d", "tab", *"Send the deck", "enter")  # plan only
        await settled(pilot)
        [step] = pipeline.planned_of(card_id)
        assert "○" in board.column(Stage.LEAD).render_line(1).text

        await pilot.press("u")
        await settled(pilot)
        assert isinstance(pilot.app.screen, ConfirmModal)  # nothing undone before the user says so
        assert pipeline.planned_of(card_id) == [step]
        question = [line for line in screen_text(pilot.app).splitlines() if "Undo plan" in line]
        assert len(question) == 1  # one line: the card, what, when
        assert f"Undo plan call “Send the deck” due {day(1)} on Ada (at " in question[0]
        await pilot.press("y")
        await settled(pilot)
        assert "Undone: plan call “Send the deck” due " + day(1) + " on Ada." in notices(pilot.app)
        assert pipeline.planned_of(card_id) == []
        assert "∅ no step" in board.column(Stage.LEAD).render_line(1).text
        assert board.current_card().id == card_id
    assert pipeline.next_step(card_id) is None
