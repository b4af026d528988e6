"""The team's currency: an imported amount in another one is kept as text, reported, never summed."""

from __future__ import annotations

import pytest

from leadboard.domain.rules import default_rules_text, parse_rules
from leadboard.domain.stages import Stage
from leadboard.service.pipeline import Pipeline
from leadboard.store.models import Card as CardRow
from tests.service.import_helpers import run_import, write_csv

HEADER = ["Name", "Amount", "Currency", "Yearly revenue"]
ROWS = [
    ["Ann", "$1,200.00", "USD", "€5"],
    ["Bob", "€1.200", "", ""],
    ["Cy", "500", "EUR", "lots"],
    ["Di", "2500", "", ""],
]


def team(pipeline: Pipeline, currency: str | None) -> Pipeline:
    first = f'currency = "{currency}"\n' if currency else ""
    declared = '\n[fields.arr]\nlabel = "Yearly revenue"\ntype = "money"\n'
    return Pipeline(parse_rules(first + default_rules_text() + declared, "team.toml"), "alice")


def cards_by_name(pipeline):
    return {row.name: pipeline.card(row.id) for row in CardRow.select()}


def test_an_amount_in_another_currency_is_kept_as_text_reported_and_never_summed(pipeline, tmp_path):
    usd = team(pipeline, "USD")
    summary = run_import(usd, write_csv(tmp_path / "deals.csv", HEADER, ROWS))
    cards = cards_by_name(usd)
    assert {name: card.value for name, card in cards.items()} == {"Ann": 1200, "Bob": None, "Cy": None, "Di": 2500}
    assert cards["Bob"].extra == {"Amount": "€1.200"}
    assert cards["Cy"].extra == {"Amount": "500", "Currency": "EUR", "Yearly revenue": "lots"}
    assert cards["Ann"].extra == {"Currency": "USD", "Yearly revenue": "€5"}
    assert usd.stats()[Stage.CONTACT].amount == 3700
    lines = summary.lines()
    assert ("Amount: 2 kept as text: amount in EUR, not the team's USD (an extra field of the card, never summed)."
            in lines)
    assert ("Yearly revenue: 1 kept as text: amount in EUR, not the team's USD (an extra field of the card, "
            "never summed).") in lines
    assert ("Yearly revenue: 1 value could not be read into its field and is kept as text (an extra field of the "
            "card).") in lines
    assert summary.imported == 4


@pytest.mark.parametrize("currency", [None, "EUR"])
def test_without_a_team_currency_or_in_it_amounts_are_read_as_before(pipeline, tmp_path, currency):
    rows = [["Bob", "€1.200", "", ""], ["Cy", "500", "EUR", ""]]
    summary = run_import(team(pipeline, currency), write_csv(tmp_path / "deals.csv", HEADER, rows))
    cards = cards_by_name(pipeline)
    assert (cards["Bob"].value, cards["Cy"].value) == (1200, 500)
    assert summary.kept_as_text == {}
