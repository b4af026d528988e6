"""Search and mine: narrowing every column at once."""

from __future__ import annotations

from leadboard.domain.stages import Stage
from leadboard.service import Pipeline
from leadboard.tui.column import PAGE_SIZE
from tests.tui.helpers import APP_SIZE, QUALIFIED, board_of, contact, make_app, notices, screen_text


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_search_narrows_every_column_as_you_type(pipeline: Pipeline):
    contact(pipeline, "Ada Lovelace", company="Northwind Trading")
    contact(pipeline, "Grace Hopper", company="Globex")
    lead = contact(pipeline, "Alan Turing", company="Northwind Labs", **QUALIFIED)
    pipeline.promote(lead)
    contact(pipeline, "Linus", email="linus@northwind.example.com")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"northw")
        await settle(pilot)
        board = board_of(pilot.app)
        assert board.stats[Stage.CONTACT].cards == 2  # by company, and by email
        assert board.stats[Stage.LEAD].cards == 1
        text = screen_text(pilot.app)
        assert "Contacts  2" in text and "Leads  1" in text
        assert "Ada Lovelace" in text and "Linus" in text and "Alan Turing" in text
        assert "Grace Hopper" not in text
        assert 'search “northw”' in text

        await pilot.press("enter")  # keep the filter, back to the cards
        assert board.focused_column.stage is Stage.CONTACT
        await pilot.press("escape")  # clears it
        await settle(pilot)
        text = screen_text(pilot.app)
        assert "Contacts  3" in text and "Grace Hopper" in text


async def test_esc_from_a_match_deep_in_its_column_goes_back_without_a_false_alarm(pipeline: Pipeline):
    contact(pipeline, "Grace Hopper")  # the oldest contact: below a page of newer ones once the search is cleared
    for number in range(PAGE_SIZE + 20):
        contact(pipeline, f"Card {number:03}")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.press("slash", *"grace hopper")
        await settle(pilot)
        await pilot.press("enter")  # to the match
        await settle(pilot)
        assert board.current_card().name == "Grace Hopper"
        await pilot.press("escape")
        await settle(pilot)
        # the whole column again, with the cursor back on the card it was on before the search; the
        # match it left is in the column still, so nothing says it was hidden or the column is empty
        assert "Contacts  121" in screen_text(pilot.app)
        assert board.current_card().name == f"Card {PAGE_SIZE + 19:03}"
        assert notices(pilot.app) == []


async def test_a_phone_number_typed_run_together_finds_its_card(pipeline: Pipeline):
    contact(pipeline, "Maria Lopez", phone="+1 (415) 555-0134")
    contact(pipeline, "Rita Lopez", phone="+1 (415) 556-0134")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("slash", *"4155550134")
        await settle(pilot)
        text = screen_text(pilot.app)
        assert "Contacts  1" in text and "Maria Lopez" in text and "Rita Lopez" not in text
        await pilot.press("enter")  # the cursor goes to the match
        board = board_of(pilot.app)
        assert board.focused_column.stage is Stage.CONTACT
        current = board.focused_column.current
        assert current is not None and current.name == "Maria Lopez"


async def test_a_search_matching_nothing_says_so(pipeline: Pipeline):
    contact(pipeline, "Ada Lovelace")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("slash", *"zzz")
        await settle(pilot)
        text = screen_text(pilot.app)
        assert "Contacts  0" in text and "No cards match" in text
        assert board_of(pilot.app).check_action("promote", ()) is None


async def test_search_text_is_never_read_as_a_query_language(pipeline: Pipeline):
    contact(pipeline, "Ada Lovelace")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("slash", *'ada" OR *')
        await settle(pilot)
        assert "Contacts  0" in screen_text(pilot.app)


async def test_mine_hides_other_owners_cards_and_toggles_back(pipeline: Pipeline):
    contact(pipeline, "Mine One")
    contact(pipeline, "Bobs Card", owner="bob")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("m")
        await settle(pilot)
        text = screen_text(pilot.app)
        assert "Mine One" in text and "Bobs Card" not in text
        assert "Contacts  1" in text and "only alice's cards" in text
        await pilot.press("m")
        await settle(pilot)
        text = screen_text(pilot.app)
        assert "Bobs Card" in text and "Contacts  2" in text


async def test_mine_and_search_combine(pipeline: Pipeline):
    contact(pipeline, "Ada Mine", company="Acme")
    contact(pipeline, "Ada Bobs", company="Acme", owner="bob")
    contact(pipeline, "Zed Mine", company="Other")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("m", "slash", *"acme")
        await settle(pilot)
        text = screen_text(pilot.app)
        assert "Ada Mine" in text and "Ada Bobs" not in text and "Zed Mine" not in text
