"""The team's declared fields on the board: the edit form, the blocked-promote form, the detail view."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from leadboard.domain.rules import default_rules_text, load_rules
from leadboard.domain.stages import Stage
from leadboard.service import Pipeline
from leadboard.tui.scenes import settled
from leadboard.tui.screens.detail import CardDetail
from leadboard.tui.screens.form import CardForm
from leadboard.tui.screens.parts import Choice
from tests.tui.helpers import APP_SIZE, QUALIFIED, contact, make_app

TEAM = default_rules_text() + """
[fields.industry]
label = "Industry"
type = "choice"
choices = ["Retail", "Banking"]

[fields.arr]
label = "Yearly revenue"
type = "money"

[fields."Deal - Region"]
label = "Region"

[[gates.qualify]]
id = "arr"
severity = "block"
message = "Record their yearly revenue."
checks = [{ kind = "positive", field = "arr" }]
"""


@pytest.fixture
def team(pipeline: Pipeline, tmp_path: Path) -> Pipeline:
    path = tmp_path / "team.toml"
    path.write_text(TEAM, "utf-8")
    return Pipeline(load_rules(path), "alice")


async def test_the_edit_form_has_the_declared_fields_with_their_labels_and_saves_them(team: Pipeline):
    card_id = team.create({"name": "Ada", "industry": "Retail", "Deal - Region": "North"}).id
    async with make_app(team).run_test(size=APP_SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, CardForm)
        industry = form.query_one("#field-industry", Choice)
        assert industry.value == "Retail"
        form.query_one("#field-arr", Input).focus()  # the declared fields come after the card's own
        text = await settled(pilot)
        assert "Industry" in text and "Yearly revenue" in text and "Region" in text and "North" in text
        await pilot.press(*"lots", "enter")  # not an amount: said beside the field, nothing saved
        text = await settled(pilot)
        assert isinstance(pilot.app.screen, CardForm)
        assert "Yearly revenue: is not an amount" in text
        assert team.card(card_id).version == 1
        await pilot.press("ctrl+u", *"$1,200", "enter")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, CardForm)
    assert team.card(card_id).extra == {"industry": "Retail", "Deal - Region": "North", "arr": "1200"}


async def test_the_new_card_form_has_the_declared_fields(team: Pipeline):
    async with make_app(team).run_test(size=APP_SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, CardForm)
        await pilot.press(*"Ada")
        form.query_one("#field-arr", Input).focus()
        await pilot.press(*"1.234,50")
        form.query_one("#field-n10", Input).focus()  # "Deal - Region": a name that is no widget id
        await pilot.press(*"North", "ctrl+s")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, CardForm)
    (card,) = team.find()
    assert (card.name, team.card(card.id).extra) == ("Ada", {"arr": "1234.5", "Deal - Region": "North"})


async def test_a_gate_on_a_declared_field_asks_for_it_in_the_blocked_promote_form(team: Pipeline):
    card_id = contact(team, "Grace Hopper", **QUALIFIED)
    async with make_app(team).run_test(size=APP_SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, CardForm)
        text = await settled(pilot)
        assert "arr: Record their yearly revenue." in text and "Yearly revenue *" in text
        form.query_one("#field-arr", Input).focus()
        await pilot.press(*"20k", "ctrl+s")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, CardForm)
    card = team.card(card_id)
    assert (card.stage, card.extra) == (Stage.LEAD, {"arr": "20000"})


async def test_the_detail_view_shows_declared_fields_by_their_labels_apart_from_imported_extras(team: Pipeline):
    card = team.create({"name": "Ada", "industry": "Banking"})
    team.edit(card.id, {"arr": "5000"})
    async with make_app(team).run_test(size=APP_SIZE) as pilot:
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CardDetail)
        text = await settled(pilot)
        assert "Industry" in text and "Banking" in text
        assert "Yearly revenue" in text and "5000" in text
        assert "From the import" not in text


async def test_the_edit_form_refuses_an_amount_in_another_currency_than_the_teams(pipeline: Pipeline, tmp_path: Path):
    path = tmp_path / "usd.toml"
    path.write_text('currency = "USD"\n' + TEAM, "utf-8")
    team = Pipeline(load_rules(path), "alice")
    card_id = team.create({"name": "Ada"}).id
    async with make_app(team).run_test(size=APP_SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, CardForm)
        value = form.query_one("#field-value", Input)
        value.focus()
        value.insert_text_at_cursor("€5")  # as a terminal pastes it: "€" is no key of its own
        await pilot.press("enter")  # said beside the field, nothing saved
        text = await settled(pilot)
        assert isinstance(pilot.app.screen, CardForm)
        # the sentence beside the field, in view (the form scrolls to it once the lines are laid out)
        assert "Please fix the marked fields; nothing was saved." in text
        assert "Deal value: €5 is in EUR, not the team's USD" in text, text
        assert value.has_class("-invalid") and form.focused is value
        assert team.card(card_id).version == 1
        await pilot.press("ctrl+u", *"$5", "enter")  # the team's own dollar
        await pilot.pause()
        assert not isinstance(pilot.app.screen, CardForm)
    assert team.card(card_id).value == 5


async def test_a_declared_fields_label_is_shown_as_written_never_read_as_markup(pipeline: Pipeline, tmp_path: Path):
    path = tmp_path / "team.toml"
    path.write_text(default_rules_text() + '\n[fields.tier]\nlabel = "[b]Tier[/b] (A/B)"\n', "utf-8")
    team = Pipeline(load_rules(path), "alice")
    team.create({"name": "Ada"})
    async with make_app(team).run_test(size=APP_SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, CardForm)
        form.query_one("#field-tier", Input).focus()  # scrolled into view: the last field
        text = await settled(pilot)
        assert "[b]Tier[/b] (A/B)" in text
