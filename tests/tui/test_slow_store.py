"""The board never waits for the database: drawing reads no page. With a store made slow on purpose
(a page read off the event loop is held until the test lets it go), the cursor moves at once over
placeholder lines, typing still echoes, and a key that acts on the focused card waits for that
card's page and then acts on it, in the order typed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from leadboard.domain.stages import Stage
from leadboard.service import Pipeline
from leadboard.tui.column import PAGE_SIZE, PLACEHOLDER
from leadboard.tui.screens.form import CardForm
from tests.tui.helpers import APP_SIZE, board_of, burst, make_app, screen_text, typed, wait_until

CARDS = 2 * PAGE_SIZE + 50


@pytest.fixture
def held(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Page reads off the event loop wait until the returned event is set (the board's own reads
    on the event loop, with the counts, are not held)."""
    let_go = threading.Event()

    def held_back(read: Any) -> Any:
        def slow(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is not threading.main_thread():
                let_go.wait(30)
            return read(*args, **kwargs)
        return slow

    for number in range(CARDS):
        pipeline.create({"name": f"Card {number:03}", "email": f"card{number}@example.com"})
    for name in ("column_page", "overview"):  # pages as they scroll into view; a filter's first pages
        monkeypatch.setattr(pipeline, name, held_back(getattr(pipeline, name)))
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
