"""Promoting from the board: through the gate, blocked and fixed, warned and recorded."""

from __future__ import annotations

from textual.widgets import Input

from leadboard.domain.stages import Move, Stage
from leadboard.service import Pipeline
from leadboard.tui.screens.confirm import ConfirmModal
from leadboard.tui.screens.form import CardForm
from tests.tui.helpers import APP_SIZE, QUALIFIED, board_of, contact, make_app, screen_text, soon


def form_fields(form: CardForm) -> list[str]:
    return [widget.id.removeprefix("field-") for widget in form.query("#fields Input")
            if widget.id and widget.id.startswith("field-")]


async def test_contact_meeting_the_gate_is_promoted_with_p_and_followed_to_leads(pipeline: Pipeline):
    card_id = contact(pipeline, "Ada Lovelace", **QUALIFIED)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        board = board_of(pilot.app)
        assert pipeline.card(card_id).stage is Stage.LEAD
        assert board.focused_column.stage is Stage.LEAD
        assert board.current_card().id == card_id
        assert [m.move for m in pipeline.history(card_id)] == [Move.CREATE, Move.PROMOTE]
        assert "Leads  1" in screen_text(pilot.app)


async def test_blocked_promote_opens_a_form_with_exactly_the_missing_fields(pipeline: Pipeline):
    card_id = contact(pipeline, "Grace Hopper", budget="9000")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, CardForm)
        # budget is there already; need and timeline block, authority only warns
        assert form_fields(form) == ["need", "purchase_by", "authority"]
        text = screen_text(pilot.app)
        assert "need: Write down what they need from us." in text
        assert "timeline: Set when they will buy" in text
        assert "authority: This contact may not be able" in text
        assert "budget:" not in text
    assert pipeline.card(card_id).stage is Stage.CONTACT


async def test_filling_the_blocked_fields_promotes_and_writes_history(pipeline: Pipeline):
    card_id = contact(pipeline, "Grace Hopper", budget="9000")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        await pilot.press(*"Payroll", "tab", *soon(), "tab")
        # authority is a choice, empty: → steps to its first choice, "yes"
        await pilot.press("right")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, CardForm)
        card = pipeline.card(card_id)
        assert card.stage is Stage.LEAD
        assert card.need == "Payroll"
        assert card.authority is True
        assert [m.move for m in pipeline.history(card_id)][-1] is Move.PROMOTE
        assert board_of(pilot.app).current_card().id == card_id


async def test_cancelling_the_blocked_form_writes_nothing(pipeline: Pipeline):
    card_id = contact(pipeline, "Grace Hopper")
    before = pipeline.card(card_id)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        await pilot.press(*"typed but cancelled", "escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmModal)  # changes: it asks before throwing them away
        await pilot.press("y")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, CardForm)
    after = pipeline.card(card_id)
    assert after.version == before.version
    assert after.need is None and after.stage is Stage.CONTACT
    assert len(pipeline.history(card_id)) == 1


async def test_a_bad_value_in_the_blocked_form_is_marked_and_typed_values_stay(pipeline: Pipeline):
    card_id = contact(pipeline, "Grace Hopper", budget="9000")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        await pilot.press(*"A new booking system", "tab", *"next tuesday", "enter")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, CardForm)
        assert "Buying by (date): is not a date (use YYYY-MM-DD)" in screen_text(pilot.app)
        assert form.query_one("#field-need", Input).value == "A new booking system"
        assert form.query_one("#field-purchase_by", Input).value == "next tuesday"
    assert pipeline.card(card_id).need is None


async def test_a_date_outside_the_gate_keeps_the_form_open_with_the_rule(pipeline: Pipeline):
    card_id = contact(pipeline, "Grace Hopper", budget="9000")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        await pilot.press(*"A new booking system", "tab", *"2001-01-01", "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CardForm)
        assert "Set when they will buy" in screen_text(pilot.app)
    assert pipeline.card(card_id).stage is Stage.CONTACT
    assert pipeline.card(card_id).need is None


async def test_a_warning_is_shown_and_recorded_when_the_user_goes_on(pipeline: Pipeline):
    fields = dict(QUALIFIED)
    del fields["authority"]
    card_id = contact(pipeline, "Alan Turing", **fields)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmModal)
        assert "authority: This contact may not be able to make the buying" in screen_text(pilot.app)
        await pilot.press("y")
        await pilot.pause()
    card = pipeline.card(card_id)
    assert card.stage is Stage.LEAD
    assert card.warnings == ["authority"]
    assert any("authority" in w for w in pipeline.history(card_id)[-1].warnings)


async def test_declining_a_warning_leaves_the_card_where_it_was(pipeline: Pipeline):
    fields = dict(QUALIFIED)
    del fields["authority"]
    card_id = contact(pipeline, "Alan Turing", **fields)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
    assert pipeline.card(card_id).stage is Stage.CONTACT


async def test_a_gate_asking_for_an_activity_gets_one_in_the_form(pipeline: Pipeline):
    card_id = contact(pipeline, "Linus Torvalds", **QUALIFIED)
    pipeline.promote(card_id)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("l", "p")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, CardForm)
        assert form_fields(form) == [
            "requirements", "supplier", "value", "close_by", "terms", "decision_maker"]
        assert form.query("#activity-summary")
        await pilot.press(*"SSO", "tab")
        await pilot.press("n", "tab")  # supplier: "n" picks none
        await pilot.press(*"40000", "tab", *soon(60), "tab", *"Net 30", "tab", *"Ada", "tab")
        await pilot.press("tab", *"Demo", "enter")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, CardForm), screen_text(pilot.app)
    card = pipeline.card(card_id)
    assert card.stage is Stage.OPPORTUNITY
    assert card.supplier == "none"
    assert [a.summary for a in pipeline.activities(card_id)] == ["Demo"]


async def test_promote_is_greyed_out_on_an_account(pipeline: Pipeline):
    card_id = contact(pipeline, "Ada", **QUALIFIED)
    pipeline.promote(card_id)
    pipeline.log_activity(card_id, "call", "hello")
    pipeline.promote(card_id, {"requirements": "x", "supplier": "none", "value": "10", "close_by": soon(),
                               "terms": "t", "decision_maker": "d"})
    pipeline.promote(card_id, {"contract_signed_on": soon(-1), "payment_terms": "Net 30"})
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("l", "l", "l")
        board = board_of(pilot.app)
        assert board.current_card().id == card_id
        assert board.check_action("promote", ()) is None
        await pilot.press("p")
        await pilot.pause()
        assert pilot.app.screen is board
    assert pipeline.card(card_id).stage is Stage.ACCOUNT




async def test_the_blocked_form_shows_a_bad_value_and_a_missing_field_at_once(pipeline: Pipeline):
    card_id = contact(pipeline, "Grace Hopper", budget="9000")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("tab", *"next tuesday", "enter")  # need left empty, a date that is none
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, CardForm)
        text = screen_text(pilot.app)
        assert "Buying by (date): is not a date (use YYYY-MM-DD)" in text
        assert "Need: Write down what they need from us." in text
        assert form.query_one("#field-need", Input).has_class("-invalid")
        assert form.query_one("#field-purchase_by", Input).has_class("-invalid")
    assert pipeline.card(card_id).stage is Stage.CONTACT


async def test_tab_and_shift_tab_in_the_blocked_form_go_round_its_fields_only(pipeline: Pipeline):
    card_id = contact(pipeline, "Grace Hopper")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, CardForm)
        stops = []
        for key in ["shift+tab"] * 3 + ["tab"] * 8:
            await pilot.press(key)
            stops.append(pilot.app.focused)
        assert all(isinstance(stop, Input) for stop in stops), stops
        # Shift+Tab from the first field goes round to the last field (the form has no buttons:
        # Enter saves from any field), and Tab from the last field back to the first
        assert [stop.id.removeprefix("field-") for stop in stops if stop.id] == [
            "authority", "purchase_by", "budget",
            "purchase_by", "authority", "need", "budget", "purchase_by", "authority", "need", "budget"]
        # so a date typed after a Shift+Tab lands in a field, and Enter there saves the form
        await pilot.press("shift+tab", *"Payroll", "shift+tab", "shift+tab", *soon())
        assert form.query_one("#field-purchase_by", Input).value == soon()
        await pilot.press("tab", "tab", "tab", *"9000", "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmModal)  # authority is left empty: a warning
        await pilot.press("enter")  # Enter says yes, as the question's keys say
        await pilot.pause()
        assert not isinstance(pilot.app.screen, (CardForm, ConfirmModal))
    card = pipeline.card(card_id)
    assert (card.stage, card.need, card.budget) == (Stage.LEAD, "Payroll", 9000)


async def test_a_blocked_form_opens_with_its_reasons_in_view_above_the_first_field(pipeline: Pipeline):
    # the lead gate's form is taller than a 24- or 30-line terminal: it scrolls, and opens at its top
    card_id = contact(pipeline, "Ada Lovelace", **QUALIFIED)
    pipeline.promote(card_id)
    for size in ((100, 30), (80, 24)):
        async with make_app(pipeline).run_test(size=size) as pilot:
            await pilot.press("right", "p")
            await pilot.pause()
            form = pilot.app.screen
            assert isinstance(form, CardForm)
            text = screen_text(pilot.app)
            assert "Ada Lovelace cannot become opportunity yet" in text, (size, text)
            assert "✗ requirements:" in text, (size, text)
            assert form.focused is form.query_one("#field-requirements")
            assert "Requirements *" in text, (size, text)
            # what is typed lands in that field, in view
            await pilot.press(*"Spec")
            assert form.query_one("#field-requirements", Input).value == "Spec"
    assert pipeline.card(card_id).stage is Stage.LEAD
