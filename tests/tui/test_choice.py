"""A form's choices (a card's kind, supplier, yes/no, an activity's kind) are picked from the keyboard
in the field itself: a letter picks the choice it starts, ←/→ step through them, Ctrl+U empties."""

from __future__ import annotations

from leadboard.domain.stages import Stage
from leadboard.service import Pipeline
from leadboard.tui.scenes import settled
from leadboard.tui.screens.activity import ActivityModal
from leadboard.tui.screens.form import CardForm
from leadboard.tui.screens.parts import Choice
from tests.tui.helpers import APP_SIZE, QUALIFIED, board_of, contact, make_app, screen_text, soon


def choice(pilot, selector: str) -> Choice:
    return pilot.app.screen.query_one(selector, Choice)


async def test_a_letter_picks_the_choice_it_starts_and_the_form_saves_it(pipeline: Pipeline):
    card_id = contact(pipeline, "Ada Lovelace")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("e", "tab")  # name, kind
        assert choice(pilot, "#field-kind").value == "person"
        await pilot.press("c")
        assert choice(pilot, "#field-kind").value == "company"
        assert "company" in await settled(pilot)
        await pilot.press("C", "o")  # a capital picks it too; "o" goes on with what was typed
        assert choice(pilot, "#field-kind").value == "company"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pilot.app.screen is board_of(pilot.app)
    assert pipeline.card(card_id).kind == "company"


async def test_arrows_step_through_the_choices_round_the_ends_through_empty(pipeline: Pipeline):
    card_id = contact(pipeline, "Grace Hopper")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, CardForm)
        authority = choice(pilot, "#field-authority")
        authority.focus()
        text = await settled(pilot)
        assert "yes / no" in text  # an empty choice shows its choices
        steps = []
        for key in ("right", "right", "right", "left", "down", "up"):
            await pilot.press(key)
            steps.append(authority.value)
        assert steps == ["yes", "no", "", "no", "", "no"]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pilot.app.screen is board_of(pilot.app)
    assert pipeline.card(card_id).authority is False


async def test_a_letter_that_starts_no_choice_changes_nothing_and_ctrl_u_empties_it(pipeline: Pipeline):
    card_id = contact(pipeline, "Alan Turing", supplier="current")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        supplier = choice(pilot, "#field-supplier")
        supplier.focus()
        await pilot.press("x", "space", "1")
        assert supplier.value == "current"
        await pilot.press("d")
        assert supplier.value == "dropped"
        await pilot.press("ctrl+u")
        assert supplier.value == ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pilot.app.screen is board_of(pilot.app)
    assert pipeline.card(card_id).supplier is None


async def test_a_blocked_move_asks_for_the_missing_choice_beside_it_then_finishes_the_move(pipeline: Pipeline):
    card_id = contact(pipeline, "Linus Torvalds", **QUALIFIED)
    pipeline.promote(card_id)
    pipeline.log_activity(card_id, "call", "Intro")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("l", "p")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, CardForm)
        # every missing field but the supplier (a choice, left empty), then save
        await pilot.press(*"SSO", "tab", "tab", *"40000", "tab", *soon(60), "tab", *"Net 30", "tab", *"Ada",
                          "ctrl+s")
        text = await settled(pilot)
        assert isinstance(pilot.app.screen, CardForm), text
        assert "Current supplier (none/current/dropped): Their current supplier must" in text  # under it
        supplier = choice(pilot, "#field-supplier")
        assert supplier.has_focus and supplier.has_class("-invalid")
        assert pipeline.card(card_id).stage is Stage.LEAD
        await pilot.press("n", "enter")  # "n": none; Enter saves from the choice
        await pilot.pause()
        assert pilot.app.screen is board_of(pilot.app), screen_text(pilot.app)
    card = pipeline.card(card_id)
    assert (card.stage, card.supplier, card.requirements) == (Stage.OPPORTUNITY, "none", "SSO")


async def test_the_activity_dialog_picks_what_happened_and_the_next_steps_kind_by_letter(pipeline: Pipeline):
    card_id = contact(pipeline, "Grace Hopper")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ActivityModal)
        # the summary has the focus; what happened is the field before it
        await pilot.press(*"Demo went well", "shift+tab", "m", "tab", "tab", "e", "tab", *"tomorrow", "tab",
                          *"Send the quote", "enter")
        await pilot.pause()
        assert pilot.app.screen is board_of(pilot.app), screen_text(pilot.app)
    assert [(a.kind.value, a.summary) for a in pipeline.activities(card_id)] == [("meeting", "Demo went well")]
    assert [(p.kind.value, p.summary) for p in pipeline.planned_of(card_id)] == [("email", "Send the quote")]
