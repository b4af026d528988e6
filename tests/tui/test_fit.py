"""The board fits the terminal: whole numbers in narrow headers, whole labels in the footer, and a
focused card that reads clearly in every theme."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from leadboard.domain.stages import PIPELINE, Stage
from leadboard.service import Pipeline
from leadboard.tui.actions import ACTIONS
from leadboard.tui.column import CardColumn, ColumnHeader
from leadboard.tui.contrast import contrast
from leadboard.tui.scenes import settled
from leadboard.tui.text import compact_money
from tests.tui.helpers import APP_SIZE, QUALIFIED, board_of, contact, make_app

#: ansi themes take the terminal's own palette: their real colours are not known to us
ANSI_THEMES = {"ansi-dark", "ansi-light", "textual-ansi"}


def opportunity(pipeline: Pipeline, name: str, value: str) -> int:
    card_id = contact(pipeline, name, **QUALIFIED)
    pipeline.promote(card_id)
    pipeline.log_activity(card_id, "call", "Walked through their order process")
    pipeline.promote(card_id, {"requirements": "SSO", "supplier": "none", "value": value,
                               "close_by": QUALIFIED["purchase_by"], "terms": "Annual", "decision_maker": "Dora"})
    return card_id


def header_lines(app, stage: Stage) -> list[str]:
    header = app.screen.query_one(f"#header-{stage.value}", ColumnHeader)
    return header.render().plain.split("\n")


async def test_headers_at_80x24_show_whole_seven_digit_totals_in_17_cells(pipeline: Pipeline):
    for name in ("Big One", "Big Two"):
        opportunity(pipeline, name, "4500000")
    account = opportunity(pipeline, "Signed Deal", "1250000")
    pipeline.promote(account, {"contract_signed_on": date.today().isoformat(), "payment_terms": "Net 30"})
    contact(pipeline, "Budgeted Lead", **QUALIFIED | {"budget": "2750000"})
    async with make_app(pipeline).run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        board = board_of(pilot.app)
        widths = {stage: pilot.app.screen.query_one(f"#header-{stage.value}", ColumnHeader).content_region.width
                  for stage in PIPELINE}
        assert min(widths.values()) == 17
        opps = header_lines(pilot.app, Stage.OPPORTUNITY)
        stat = board.stats[Stage.OPPORTUNITY]
        assert opps[0] == "Opportunities  2"
        assert opps[1] == f"Σ {compact_money(stat.amount)} · wtd {compact_money(stat.weighted)}"  # Σ 9.0M · wtd 4.5M
        assert header_lines(pilot.app, Stage.ACCOUNT) == ["Accounts  1", "Σ 1.2M"]
        assert header_lines(pilot.app, Stage.CONTACT) == ["Contacts  1", "Σ 2.8M"]

        # thousands of cards and totals past a billion still fit whole, with the name abbreviated
        header = pilot.app.screen.query_one("#header-opportunity", ColumnHeader)
        header.show(Stage.OPPORTUNITY, 2366, Decimal("1234567890"), Decimal("617283945"))
        assert header.render().plain.split("\n") == ["Opps  2,366", "Σ 1.2B · wtd 617M"]
        header.show(Stage.OPPORTUNITY, 1234567, Decimal("123456789012"), Decimal("61728394506"), True)
        lines = header.render().plain.split("\n")
        assert lines == ["Opps  1,234,567+", "Σ123B w61.7B"]
        assert all(len(line) <= 17 for line in lines)


async def test_contacts_without_budgets_show_no_empty_total(pipeline: Pipeline):
    contact(pipeline, "Ada Lovelace")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await settled(pilot)
        assert header_lines(pilot.app, Stage.CONTACT) == ["Contacts  1", ""]
        assert header_lines(pilot.app, Stage.LEAD) == ["Leads  0", "Σ 0"]


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (120, 35)])
async def test_the_footer_shows_whole_labels_and_who_works_on_which_database(pipeline: Pipeline, size):
    contact(pipeline, "Ada Lovelace", budget="12000")
    async with make_app(pipeline).run_test(size=size) as pilot:
        text = await settled(pilot)
        footer = text.splitlines()[-1]
        assert footer.rstrip().endswith("alice · board.db")
        keys = footer.rstrip().removesuffix("alice · board.db").split("  ")
        labels = {action.label for action in ACTIONS} | {"palette"}
        shown = [item.strip() for item in keys if item.strip()]
        assert len(shown) >= 4
        for item in shown:
            assert item.split(" ", 1)[1] in labels, f"{item!r} is not a whole key label"
        # the board itself works: every header says its name (or its short name) and count
        for stage in PIPELINE:
            title = header_lines(pilot.app, stage)[0]
            assert title.split()[-1].isdigit()


async def test_the_footer_follows_the_focus_and_is_the_boards_again_after_a_dialog(pipeline: Pipeline):
    contact(pipeline, "Ada Lovelace")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        board_keys = (await settled(pilot)).splitlines()[-1]
        assert "n New" in board_keys and "e Edit" in board_keys
        await pilot.press("slash")  # the search box has the focus: only its own keys
        search_keys = (await settled(pilot)).splitlines()[-1]
        assert "/ Search" in search_keys and "n New" not in search_keys
        await pilot.press("escape")
        assert (await settled(pilot)).splitlines()[-1] == board_keys
        await pilot.press("a", "escape")  # a dialog opened over the board and closed
        assert (await settled(pilot)).splitlines()[-1] == board_keys


async def test_the_focused_card_reads_at_4_5_to_1_in_every_theme_with_fixed_colours(pipeline: Pipeline):
    contact(pipeline, "Ada Lovelace")
    async with make_app(pipeline).run_test(size=APP_SIZE) as pilot:
        await settled(pilot)
        column = board_of(pilot.app).focused_column
        assert isinstance(column, CardColumn)
        themes = sorted(set(pilot.app.available_themes) - ANSI_THEMES)
        assert len(themes) >= 10
        ratios = {}
        for theme in themes:
            pilot.app.theme = theme
            await pilot.pause()
            style = column.cursor_style(focused=True)
            assert style.color is not None and style.bgcolor is not None, theme
            ratios[theme] = contrast(style.color, style.bgcolor)
        assert {theme: ratio for theme, ratio in ratios.items() if ratio < 4.5} == {}


@pytest.mark.parametrize("size", [(80, 24), (120, 35)])
async def test_a_notification_never_covers_a_dialogs_title_or_keys(pipeline: Pipeline, size):
    from textual.widgets._toast import Toast

    contact(pipeline, "Ada Lovelace")
    async with make_app(pipeline).run_test(size=size, notifications=True) as pilot:
        await pilot.press("e")
        await settled(pilot)
        pilot.app.notify("Bob changed Ada Lovelace a moment ago: your values are kept", timeout=30)
        text = await settled(pilot)
        assert pilot.app.screen.query(Toast)
        assert "Bob changed Ada Lovelace" in text
        # the title on the dialog's top border and its keys on the bottom one are whole
        assert " Edit Ada Lovelace " in text
        assert " Tab next · Enter save · Esc cancel " in text


@pytest.mark.parametrize("size", [(60, 20), (120, 35)])
async def test_a_dialogs_title_and_keys_are_whole_in_its_borders(pipeline: Pipeline, size):
    contact(pipeline, "Grace Hopper")
    async with make_app(pipeline).run_test(size=size) as pilot:
        await settled(pilot)
        await pilot.press("p")  # blocked: the form asks for need, budget, timeline
        lines = (await settled(pilot)).splitlines()
        [top] = [line for line in lines if "Promote Grace Hopper" in line]
        [bottom] = [line for line in lines if "Tab next" in line]
        assert lines.index(top) < lines.index(bottom)
        assert "▀ Promote Grace Hopper ▀" in top  # on the top border, whole
        assert "▄ Tab next · Enter save and promote · Esc cancel ▄" in bottom  # on the bottom border, whole
