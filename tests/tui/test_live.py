"""Live board: a colleague's change (another process on the same database) shows up by itself."""

from __future__ import annotations

import pytest

from leadboard.domain.stages import PIPELINE, Stage
from leadboard.service import Pipeline
from leadboard.tui.column import CardColumn
from leadboard.tui.screens.detail import CardDetail
from leadboard.tui.screens.form import CardForm
from leadboard.tui.screens.lost import LostScreen
from tests.tui.helpers import APP_SIZE, QUALIFIED, as_bob, board_of, contact, make_app, screen_text, wait_until


def count_loads(monkeypatch: pytest.MonkeyPatch) -> dict[Stage, int]:
    """How often each column starts over (a full reload) from now on."""
    loads = {stage: 0 for stage in Stage}
    original = CardColumn.load

    def load(self: CardColumn, *args, **kwargs):
        loads[self.stage] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(CardColumn, "load", load)
    return loads


async def test_a_promote_by_a_colleague_shows_up_without_a_key_press(pipeline: Pipeline,
                                                                    monkeypatch: pytest.MonkeyPatch):
    moved = contact(pipeline, "Moved By Bob", **QUALIFIED)
    for name in ("Third", "Second", "First"):
        contact(pipeline, name)
    async with make_app(pipeline, poll_interval=0.1).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.press("j", "j")  # on "Third"
        assert board.current_card().name == "Third"
        loads = count_loads(monkeypatch)
        as_bob("promote", str(moved))
        await wait_until(pilot, lambda: "Leads  1" in screen_text(pilot.app))
        text = screen_text(pilot.app)
        assert "Contacts  3" in text and "Moved By Bob" in text
        assert board.current_card().name == "Third"  # focus stays on the same card
        assert board.focused_column.stage is Stage.CONTACT
        assert loads[Stage.OPPORTUNITY] == loads[Stage.ACCOUNT] == 0  # untouched columns not reloaded


async def test_an_edit_by_a_colleague_redraws_just_that_card(pipeline: Pipeline,
                                                            monkeypatch: pytest.MonkeyPatch):
    card_id = contact(pipeline, "Ada", company="Old Co")
    contact(pipeline, "Grace")
    async with make_app(pipeline, poll_interval=0.1).run_test(size=APP_SIZE) as pilot:
        await pilot.pause()
        loads = count_loads(monkeypatch)
        as_bob("edit", str(card_id), "--set", "company=Bob's New Co")
        await wait_until(pilot, lambda: "Bob's New Co" in screen_text(pilot.app))
        assert all(loads[stage] == 0 for stage in PIPELINE)  # patched in place, no column reloaded


async def test_the_lost_view_and_a_form_see_a_colleagues_change(pipeline: Pipeline):
    card_id = contact(pipeline, "Ada", company="Old Co")
    async with make_app(pipeline, poll_interval=0.1).run_test(size=APP_SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        as_bob("lose", str(card_id), "--reason", "Went silent")
        await wait_until(pilot, lambda: board_of(pilot.app).stats[Stage.LOST].cards == 1)
        await pilot.press("tab", "tab", "ctrl+u", *"Mine", "enter")  # save the form anyway
        await pilot.pause()
        assert "was changed by bob" in screen_text(pilot.app)
        await pilot.press("escape", "y")  # give up the edit (it asks: the form has changes)
        await pilot.pause()

        await pilot.press("L")
        await pilot.pause()
        assert isinstance(pilot.app.screen, LostScreen)
        text = screen_text(pilot.app)
        assert "Lost  1" in text and "Ada" in text
        assert "contact · Went silent" in text  # lost by bob, from where and why
        as_bob("reopen", str(card_id))
        await wait_until(pilot, lambda: "No lost cards" in screen_text(pilot.app))  # the open view follows
        assert "Lost  0" in screen_text(pilot.app)
    assert pipeline.card(card_id).company == "Old Co"


async def test_an_open_card_shows_a_colleagues_change_without_a_key_press(pipeline: Pipeline):
    card_id = contact(pipeline, "Ada", company="Old Co", **QUALIFIED)
    async with make_app(pipeline, poll_interval=0.1).run_test(size=APP_SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CardDetail)
        as_bob("edit", str(card_id), "--set", "company=Bob's New Co")
        as_bob("promote", str(card_id))
        await wait_until(pilot, lambda: "Bob's New Co" in screen_text(pilot.app)
                         and "contact → lead" in screen_text(pilot.app))
        assert isinstance(pilot.app.screen, CardDetail)  # still open, now current


async def test_the_board_behind_an_open_form_shows_a_colleagues_change(pipeline: Pipeline):
    """The board behind a dialog is drawn once as the dialog opens (dimmed), and again when it changes."""
    card_id = contact(pipeline, "Ada", company="Old Co")
    contact(pipeline, "Grace")
    async with make_app(pipeline, poll_interval=0.1).run_test(size=APP_SIZE) as pilot:
        await pilot.press("e")  # Grace's form, over the board
        await pilot.pause()
        assert isinstance(pilot.app.screen, CardForm)
        assert "Old Co" in screen_text(pilot.app)  # Ada's card, behind the form
        as_bob("edit", str(card_id), "--set", "company=New Co")
        await wait_until(pilot, lambda: "New Co" in screen_text(pilot.app))
        assert isinstance(pilot.app.screen, CardForm) and "Old Co" not in screen_text(pilot.app)
