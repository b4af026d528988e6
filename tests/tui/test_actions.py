"""A salesperson's day from the keyboard: new, edit, log, open, demote, lose, reopen, undo."""

from __future__ import annotations

import io

from rich.console import Console
from textual.widgets import Input, OptionList

from leadboard.domain.card import ActivityKind
from leadboard.domain.stages import Move, Stage
from leadboard.service import Pipeline
from leadboard.tui.scenes import settled
from leadboard.tui.screens.activity import ActivityModal
from leadboard.tui.screens.confirm import ConfirmModal
from leadboard.tui.screens.detail import CardDetail, history_table
from leadboard.tui.screens.form import CardForm
from leadboard.tui.screens.lost import LostScreen
from leadboard.tui.screens.merge import MergeModal
from leadboard.tui.screens.reason import ReasonModal
from tests.tui.helpers import APP_SIZE, QUALIFIED, board_of, contact, make_app, notices, screen_text


async def test_n_adds_a_contact_owned_by_me(pipeline: Pipeline):
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CardForm)
        await pilot.press(*"Ada", "tab", "tab", *"ACME", "tab", "tab", *"a@example.com", "ctrl+s")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, CardForm)
        board = board_of(pilot.app)
        assert board.current_card().name == "Ada"
        assert "Contacts  1" in screen_text(pilot.app)
    [card] = pipeline.find(Stage.CONTACT)
    assert (card.name, card.company, card.email, card.owner) == ("Ada", "ACME", "a@example.com", "alice")


async def test_a_new_card_with_a_bad_email_stays_open_with_the_message_and_the_typing(pipeline: Pipeline):
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Ada", "tab", "tab", *"ACME", "tab", "tab", *"not-an-email", "enter")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, CardForm)
        assert "Email: value is not a valid email address" in screen_text(pilot.app)
        assert form.query_one("#field-email", Input).value == "not-an-email"
        assert form.query_one("#field-company", Input).value == "ACME"
        assert form.query_one("#field-email", Input).has_class("-invalid")
    assert pipeline.find(Stage.CONTACT) == []


async def test_a_new_card_with_another_cards_email_asks_and_says_so_beside_the_email(pipeline: Pipeline):
    ada = contact(pipeline, "Ada Lovelace", email="ada@example.com")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Ada L.", "tab", "tab", *"Engines", "tab", "tab", *"ADA@example.com", "enter")
        text = await settled(pilot)
        assert isinstance(pilot.app.screen, ConfirmModal)  # nothing added before the user says so
        assert f"Card {ada} (Ada Lovelace) already has ada@example.com." in text
        assert len(pipeline.find(Stage.CONTACT)) == 1
        await pilot.press("n")  # back to the form: the email marked, the typing kept
        text = await settled(pilot)
        form = pilot.app.screen
        assert isinstance(form, CardForm)
        assert f"Email: card {ada} (Ada Lovelace) already has ada@example.com" in text
        assert "nothing was saved" in text
        assert form.query_one("#field-email", Input).has_class("-invalid")
        assert form.query_one("#field-company", Input).value == "Engines"
        assert len(pipeline.find(Stage.CONTACT)) == 1
        await pilot.press("ctrl+s")  # saved again: asked again, and added on yes
        await settled(pilot)
        assert isinstance(pilot.app.screen, ConfirmModal)
        await pilot.press("y")
        await settled(pilot)
        assert not isinstance(pilot.app.screen, (CardForm, ConfirmModal))
        assert board_of(pilot.app).current_card().name == "Ada L."
    assert sorted((c.name, c.email) for c in pipeline.find(Stage.CONTACT)) == [
        ("Ada L.", "ADA@example.com"), ("Ada Lovelace", "ada@example.com")]


async def test_a_second_save_shows_only_the_new_mistakes(pipeline: Pipeline):
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Ada", "tab", "tab", *"ACME", "tab", "tab", *"not-an-email", "enter")
        await pilot.pause()
        assert "Email: value is not a valid email address" in screen_text(pilot.app)
        form = pilot.app.screen
        form.query_one("#field-email", Input).value = "ada@example.com"
        form.query_one("#field-name", Input).value = ""
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(pilot.app)
        assert "Name: " in text
        assert "Email: value is not a valid email address" not in text
        assert form.query_one("#field-name", Input).has_class("-invalid")
        assert not form.query_one("#field-email", Input).has_class("-invalid")
    assert pipeline.find(Stage.CONTACT) == []


async def test_e_edits_the_focused_card(pipeline: Pipeline):
    card_id = contact(pipeline, "Ada", company="Old Co")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        company = pilot.app.screen.query_one("#field-company", Input)
        company.focus()
        await pilot.press("ctrl+u", *"New Co", "enter")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, CardForm)
        assert "New Co" in screen_text(pilot.app)
    card = pipeline.card(card_id)
    assert card.company == "New Co" and card.version == 2


async def test_a_colleagues_edit_meanwhile_is_caught_and_my_typing_is_kept(pipeline: Pipeline):
    card_id = contact(pipeline, "Ada", company="Old Co")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        pipeline.user = "bob"
        pipeline.edit(card_id, {"company": "Bob's Co"})  # bob saves first
        pipeline.user = "alice"
        company = pilot.app.screen.query_one("#field-company", Input)
        company.focus()
        await pilot.press("ctrl+u", *"Mine", "enter")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, CardForm)
        text = screen_text(pilot.app)
        assert "was changed by bob" in text and "Your values are kept" in text
        assert "now: Bob's Co" in text
        assert form.query_one("#field-company", Input).value == "Mine"
        assert pipeline.card(card_id).company == "Bob's Co"
        await pilot.press("enter")  # seen it: save again over bob's value
        await pilot.pause()
        assert not isinstance(pilot.app.screen, CardForm)
    assert pipeline.card(card_id).company == "Mine"


async def test_a_logs_an_activity(pipeline: Pipeline):
    card_id = contact(pipeline, "Ada")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ActivityModal)
        await pilot.press("enter")  # an empty summary is refused
        await pilot.pause()
        assert "Say in a few words what happened" in screen_text(pilot.app)
        await pilot.press(*"Called", "enter")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ActivityModal)
    [activity] = pipeline.activities(card_id)
    assert (activity.kind, activity.summary, activity.by) == (ActivityKind.CALL, "Called", "alice")


async def test_enter_opens_the_card_with_fields_history_and_activities(pipeline: Pipeline):
    card_id = contact(pipeline, "Ada", **QUALIFIED)
    pipeline.promote(card_id)
    pipeline.log_activity(card_id, "meeting", "Met the team")
    pipeline.edit(card_id, {"company": "ACME", "budget": "30000"})
    async with make_app(pipeline).run_test(size=(120, 50)) as pilot:
        await pilot.press("l", "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CardDetail)
        text = screen_text(pilot.app)
        for words in ("Need", "A CRM for the sales team", "Budget", "30,000", "History", "create",
                      "contact → lead", "promote", "Activities (1)", "meeting", "Met the team",
                      "log meeting “Met the team”", "company: — → ACME", "budget: 25000 → 30000"):
            assert words in text, words
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is board_of(pilot.app)


async def test_d_demotes_with_a_reason(pipeline: Pipeline):
    card_id = contact(pipeline, "Ada", **QUALIFIED)
    pipeline.promote(card_id)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("l", "d")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ReasonModal)
        await pilot.press("enter")  # no reason: refused
        await pilot.pause()
        assert "A reason is required." in screen_text(pilot.app)
        await pilot.press(*"Budget frozen", "enter")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ReasonModal)
    last = pipeline.history(card_id)[-1]
    assert (last.move, last.to_stage, last.reason) == (Move.DEMOTE, Stage.CONTACT, "Budget frozen")


async def test_x_loses_with_a_listed_reason_and_words_and_the_lost_view_reopens(pipeline: Pipeline):
    card_id = contact(pipeline, "Ada", **QUALIFIED)
    pipeline.promote(card_id)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("l", "x")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, ReasonModal)
        assert "Chose a competitor" in screen_text(pilot.app)  # the rules file's reasons
        assert modal.query_one(OptionList).has_focus
        await pilot.press("down", "down", "enter")  # "Chose a competitor"
        await pilot.press(*"went with Globex", "enter")
        await pilot.pause()
        card = pipeline.card(card_id)
        assert card.stage is Stage.LOST
        assert card.lost_reason == "Chose a competitor: went with Globex"
        assert "Leads  0" in screen_text(pilot.app)

        await pilot.press("L")
        await pilot.pause()
        assert isinstance(pilot.app.screen, LostScreen)
        text = screen_text(pilot.app)
        assert "Lost  1" in text and "Ada" in text
        assert "lead · Chose a competitor: went with Globex" in text  # where from, and why
        await pilot.press("r")
        await pilot.pause()
        assert pilot.app.screen is board_of(pilot.app)
        assert board_of(pilot.app).current_card().id == card_id
        assert "Leads  1" in screen_text(pilot.app)
    assert pipeline.card(card_id).stage is Stage.LEAD
    assert pipeline.history(card_id)[-1].move is Move.REOPEN


async def test_u_says_what_it_will_undo_and_undoes_it_on_y(pipeline: Pipeline):
    card_id = contact(pipeline, "Ada", **QUALIFIED)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("p")
        await settled(pilot)
        assert pipeline.card(card_id).stage is Stage.LEAD
        await pilot.press("u")
        await settled(pilot)
        assert isinstance(pilot.app.screen, ConfirmModal)  # nothing undone before the user says so
        assert pipeline.card(card_id).stage is Stage.LEAD
        assert "Undo promote contact → lead on Ada (at " in screen_text(pilot.app)
        await pilot.press("y")
        await settled(pilot)
        assert pipeline.card(card_id).stage is Stage.CONTACT
        board = board_of(pilot.app)
        assert board.focused_column.stage is Stage.CONTACT and board.current_card().id == card_id
        text = screen_text(pilot.app)
        assert "Contacts  1" in text and "Leads  0" in text
        await pilot.press("u")  # nothing left to undo: told, not crashed
        await settled(pilot)
        assert "You have made no change in this session that can be undone." in notices(pilot.app)
    assert [m.move for m in pipeline.history(card_id)] == [Move.CREATE, Move.PROMOTE, Move.UNDO]


async def test_u_then_n_keeps_the_edit_and_y_undoes_it_field_by_field(pipeline: Pipeline):
    card_id = contact(pipeline, "Ada", company="Old Co")
    pipeline.edit(card_id, {"title": "Countess"})  # before the board opened: not this session's
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("e")
        await settled(pilot)
        pilot.app.screen.query_one("#field-company", Input).focus()
        await pilot.press("ctrl+u", *"New Co", "ctrl+s")
        await settled(pilot)
        await pilot.press("u")
        await settled(pilot)
        assert "Undo edit company on Ada (at " in screen_text(pilot.app)
        await pilot.press("n")
        await settled(pilot)
        assert pipeline.card(card_id).company == "New Co"
        await pilot.press("u")
        await settled(pilot)
        await pilot.press("y")
        await settled(pilot)
        assert "Undone: edit company on Ada." in notices(pilot.app)
    card = pipeline.card(card_id)
    assert (card.company, card.title) == ("Old Co", "Countess")


async def test_u_refuses_a_change_a_colleague_has_built_upon(pipeline: Pipeline):
    card_id = contact(pipeline, "Ada")
    bob = Pipeline(pipeline.rules, "bob")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("a")
        await settled(pilot)
        assert isinstance(pilot.app.screen, ActivityModal)
        await pilot.press(*"Intro call", "enter")
        await settled(pilot)
        assert pipeline.card(card_id).activity_count == 1
        await pilot.press("u")
        await settled(pilot)
        assert "Undo log call “Intro call” on Ada" in screen_text(pilot.app)
        bob.edit(card_id, {"company": "ACME"})  # while the question is open
        await pilot.press("y")
        await settled(pilot)
        assert any("was changed by bob" in notice and "can no longer be undone" in notice
                   for notice in notices(pilot.app))
        await pilot.press("u")  # asked again: refused at once, nothing to say yes to
        await settled(pilot)
        assert not isinstance(pilot.app.screen, ConfirmModal)
        assert sum("was changed by bob" in notice and "can no longer be undone" in notice
                   for notice in notices(pilot.app)) == 2
    assert pipeline.card(card_id).activity_count == 1
    assert pipeline.card(card_id).company == "ACME"


async def test_delete_asks_first_takes_the_card_off_the_board_and_u_brings_it_back(pipeline: Pipeline):
    contact(pipeline, "Grace")
    ada = contact(pipeline, "Ada")  # the newest: on top of its column
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        assert board.current_card().id == ada
        await pilot.press("delete")
        await settled(pilot)
        assert isinstance(pilot.app.screen, ConfirmModal)
        assert f"Delete Ada (card {ada})? u brings it back." in screen_text(pilot.app)
        await pilot.press("n")  # kept
        await settled(pilot)
        assert pipeline.card(ada).name == "Ada"

        await pilot.press("delete", "y")
        await settled(pilot)
        text = screen_text(pilot.app)
        assert "Contacts  1" in text and "Ada" not in text.split("Deleted")[0]
        assert board.current_card().name == "Grace"
        assert "Deleted Ada; u brings it back." in notices(pilot.app)

        await pilot.press("u")
        await settled(pilot)
        assert isinstance(pilot.app.screen, ConfirmModal)
        assert "Undo delete card on Ada (at " in screen_text(pilot.app)
        await pilot.press("y")
        await settled(pilot)
        assert "Contacts  2" in screen_text(pilot.app)
    assert pipeline.card(ada).name == "Ada"


async def test_shift_m_finds_the_other_card_and_merges_it_with_a_choice_per_differing_field(pipeline: Pipeline):
    deal = contact(pipeline, "Ada L.", email="ada@engines.example.com", company="Analytical Engines",
                   phone="+44 20 7946 0958")
    pipeline.log_activity(deal, "call", "Call about the deal")
    contact(pipeline, "Grace Hopper")
    ada = contact(pipeline, "Ada Lovelace", email="ada@example.com", phone="+44 20 7946 0000")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        assert board_of(pilot.app).current_card().id == ada
        await pilot.press("M")
        await settled(pilot)
        assert isinstance(pilot.app.screen, MergeModal)
        await pilot.press(*"engines")
        await settled(pilot)
        assert f"Ada L. · Analytical Engines · contact (card {deal})" in screen_text(pilot.app)
        await pilot.press("enter", "enter")  # to the matches, and pick the first
        await settled(pilot)
        text = screen_text(pilot.app)
        assert f"Merging in Ada L. (card {deal})" in text
        # side by side, the kept card's values marked: name, email and phone differ
        assert "▶ Ada Lovelace" in text and "▶ ada@example.com" in text and "▶ +44 20 7946 0000" in text
        await pilot.press("down", "down", "enter")  # the phone: take the deal's
        await settled(pilot)
        assert "▶ +44 20 7946 0958" in screen_text(pilot.app)
        await pilot.press("ctrl+s")
        await settled(pilot)
        assert not isinstance(pilot.app.screen, MergeModal)
        assert "Merged Ada L. into Ada Lovelace; u splits them again." in notices(pilot.app)
        assert "Contacts  2" in screen_text(pilot.app)
        # the card's history says the merge in one line, with the field it filled, not its inner workings
        await pilot.press("enter")
        await settled(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, CardDetail)
        drawn = Console(width=160, record=True, file=io.StringIO())
        drawn.print(history_table(detail.moves))
        history = drawn.export_text()
        assert f"merged card {deal} (Ada L.) into this one" in history
        assert "phone: +44 20 7946 0000 → +44 20 7946 0958" in history
        assert "other.name" not in history and "merge.history" not in history
    kept = pipeline.card(ada)
    assert (kept.name, kept.email, kept.phone, kept.company) == (
        "Ada Lovelace", "ada@example.com", "+44 20 7946 0958", "Analytical Engines")
    assert kept.extra == {"merged.name": "Ada L.", "merged.email": "ada@engines.example.com",
                          "merged.phone": "+44 20 7946 0000"}
    assert [a.summary for a in pipeline.activities(ada)] == ["Call about the deal"]


async def test_merging_before_picking_a_card_says_so_and_changes_nothing(pipeline: Pipeline):
    ada = contact(pipeline, "Ada Lovelace")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("M")
        await settled(pilot)
        await pilot.press("ctrl+s")
        await settled(pilot)
        assert isinstance(pilot.app.screen, MergeModal)
        assert "Pick the card to merge in first." in screen_text(pilot.app)
        await pilot.press("escape")
        await settled(pilot)
        assert pilot.app.screen is board_of(pilot.app)
    assert pipeline.card(ada).version == 1
