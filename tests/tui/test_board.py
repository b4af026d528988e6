"""What the board shows and how the keys move around it."""

from __future__ import annotations

from textual.app import App
from textual.command import CommandPalette
from textual.geometry import Region
from textual.widgets import Input

from leadboard.domain.stages import PIPELINE, Stage
from leadboard.service import Pipeline
from leadboard.service.demo import fill
from leadboard.tui.column import CARD_HEIGHT, CardColumn
from leadboard.tui.keybar import KeyBar
from leadboard.tui.scenes import settled
from leadboard.tui.screens.confirm import ConfirmModal
from leadboard.tui.screens.form import CardForm
from leadboard.tui.screens.help import HelpScreen
from tests.tui.helpers import APP_SIZE, QUALIFIED, board_of, contact, make_app, screen_text, wait_until


async def test_the_board_shows_four_columns_with_counts_and_values(pipeline: Pipeline):
    contact(pipeline, "Ada Lovelace", company="Analytical Engines Ltd", budget="1200")
    lead = contact(pipeline, "Grace Hopper", **QUALIFIED)
    pipeline.promote(lead)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        text = screen_text(pilot.app)
        for title in ("Contacts  1", "Leads  1", "Opportunities  0", "Accounts  0"):
            assert title in text
        assert "Σ 1.2k" in text and "Σ 25.0k" in text
        assert "weighted 0" in text  # opportunities show their weighted value
        assert "Ada Lovelace" in text and "Analytical Engines Ltd" in text and "1,200 · alice" in text
        assert len(pilot.app.query(CardColumn)) == 4


async def test_weighted_value_of_opportunities_uses_the_stage_probability(pipeline: Pipeline):
    card_id = contact(pipeline, "Ada", **QUALIFIED)
    pipeline.promote(card_id)
    pipeline.log_activity(card_id, "call", "hi")
    pipeline.promote(card_id, {"requirements": "x", "supplier": "none", "value": "10000",
                               "close_by": QUALIFIED["purchase_by"], "terms": "t", "decision_maker": "d"})
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        assert "Σ 10.0k · weighted 5.0k" in screen_text(pilot.app)


async def test_a_card_with_an_accepted_warning_or_gone_stale_is_marked(pipeline: Pipeline):
    fields = dict(QUALIFIED)
    del fields["authority"]
    card_id = contact(pipeline, "Alan Turing", **fields)
    pipeline.promote(card_id)  # goes through with the authority warning
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        lead_column = board_of(pilot.app).column(Stage.LEAD)
        meta_line = lead_column.render_line(2).text
        assert "25,000 · alice" in meta_line and "⚠" in meta_line
        assert "◷" not in meta_line
    pipeline._clock = lambda: pipeline.card(card_id).updated_at.replace(year=2100)  # far in the future
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        assert "◷" in board_of(pilot.app).column(Stage.LEAD).render_line(2).text


async def test_arrows_and_vim_keys_move_between_cards_and_columns(pipeline: Pipeline):
    for name in ("Card C", "Card B", "Card A"):
        contact(pipeline, name)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        assert board.current_card().name == "Card A"
        await pilot.press("down")
        assert board.current_card().name == "Card B"
        await pilot.press("j")
        assert board.current_card().name == "Card C"
        await pilot.press("k", "up")
        assert board.current_card().name == "Card A"
        await pilot.press("right")
        assert board.focused_column.stage is Stage.LEAD
        await pilot.press("l", "l")
        assert board.focused_column.stage is Stage.ACCOUNT
        await pilot.press("h", "left", "left")
        assert board.focused_column.stage is Stage.CONTACT
        assert board.current_card().name == "Card A"  # each column keeps its cursor


async def test_top_bottom_and_page_keys_jump_through_a_long_column(pipeline: Pipeline):
    fill(pipeline, 400)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        column = board.column(Stage.CONTACT)
        count = board.stats[Stage.CONTACT].cards
        await pilot.press("G")
        assert column.cursor == count - 1
        assert column.scroll_offset.y >= (count - 1) * CARD_HEIGHT - column.size.height
        assert column.current.name in screen_text(pilot.app)
        await pilot.press("g")
        assert column.cursor == 0 and column.scroll_offset.y == 0
        await pilot.press("end")
        assert column.cursor == count - 1
        await pilot.press("home", "pagedown")
        assert column.cursor == column.cards_per_page
        await pilot.press("pagedown", "pageup")
        assert column.cursor == column.cards_per_page


async def test_question_mark_lists_every_key(pipeline: Pipeline):
    async with make_app(pipeline).run_test(size=(120, 60)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        text = screen_text(pilot.app)
        for words in ("promote: next stage", "demote: back one stage", "new card", "edit the focused card",
                      "open the card", "log what happened", "lose the card", "lost cards", "undo your last change here",
                      "search name, company, email", "only my cards", "quit", "a screenful down",
                      "first card of the column", "last card of the column", "column to the left",
                      "command palette"):
            assert words in text, words
        await pilot.press("escape")
        assert pilot.app.screen is board_of(pilot.app)


async def test_the_footer_shows_the_keys(pipeline: Pipeline):
    contact(pipeline, "Ada")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        footer = (await settled(pilot)).splitlines()[-1]
        for key in ("Keys", "New", "Edit", "Promote", "Demote", "Lose", "Undo", "Search", "Mine", "Quit"):
            assert key in footer


def footer_greys_out(app: App[object], label: str) -> bool:
    """Whether the footer, as it is drawn now, shows ``label`` greyed out: in another colour than
    "Keys" (always there; Textual draws a dimmed label in a dimmer colour)."""
    keybar = app.screen.query_one(KeyBar)
    [line] = keybar.render_lines(Region(0, 0, keybar.size.width, 1))
    colours = {segment.text.strip(): segment.style.color for segment in line if segment.style}
    return colours[label] != colours["Keys"]


async def test_the_footer_shows_the_card_keys_again_once_the_first_card_is_added_in_the_form(pipeline: Pipeline):
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await settled(pilot)
        assert footer_greys_out(pilot.app, "Edit")  # no card to edit yet
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, CardForm))
        await pilot.press(*"Ada", "ctrl+s")
        await wait_until(pilot, lambda: board_of(pilot.app).current_card() is not None)
        await settled(pilot)
        assert pilot.app.screen is board_of(pilot.app)
        assert not footer_greys_out(pilot.app, "Edit")


async def test_the_command_palette_offers_board_actions_by_name(pipeline: Pipeline):
    card_id = contact(pipeline, "Ada", **QUALIFIED)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CommandPalette)
        await pilot.press(*"promote card")
        await pilot.pause(0.3)
        assert "Promote card" in screen_text(pilot.app)
        await pilot.press("enter")
        await pilot.pause()
    assert pipeline.card(card_id).stage is Stage.LEAD


async def test_q_quits(pipeline: Pipeline):
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert not pilot.app.is_running


async def test_the_board_fits_80_by_24(pipeline: Pipeline):
    contact(pipeline, "Barbara Liskov-Someone-With-A-Long-Name",
            company="Very Long Company Name GmbH & Co. KG")
    async with make_app(pipeline).run_test(size=(80, 24)) as pilot:
        lines = (await settled(pilot)).splitlines()
        assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
        assert "Contacts  1" in lines[0] and "Leads  0" in lines[0] and "Accounts  0" in lines[0]
        assert "Barbara Liskov" in lines[2] and "…" in lines[2]
        assert "Keys" in lines[-1]
        await pilot.press("p")
        await pilot.pause()
        assert "Need *" in screen_text(pilot.app)


async def test_the_edit_form_opens_on_its_first_field_drawn_as_the_one_typed_into(pipeline: Pipeline):
    card_id = contact(pipeline, "Grace Hopper", email="grace@example.com")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, CardForm))
        first, second = list(pilot.app.screen.query(".field").results(Input))[:2]
        assert first.id == "field-name" and pilot.app.focused is first
        # the field typed into stands out (bold, `.dialog Input:focus`), the others do not
        assert first.styles.text_style.bold and not second.styles.text_style.bold
        await pilot.press("tab")
        await pilot.pause()
        assert pilot.app.focused is second
        assert second.styles.text_style.bold and not first.styles.text_style.bold
        await pilot.press("shift+tab", "end", "x", "enter")
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, CardForm))
    assert pipeline.card(card_id).name == "Grace Hopperx"


async def test_markup_and_escapes_in_user_text_are_shown_literally(pipeline: Pipeline):
    card_id = contact(pipeline, "[red]Mallory[/]", company="[link=http://evil.example]Click[/link]",
                      notes="[bold]x[/bold]", email="mallory@example.com")
    async with make_app(pipeline).run_test(size=(200, 50)) as pilot:
        text = screen_text(pilot.app)
        assert "[red]Mallory[/]" in text
        assert "[link=http://evil.example]Click[/link]" in text
        await pilot.press("enter")
        await pilot.pause()
        detail = screen_text(pilot.app)
        assert "[red]Mallory[/]" in detail and "[bold]x[/bold]" in detail
        await pilot.press("escape", "e")
        await pilot.pause()
        assert pilot.app.screen.query_one("#field-name", Input).value == "[red]Mallory[/]"
    assert pipeline.card(card_id).name == "[red]Mallory[/]"


async def test_terminal_escapes_stored_in_a_card_are_never_sent_to_the_terminal(pipeline: Pipeline):
    from leadboard.store.models import Card as CardRow

    card_id = contact(pipeline, "Eve")
    CardRow.update(name="Eve\x1b[2J\x1b]0;pwned\x07").where(CardRow.id == card_id).execute()
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        line = board_of(pilot.app).column(Stage.CONTACT).render_line(0).text
        assert "\x1b" not in line and "\x07" not in line
        assert "Eve\\x1b[2J\\x1b]0;pwned\\x07" in line


async def test_an_empty_database_offers_demo_cards(pipeline: Pipeline):
    async with make_app(pipeline, offer_demo=True).run_test(size=APP_SIZE) as pilot:
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmModal)
        assert "The database is empty" in screen_text(pilot.app)
        await pilot.press("y")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        board = board_of(pilot.app)
        assert sum(board.stats[stage].cards for stage in Stage) == 200
        assert all(board.stats[stage].cards > 0 for stage in PIPELINE)
        assert "Contacts  0" not in screen_text(pilot.app)


async def test_declining_demo_cards_leaves_the_board_empty(pipeline: Pipeline):
    async with make_app(pipeline, offer_demo=True).run_test(size=APP_SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert "No cards" in screen_text(pilot.app)
    assert pipeline.stats()[Stage.CONTACT].cards == 0


async def test_a_cards_detail_shows_the_extra_fields_an_import_kept(pipeline: Pipeline, tmp_path):
    from tests.service.import_helpers import run_import, write_csv

    path = write_csv(tmp_path / "hubspot.csv", ["Record ID", "First Name", "Last Name", "Email", "Create Date",
                                                "Lead Source", "Industry"],
                     [["51", "Ada", "Lovelace", "ada@example.com", "2021-04-16", "Trade fair", "Engines"]])
    run_import(pipeline, path)
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await settled(pilot)
        await pilot.press("enter")
        await settled(pilot)
        detail = screen_text(pilot.app)
        assert "Lead Source" in detail and "Trade fair" in detail and "Industry" in detail
        assert "Source id" in detail and "51" in detail


async def test_a_column_shows_its_scroll_bar_once_its_cards_pass_the_screen_and_drops_it_after(pipeline: Pipeline):
    contact(pipeline, "Ada Lovelace")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await settled(pilot)
        board = board_of(pilot.app)
        contacts = board.column(Stage.CONTACT)
        assert not contacts.show_vertical_scrollbar
        for number in range(20):
            contact(pipeline, f"Person {number}")
        board.reload()
        await wait_until(pilot, lambda: contacts.count == 21)
        await settled(pilot)
        assert contacts.show_vertical_scrollbar
        assert contacts.vertical_scrollbar.window_virtual_size == 21 * CARD_HEIGHT
        await pilot.press("a", "escape")  # a dialog over the board and gone: the bar is as it was
        await settled(pilot)
        assert contacts.show_vertical_scrollbar
        await pilot.press("slash", *"ada")
        await wait_until(pilot, lambda: contacts.count == 1)
        await settled(pilot)
        assert not contacts.show_vertical_scrollbar
        assert "Ada Lovelace" in screen_text(pilot.app)


async def test_the_board_is_drawn_as_before_once_a_dialog_closes_even_after_a_theme_change(pipeline: Pipeline):
    contact(pipeline, "Ada Lovelace", company="Analytical Engines Ltd", budget="1200")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        app = pilot.app
        board = board_of(app)
        looks = {}
        for theme in ("textual-dark", "nord"):
            app.theme = theme
            await settled(pilot)
            looks[theme] = app.export_screenshot()
        assert looks["textual-dark"] != looks["nord"]

        await pilot.press("e")
        await wait_until(pilot, lambda: app.screen is not board)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is board)
        await settled(pilot)
        assert app.export_screenshot() == looks["nord"]

        # the theme changed while the dialog covered the board: the board is redrawn in it
        await pilot.press("e")
        await wait_until(pilot, lambda: app.screen is not board)
        app.theme = "textual-dark"
        await pilot.pause()
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is board)
        await settled(pilot)
        assert app.export_screenshot() == looks["textual-dark"]


async def test_a_terminal_resized_under_a_form_lays_the_board_out_at_its_new_size(pipeline: Pipeline):
    contact(pipeline, "Ada Lovelace")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board = board_of(pilot.app)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CardForm)
        await pilot.resize_terminal(90, 28)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is board
        assert board.size == (90, 28) and board.query_one(KeyBar).region.width == 90
        assert board.column(Stage.ACCOUNT).region.right <= 90
        assert "Ada Lovelace" in screen_text(pilot.app) and "Accounts  0" in screen_text(pilot.app)
