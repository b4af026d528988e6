"""Focus belongs to a card, not to a row: colleagues' changes, filters and searches never move it to
another card; a card that leaves the view hands the cursor to its neighbour and the board says so."""

from __future__ import annotations

from leadboard.domain.stages import Stage
from leadboard.service import Pipeline
from leadboard.tui.scenes import settled
from tests.tui.helpers import (
    APP_SIZE,
    QUALIFIED,
    as_bob,
    board_of,
    contact,
    make_app,
    notices,
    screen_text,
    wait_until,
)


async def filtered(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await settled(pilot)


async def test_a_colleagues_card_added_above_the_focused_first_card_does_not_take_the_focus(pipeline: Pipeline):
    contact(pipeline, "Grace Hopper")
    contact(pipeline, "Ada Lovelace")  # the newest is on top: the cursor starts on Ada
    async with make_app(pipeline, poll_interval=0.1).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await settled(pilot)
        assert board.current_card().name == "Ada Lovelace"
        as_bob("add", "Colleague Card", "--email", "c@example.com")
        await wait_until(pilot, lambda: "Contacts  3" in screen_text(pilot.app))
        assert "Colleague Card" in screen_text(pilot.app)
        assert board.current_card().name == "Ada Lovelace"
        assert board.focused_column.cursor == 1
        assert not any("Focus moved" in n or "cursor is on" in n for n in notices(pilot.app))


async def test_a_focused_card_moved_away_by_a_colleague_hands_the_cursor_to_its_neighbour(pipeline: Pipeline):
    contact(pipeline, "Grace Hopper")
    moved = contact(pipeline, "Ada Lovelace", **QUALIFIED)
    contact(pipeline, "Alan Turing")
    async with make_app(pipeline, poll_interval=0.1).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.press("j")
        assert board.current_card().name == "Ada Lovelace"
        as_bob("promote", str(moved))
        await wait_until(pilot, lambda: "Leads  1" in screen_text(pilot.app))
        await settled(pilot)
        assert board.focused_column.stage is Stage.CONTACT
        assert board.current_card().name == "Grace Hopper"  # the card below took its place
        assert "Ada Lovelace moved to Leads by bob; the cursor is on Grace Hopper." in notices(pilot.app)


async def test_a_move_made_on_this_board_is_not_announced_as_the_card_leaving(pipeline: Pipeline):
    """The change feed can bring this board's own move back before the board has handled the move's
    result (and followed the card): that is no colleague's doing, and nothing to announce."""
    contact(pipeline, "Grace Hopper")
    moved = contact(pipeline, "Ada Lovelace", **QUALIFIED)
    contact(pipeline, "Alan Turing")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.press("j")
        assert board.current_card().name == "Ada Lovelace"
        pilot.app.pipeline.promote(moved)  # written through this board's pipeline, its result not yet shown
        board.look_for_changes()
        await wait_until(pilot, lambda: "Leads  1" in screen_text(pilot.app))
        await settled(pilot)
        assert not any("Focus moved" in n or "cursor is on" in n for n in notices(pilot.app))


async def test_the_mine_filter_keeps_the_focused_card_when_it_still_shows(pipeline: Pipeline):
    contact(pipeline, "Mine Last")
    contact(pipeline, "Bobs Card", owner="bob")
    contact(pipeline, "Mine First")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.press("j", "j")
        assert board.current_card().name == "Mine Last"
        await pilot.press("m")
        await filtered(pilot)
        assert board.current_card().name == "Mine Last"  # same card, now the second row
        assert board.focused_column.cursor == 1
        await pilot.press("m")
        await filtered(pilot)
        assert board.current_card().name == "Mine Last"


async def test_a_focused_card_the_filter_hides_hands_the_cursor_to_its_neighbour(pipeline: Pipeline):
    contact(pipeline, "Mine Last")
    contact(pipeline, "Bobs Card", owner="bob")
    contact(pipeline, "Mine First")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.press("j")
        assert board.current_card().name == "Bobs Card"
        await pilot.press("m")
        await filtered(pilot)
        assert board.current_card().name == "Mine Last"  # the card that was below it
        assert "Bobs Card is hidden by the filter; the cursor is on Mine Last." in notices(pilot.app)


async def test_enter_in_search_focuses_the_first_match_and_esc_returns_to_the_card_before(pipeline: Pipeline):
    contact(pipeline, "Grace Hopper")
    contact(pipeline, "Ada Lovelace")
    contact(pipeline, "Linus Torvalds")
    lead = contact(pipeline, "Alan Turing", company="Bletchley Park", **QUALIFIED)
    pipeline.promote(lead)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.press("j", "j")
        assert board.current_card().name == "Grace Hopper"
        await pilot.press("slash", *"bletchley", "enter")
        await filtered(pilot)
        # the only match is a lead: Enter goes there, not to the empty Contacts column
        assert board.focused_column.stage is Stage.LEAD
        assert board.current_card().name == "Alan Turing"
        await pilot.press("escape")
        await filtered(pilot)
        assert board.card_filter.search == ""
        assert board.focused_column.stage is Stage.CONTACT
        assert board.current_card().name == "Grace Hopper"


async def test_esc_in_the_search_box_returns_to_the_card_before(pipeline: Pipeline):
    contact(pipeline, "Grace Hopper")
    contact(pipeline, "Ada Lovelace")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.press("j")
        await pilot.press("slash", *"ada")
        await filtered(pilot)
        await pilot.press("escape")
        await filtered(pilot)
        assert board.focused_column.stage is Stage.CONTACT
        assert board.current_card().name == "Grace Hopper"


async def test_left_and_right_stop_at_the_ends_and_an_empty_column_shows_its_cursor(pipeline: Pipeline):
    contact(pipeline, "Ada Lovelace")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.press("left")
        assert board.focused_column.stage is Stage.CONTACT  # no wrapping round to Accounts
        await pilot.press("right")
        column = board.focused_column
        assert column.stage is Stage.LEAD
        line = column.render_line(1)
        assert "No cards" in line.text and "▌" in line.text  # the cursor, on an empty column
        await pilot.press("right", "right", "right", "right")
        assert board.focused_column.stage is Stage.ACCOUNT
        await pilot.press("left", "left", "left")
        assert board.current_card().name == "Ada Lovelace"


async def test_an_empty_board_says_how_to_add_a_card(pipeline: Pipeline):
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        line = board_of(pilot.app).focused_column.render_line(1).text
        assert "▌No cards — n to add one" in line


async def test_moving_across_lands_on_the_card_beside_the_cursor(pipeline: Pipeline):
    for name in ("Contact C", "Contact B", "Contact A"):
        contact(pipeline, name)
    for name in ("Lead C", "Lead B", "Lead A"):
        pipeline.promote(contact(pipeline, name, **QUALIFIED))
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.press("j", "j", "right")
        assert board.current_card().name == "Lead C"  # the third row, beside Contact C
