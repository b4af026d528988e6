"""Declared fields in imports and exports: a column matched by the field's name or label gives
its value, read by its type; a value the type cannot hold is kept as text and counted; a gate on a
declared field places imported cards; exports write the field under its name, and read it back."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest

from leadboard.domain.declared import DeclaredView
from leadboard.domain.rules import default_rules_text, parse_rules
from leadboard.domain.stages import Stage
from leadboard.service.pipeline import Pipeline
from leadboard.service.transfer.exporter import export_cards
from leadboard.store.models import Card as CardRow
from tests.service.import_helpers import run_import, write_csv

TEAM = default_rules_text() + """
[fields.industry]
label = "Industry"
type = "choice"
choices = ["Retail", "Banking"]

[fields.arr]
label = "Yearly revenue"
type = "money"

[fields.revenue_band]
label = "Revenue"

[[gates.qualify]]
id = "industry"
severity = "block"
message = "Say which industry they are in."
checks = [{ kind = "set", field = "industry" }]
"""


@pytest.fixture
def team(pipeline: Pipeline) -> Pipeline:
    return Pipeline(parse_rules(TEAM, "team.toml"), "alice")


def cards_by_name(team):
    return {row.name: team.card(row.id) for row in CardRow.select()}


def test_a_column_named_like_a_declared_field_or_its_label_gives_it_read_by_its_type(team, tmp_path):
    path = write_csv(tmp_path / "crm.csv", ["Name", "INDUSTRY", "Yearly Revenue", "Revenue", "Lead Source"], [
        ["Ann", "retail", "$1,200.50", "10-50M", "Fair"],
        ["Bob", "Farming", "lots", "", ""],
    ])
    summary = run_import(team, path)
    cards = cards_by_name(team)
    # "Revenue" is the revenue_band field's label, before the alias that would make it the deal value
    assert cards["Ann"].extra == {"industry": "Retail", "arr": "1200.5", "revenue_band": "10-50M",
                                  "Lead Source": "Fair"}
    assert cards["Ann"].value is None
    assert cards["Bob"].extra == {"INDUSTRY": "Farming", "Yearly Revenue": "lots"}
    assert summary.kept_as_text == {"INDUSTRY": 1, "Yearly Revenue": 1}
    assert "INDUSTRY: 1 value could not be read into its field and is kept as text (an extra field of the card)." \
        in summary.lines()
    assert summary.imported == 2


def test_the_dry_run_says_which_columns_give_declared_fields(team, tmp_path):
    path = write_csv(tmp_path / "crm.csv", ["Name", "Industry", "Lead Source"], [["Ann", "Retail", "Fair"]])
    text = "\n".join(run_import(team, path, dry_run=True).lines())
    assert "Industry -> industry (declared field)" in text and "Lead Source -> extra" in text
    assert CardRow.select().count() == 0


def test_a_gate_on_a_declared_field_is_checked_on_imported_cards(team, tmp_path):
    buy_by = (date.today() + timedelta(days=30)).isoformat()
    header = ["Name", "Email", "Need", "Budget", "Purchase By", "Authority", "Stage", "Industry"]
    path = write_csv(tmp_path / "crm.csv", header, [
        ["Ann", "ann@example.com", "CRM", "5000", buy_by, "yes", "lead", "Retail"],
        ["Bob", "bob@example.com", "CRM", "5000", buy_by, "yes", "lead", ""],
    ])
    run_import(team, path)  # placed where the file says, a failed rule recorded as an accepted warning
    cards = cards_by_name(team)
    assert (cards["Ann"].stage, cards["Ann"].warnings) == (Stage.LEAD, [])
    assert (cards["Bob"].stage, cards["Bob"].warnings) == (Stage.LEAD, ["industry"])
    CardRow.delete().execute()
    run_import(team, path, enforce_gates=True)  # the gate holds Bob back
    cards = cards_by_name(team)
    assert (cards["Ann"].stage, cards["Bob"].stage) == (Stage.LEAD, Stage.CONTACT)


@pytest.mark.parametrize("format", ["csv", "json"])
def test_export_writes_a_declared_field_under_its_name_and_import_reads_it_back(team, tmp_path, format):
    team.create({"name": "Ann", "industry": "Banking", "arr": "20k"})
    out = io.StringIO()
    export_cards(out, format)
    if format == "csv":
        row = next(csv.DictReader(io.StringIO(out.getvalue())))
        assert (row["industry"], row["arr"]) == ("Banking", "20000")
    again = tmp_path / f"again.{format}"
    again.write_text(out.getvalue(), "utf-8")
    CardRow.delete().execute()
    run_import(team, again)
    assert cards_by_name(team)["Ann"].extra == {"industry": "Banking", "arr": "20000"}


def test_a_json_export_s_extra_values_are_read_again_by_their_declared_field_s_type(team, tmp_path):
    # an export edited by hand (or made under other rules) carries values its declared fields refuse
    path = tmp_path / "cards.json"
    path.write_text(json.dumps([
        {"name": "Ann", "extra": {"industry": "banking", "arr": "$1,200.50", "Lead Source": "Fair"}},
        {"name": "Bob", "extra": {"industry": "not-a-choice", "arr": "lots"}},
    ]), "utf-8")
    dry = run_import(team, path, dry_run=True)
    summary = run_import(team, path)
    cards = cards_by_name(team)
    assert cards["Ann"].extra == {"industry": "Banking", "arr": "1200.5", "Lead Source": "Fair"}
    # kept as written, and not taken as the field's value: the field reads as unset
    assert cards["Bob"].extra == {"industry": "not-a-choice", "arr": "lots"}
    bob = DeclaredView(cards["Bob"], team.rules.fields)
    assert (bob.industry, bob.arr) == (None, None)
    assert summary.kept_as_text == dry.kept_as_text == {"industry": 1, "arr": 1}
    assert "industry: 1 value could not be read into its field and is kept as text (an extra field of the card)." \
        in summary.lines()
    assert summary.imported == 2
