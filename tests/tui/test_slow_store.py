"""The board never waits for the database: drawing reads no page, and writes run off the event loop.
With a store made slow on purpose (a page read off the event loop, or a write on the board's writer
thread, is held until the test lets it go), the cursor moves at once over placeholder lines, typing
still echoes, and a key that acts on a card waits for the page or the write before it and then acts
on the card a slow typist would have acted on, in the order typed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from leadboard.domain.stages import Stage
from leadboard.service import Pipeline
from leadboard.tui.column import PAGE_SIZE, PLACEHOLDER
from leadboard.tui.screens.activity import ActivityModal
from leadboard.tui.screens.confirm import ConfirmModal
from leadboard.tui.screens.form import CardForm
from leadboard.tui.screens.merge import MergeModal
from leadboard.tui.screens.reports import ReportsScreen
from leadboard.tui.screens.today import TodayScreen
from tests.tui.helpers import (
    APP_SIZE,
    QUALIFIED,
    board_of,
    burst,
    contact,
    make_app,
    notices,
    screen_text,
    soon,
    typed,
    wait_until,
)

CARDS = 2 * PAGE_SIZE + 50


@pytest.fixture
def held(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Page reads off the event loop wait until the returned event is set: pages past the first
    as they scroll into view, and a filter's first pages (the board's first read, with the first
    page of each column, is not held)."""
    let_go = threading.Event()

    def held_back(read: Any, past_the_first: bool) -> Any:
        def slow(*args: Any, **kwargs: Any) -> Any:
            first_page = past_the_first and args[1] == 0
            if threading.current_thread() is not threading.main_thread() and not first_page:
                let_go.wait(30)
            return read(*args, **kwargs)
        return slow

    for number in range(CARDS):
        pipeline.create({"name": f"Card {number:03}", "email": f"card{number}@example.com"})
    monkeypatch.setattr(pipeline, "column_page", held_back(pipeline.column_page, past_the_first=True))
    monkeypatch.setattr(pipeline, "overview", held_back(pipeline.overview, past_the_first=False))
    yield let_go
    let_go.set()


async def keys_handled(pilot: Any) -> None:
    await wait_until(pilot, lambda: not pilot.app.keys.pending, seconds=20)


async def test_the_cursor_moves_at_once_over_a_page_still_being_read(pipeline: Pipeline, held: threading.Event):
    last = pipeline.column_page(Stage.CONTACT, CARDS - 1, 1)[0]
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        column = board.column(Stage.CONTACT)
        await pilot.pause()
        burst(pilot.app, "G")
        await keys_handled(pilot)
        assert column.cursor == CARDS - 1
        assert not column.is_read(CARDS - 1)  # the page is still held: the cursor did not wait for it
        assert PLACEHOLDER in screen_text(pilot.app)
        assert last.name not in screen_text(pilot.app)

        held.set()
        await wait_until(pilot, lambda: last.name in screen_text(pilot.app))
        assert board.current_card().id == last.id


async def test_a_search_typed_while_its_matches_are_read_echoes_at_once(pipeline: Pipeline, held: threading.Event):
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.pause()
        burst(pilot.app, "slash", "C", "a", "r", "d", " ", "2", "4", "9")
        await keys_handled(pilot)
        assert board.query_one("#search").value == "Card 249"  # every letter in, the reads still held
        assert "Contacts  250" in screen_text(pilot.app)  # the columns still show the whole board
        held.set()
        await wait_until(pilot, lambda: board.stats[Stage.CONTACT].cards == 1)
        assert [card.name for card in pipeline.column_page(Stage.CONTACT, 0, 5, board.card_filter)] == ["Card 249"]
        assert board.column(Stage.CONTACT).card_at(0).name == "Card 249"


async def test_a_search_typed_in_a_burst_reads_the_text_the_user_stopped_at_not_every_letter(
        pipeline: Pipeline, held: threading.Event, monkeypatch: pytest.MonkeyPatch):
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.pause()
        searched: list[str] = []
        overview = pipeline.overview

        def recorded(card_filter: Any, *args: Any) -> Any:
            searched.append(card_filter.search)
            return overview(card_filter, *args)

        monkeypatch.setattr(pipeline, "overview", recorded)
        burst(pilot.app, "slash")
        for key in ("C", "a", "r", "d", " ", "2", "4", "9"):  # each letter's read asked for before the next
            burst(pilot.app, key)
            await keys_handled(pilot)
            await pilot.pause()
        assert board.query_one("#search").value == "Card 249"
        held.set()
        await wait_until(pilot, lambda: board.stats[Stage.CONTACT].cards == 1)
        # the first letter's read was under way; the texts typed past while it was held are never read
        assert searched == ["C", "Card 249"], searched
        assert board.column(Stage.CONTACT).card_at(0).name == "Card 249"


async def test_keys_typed_while_a_page_is_read_echo_and_a_search_keeps_the_card(pipeline: Pipeline,
                                                                                 held: threading.Event):
    last = pipeline.column_page(Stage.CONTACT, CARDS - 1, 1)[0]
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.pause()
        # `/` keeps the focused card to come back to, so it waits for the last card's page; the
        # letters after it wait in line, then go into the search box
        burst(pilot.app, "G", "slash", "C", "a", "r", "d")
        await pilot.pause(0.3)
        assert board.focused_column.cursor == CARDS - 1
        assert pilot.app.keys.pending
        held.set()
        await typed(pilot)
        assert board.query_one("#search").value == "Card"

        # Esc clears the search and the cursor is back on the last card
        burst(pilot.app, "escape")
        await typed(pilot)
        await wait_until(pilot, lambda: last.name in screen_text(pilot.app))
        assert board.focused_column.stage is Stage.CONTACT
        assert board.current_card().id == last.id


async def test_a_card_key_typed_before_its_page_lands_acts_on_that_card(pipeline: Pipeline, held: threading.Event):
    last = pipeline.column_page(Stage.CONTACT, CARDS - 1, 1)[0]
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.pause()
        # go to the last card and edit it: `x` (lose, on the board) is typed into the form's first field
        burst(pilot.app, "G", "e", "x")
        await pilot.pause(0.3)
        assert pilot.app.keys.pending  # `e` waits for the last card's page
        assert len(pilot.app.screen_stack) == 1

        held.set()
        await typed(pilot)
        form = pilot.app.screen
        assert isinstance(form, CardForm)
        assert form.query_one("#field-name").value == last.name + "x"
        assert board.focused_column.cursor == CARDS - 1
    assert pipeline.card(last.id).name == last.name  # nothing was saved
    assert pipeline.card(last.id).stage is Stage.CONTACT  # and `x` lost nothing


def held_on_the_reader(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, name: str) -> threading.Event:
    """``pipeline.<name>`` read off the event loop waits until the returned event is set."""
    let_go = threading.Event()
    read = getattr(pipeline, name)

    def slow(*args: Any) -> Any:
        if threading.current_thread() is not threading.main_thread():
            let_go.wait(30)
        return read(*args)

    monkeypatch.setattr(pipeline, name, slow)
    return let_go


async def test_the_board_paints_and_takes_keys_while_its_first_read_is_slow(pipeline: Pipeline,
                                                                           monkeypatch: pytest.MonkeyPatch):
    names = ("Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov")
    for name in names:
        contact(pipeline, name)
    fourth = pipeline.column_page(Stage.CONTACT, 3, 1)[0]
    let_go = held_on_the_reader(pipeline, monkeypatch, "latest_change")  # the board's first read
    try:
        async with make_app(pipeline, wait_for_board=False).run_test(size=APP_SIZE) as pilot:
            await pilot.pause()
            text = screen_text(pilot.app)
            # the frame at once: the columns' titles, a placeholder line in each, the footer's keys
            assert all(title in text for title in ("Contacts", "Leads", "Opportunities", "Accounts"))
            assert PLACEHOLDER in text and "Quit" in text
            assert not any(name in text for name in names)

            # down three cards and edit that one, typed before any card has been read
            burst(pilot.app, "j", "j", "j", "e", "x")
            await pilot.pause(0.3)
            assert pilot.app.keys.pending  # `e` waits for the first read
            assert len(pilot.app.screen_stack) == 1

            let_go.set()
            await typed(pilot)
            form = pilot.app.screen
            assert isinstance(form, CardForm)
            assert form.query_one("#field-name").value == fourth.name + "x"
            form.action_cancel()
            await typed(pilot)
            assert "Contacts  5" in screen_text(pilot.app)
    finally:
        let_go.set()
    assert pipeline.card(fourth.id).name == fourth.name  # nothing was saved


async def test_yes_typed_before_an_empty_databases_first_read_lands_adds_demo_cards(
        pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch):
    let_go = held_on_the_reader(pipeline, monkeypatch, "latest_change")
    try:
        async with make_app(pipeline, offer_demo=True, wait_for_board=False).run_test(size=APP_SIZE) as pilot:
            await pilot.pause()
            burst(pilot.app, "y")
            await pilot.pause(0.3)
            assert pilot.app.keys.pending  # the question comes with the first read: `y` waits for it
            assert not isinstance(pilot.app.screen, ConfirmModal)
            let_go.set()
            await typed(pilot)
            await pilot.app.workers.wait_for_complete()
            board = board_of(pilot.app)
            await wait_until(pilot, lambda: sum(stat.cards for stat in board.stats.values()) == 200)
    finally:
        let_go.set()
    assert sum(pipeline.stats()[stage].cards for stage in Stage) == 200  # lost ones too


async def test_the_owner_key_typed_while_the_reports_read_the_colleagues_reaches_a_colleague(
        pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch):
    contact(pipeline, "Ada Lovelace")
    contact(pipeline, "Alan Turing", owner="bob")
    let_go = held_on_the_reader(pipeline, monkeypatch, "owners")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        # mine, everyone's, then bob's: the third owner is only known once the colleagues are read
        burst(pilot.app, "R", "o", "o")
        await pilot.pause(0.3)
        assert isinstance(pilot.app.screen, ReportsScreen)  # opened at once
        assert pilot.app.keys.pending  # `o` waits for the colleagues
        let_go.set()
        text = await typed(pilot)
        assert "bob's cards" in text


#: what the lead gate wants (with an activity logged): a card with these and ``QUALIFIED`` is
#: promoted twice without a form
DEVELOPED = {"requirements": "SSO", "supplier": "none", "value": "40000", "close_by": soon(60), "terms": "Net 30",
             "decision_maker": "Ada"}
WRITES = ("create", "edit", "promote", "demote", "lose", "log_and_plan", "delete", "undo", "merge")


@pytest.fixture
def writes_held(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The board's writes (on its writer thread) wait until the returned event is set; the test's
    own writes, and every read, go through."""
    let_go = threading.Event()

    def held_back(write: Any) -> Any:
        def slow(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread().name.startswith("leadboard-writer"):
                let_go.wait(30)
            return write(*args, **kwargs)
        return slow

    for name in WRITES:
        monkeypatch.setattr(pipeline, name, held_back(getattr(pipeline, name)))
    yield let_go
    let_go.set()


def ready(pipeline: Pipeline, name: str) -> int:
    """A contact that both the qualify and the develop gate let through."""
    card_id = contact(pipeline, name, **QUALIFIED, **DEVELOPED)
    pipeline.log_activity(card_id, "call", "Intro call")
    return card_id


async def test_while_a_promote_is_held_the_cursor_moves_and_a_search_echoes(pipeline: Pipeline,
                                                                            writes_held: threading.Event):
    below = ready(pipeline, "Alan Turing")
    top = ready(pipeline, "Grace Hopper")  # the newest card is on top, under the cursor
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        contacts = board.column(Stage.CONTACT)
        await pilot.pause()
        burst(pilot.app, "p", "j")
        await keys_handled(pilot)
        assert contacts.cursor == 1  # moved while the promote is still being written
        assert board.current_card().id == below
        assert pipeline.card(top).stage is Stage.CONTACT

        burst(pilot.app, "slash", *"Gra")
        await keys_handled(pilot)
        assert board.query_one("#search").value == "Gra"  # echoed, the write still held
        assert pipeline.card(top).stage is Stage.CONTACT

        writes_held.set()
        await wait_until(pilot, lambda: pipeline.card(top).stage is Stage.LEAD and not board.is_landing)
        await typed(pilot)
        assert "Grace Hopper: contact → lead." in notices(pilot.app)
        assert board.query_one("#search").has_focus  # the landing did not take the search's focus away
        # Esc goes back to the card a slow typist's `/` left: Grace followed into Leads, `j` found
        # no card below her there
        burst(pilot.app, "escape")
        await typed(pilot)
        await wait_until(pilot, lambda: board.current_card() is not None and board.current_card().id == top)
        assert board.focused_column.stage is Stage.LEAD
    assert pipeline.card(below).stage is Stage.CONTACT


async def test_a_second_p_typed_during_a_held_promote_acts_on_the_card_after_it_lands(pipeline: Pipeline,
                                                                                     writes_held: threading.Event):
    below = ready(pipeline, "Alan Turing")
    top = ready(pipeline, "Grace Hopper")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.pause()
        burst(pilot.app, "p", "p")
        await pilot.pause(0.3)
        assert pilot.app.keys.pending  # the second p waits for the first promote to land
        assert pipeline.card(top).stage is Stage.CONTACT

        writes_held.set()
        await typed(pilot)
        await wait_until(pilot, lambda: not board.is_landing)
        assert board.focused_column.stage is Stage.OPPORTUNITY  # the cursor followed Grace twice
        assert board.current_card().id == top
    # as a slow typist: Grace promoted twice, Alan (under the cursor Grace left) untouched
    assert pipeline.card(top).stage is Stage.OPPORTUNITY
    assert [move.move.value for move in pipeline.history(top)] == ["create", "promote", "promote"]
    assert pipeline.card(below).stage is Stage.CONTACT


async def test_p_j_p_during_a_held_promote_moves_from_where_the_promote_leaves_the_cursor(
        pipeline: Pipeline, writes_held: threading.Event):
    lead = ready(pipeline, "Ada Lovelace")
    pipeline.promote(lead)  # a lead already there, below which Grace lands
    below = ready(pipeline, "Alan Turing")
    top = ready(pipeline, "Grace Hopper")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.pause()
        burst(pilot.app, "p", "j", "p")
        await pilot.pause(0.3)
        assert board.focused_column.cursor == 1  # `j` moved at once, in Contacts, onto Alan
        assert pilot.app.keys.pending  # the second p waits
        writes_held.set()
        await typed(pilot)
        await wait_until(pilot, lambda: not board.is_landing)
    # as a slow typist: Grace went to the top of Leads, the cursor with her; `j` went to Ada below
    # her there and `p` promoted Ada. Alan, under the cursor while the write was held, stays.
    assert pipeline.card(top).stage is Stage.LEAD
    assert pipeline.card(lead).stage is Stage.OPPORTUNITY
    assert pipeline.card(below).stage is Stage.CONTACT


async def test_a_move_that_goes_nowhere_while_a_promote_is_held_is_made_from_where_it_lands(
        pipeline: Pipeline, writes_held: threading.Event):
    top = ready(pipeline, "Grace Hopper")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.pause()
        # `h` in Contacts goes nowhere now; typed after the promote, it goes from Leads back to Contacts
        burst(pilot.app, "p", "h")
        await keys_handled(pilot)
        assert board.focused_column.stage is Stage.CONTACT
        writes_held.set()
        await wait_until(pilot, lambda: pipeline.card(top).stage is Stage.LEAD and not board.is_landing)
        await typed(pilot)
        assert board.focused_column.stage is Stage.CONTACT  # as a slow typist: followed Grace, then `h`
        assert "Contacts  0" in screen_text(pilot.app)


async def test_keys_after_an_edit_saved_while_its_write_is_held_go_to_the_board_in_order(
        pipeline: Pipeline, writes_held: threading.Event):
    below = ready(pipeline, "Alan Turing")
    top = ready(pipeline, "Grace Hopper")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.pause()
        burst(pilot.app, "e")
        await typed(pilot)
        assert isinstance(pilot.app.screen, CardForm)
        # the name gets a letter, Ctrl+S; then down to Alan and promote him
        burst(pilot.app, "end", "X", "ctrl+s", "j", "p")
        await pilot.pause(0.3)
        assert isinstance(pilot.app.screen, CardForm)  # the save is held: the form waits for it
        assert pilot.app.keys.pending
        assert pipeline.card(top).name == "Grace Hopper"

        writes_held.set()
        await typed(pilot)
        await wait_until(pilot, lambda: not board.is_landing)
        assert pilot.app.screen is board
        assert board.focused_column.stage is Stage.LEAD  # the cursor followed Alan
        assert board.current_card().id == below
    # as a slow typist: the edit saved, then `j` to Alan and `p` promoted him
    assert pipeline.card(top).name == "Grace HopperX"
    assert pipeline.card(top).stage is Stage.CONTACT
    assert pipeline.card(below).stage is Stage.LEAD


async def test_a_key_typed_while_the_day_is_read_acts_on_the_day_once_it_is_shown(pipeline: Pipeline,
                                                                                  monkeypatch: pytest.MonkeyPatch):
    olga = contact(pipeline, "Olga Overdue")
    pipeline.plan(olga, "call", soon(-1), "Call about the quote")
    let_go = threading.Event()
    today_view = pipeline.today_view

    def held_day(*args: Any) -> Any:
        let_go.wait(30)
        return today_view(*args)

    monkeypatch.setattr(pipeline, "today_view", held_day)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.pause()
        burst(pilot.app, "t", "c")  # the Today view, then complete the first step in it
        await pilot.pause(0.3)
        assert isinstance(pilot.app.screen, TodayScreen)  # opened at once, its day still being read
        assert pilot.app.keys.pending  # `c` waits for the day
        let_go.set()
        await typed(pilot)
        assert isinstance(pilot.app.screen, ActivityModal)
        assert "Call about the quote" in screen_text(pilot.app)


async def test_a_merge_search_echoes_while_its_matches_are_read_and_enter_picks_the_first_match(
        pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch):
    deal = contact(pipeline, "Ada L.", company="Analytical Engines")
    contact(pipeline, "Ada Lovelace")
    let_go = threading.Event()
    matching = pipeline.matching

    def held_matching(*args: Any) -> Any:
        let_go.wait(30)
        return matching(*args)

    monkeypatch.setattr(pipeline, "matching", held_matching)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.pause()
        burst(pilot.app, "M")
        await typed(pilot)
        assert isinstance(pilot.app.screen, MergeModal)
        burst(pilot.app, *"engines", "enter", "enter")  # to the matches, and pick the first
        await pilot.pause(0.3)
        assert pilot.app.screen.query_one("#find").value == "engines"  # echoed, the matches still held
        assert pilot.app.keys.pending  # Enter waits for them
        let_go.set()
        await typed(pilot)
        assert f"Merging in Ada L. (card {deal})" in screen_text(pilot.app)
