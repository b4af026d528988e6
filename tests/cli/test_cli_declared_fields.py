"""A team's own fields on the command line: --set on add, edit and promote, show, list --json,
a gate on one, and the rules file that declares them."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from leadboard.domain.rules import default_rules_text

EXIT_OK, EXIT_BAD_INPUT, EXIT_BLOCKED = 0, 2, 3

TEAM = default_rules_text() + """
[fields.industry]
label = "Industry"
type = "choice"
choices = ["Retail", "Banking"]

[fields.arr]
label = "Yearly revenue"
type = "money"

[fields.renewal]
label = "Renewal date"
type = "date"

[[gates.qualify]]
id = "industry"
severity = "block"
message = "Say which industry they are in."
checks = [{ kind = "one_of", field = "industry", values = ["Retail"] }]
"""


@pytest.fixture
def team(tmp_path):
    path = tmp_path / "team.toml"
    path.write_text(TEAM, "utf-8")
    return path


def test_declared_fields_are_set_shown_and_listed_by_their_labels_and_names(leadboard, team):
    added = leadboard("--rules", team, "add", "Ann", "--set", "industry=retail", "--set", "arr=$1,200.50",
                      "--set", "renewal=16 Apr, 2027")
    assert added.code == EXIT_OK, added
    card = added.out.strip()
    shown = leadboard("--rules", team, "show", card)
    assert "  Industry                                 Retail\n" in shown.out
    assert "  Yearly revenue                           1200.5\n" in shown.out
    assert "  Renewal date                             2027-04-16\n" in shown.out
    assert "kept from an imported file" not in shown.out
    listed = json.loads(leadboard("--rules", team, "list", "--json").out)
    assert listed[0]["extra"] == {"industry": "Retail", "arr": "1200.5", "renewal": "2027-04-16"}
    assert "industry" not in listed[0]
    # without the team's rules file the same values are extras kept on the card
    plain = leadboard("show", card)
    assert "  industry *" in plain.out and "kept from an imported file" in plain.out


def test_a_bad_declared_value_is_one_sentence_exit_2_and_nothing_written(leadboard, team):
    card = leadboard("--rules", team, "add", "Ann", "--set", "industry=Retail").out.strip()
    refused = leadboard("--rules", team, "edit", card, "--set", "arr=lots", "--set", "need=A CRM")
    assert refused.code == EXIT_BAD_INPUT
    assert refused.err == "leadboard: arr: is not an amount (use digits, e.g. 12500 or 12500.50)\n"
    unknown = leadboard("--rules", team, "add", "Bob", "--set", "sector=Retail")
    assert unknown.code == EXIT_BAD_INPUT and "Unknown field 'sector'" in unknown.err and "industry" in unknown.err
    after = json.loads(leadboard("show", card, "--json").out)
    assert (after["version"], after["need"], after["extra"]) == (1, None, {"industry": "Retail"})
    assert [c["name"] for c in json.loads(leadboard("list", "--json").out)] == ["Ann"]


def test_a_gate_on_a_declared_field_blocks_naming_it_and_promote_set_fills_it(leadboard, team):
    buy_by = (date.today() + timedelta(days=30)).isoformat()
    card = leadboard("--rules", team, "add", "Ann", "--email", "ann@example.com", "--set", "need=CRM",
                     "--set", "budget=5000", "--set", f"purchase_by={buy_by}", "--set", "authority=yes",
                     "--set", "industry=Banking").out.strip()
    blocked = leadboard("--rules", team, "promote", card)
    assert blocked.code == EXIT_BLOCKED, blocked
    assert "industry: Say which industry they are in." in blocked.err
    moved = leadboard("--rules", team, "promote", card, "--set", "industry=Retail")
    assert moved.code == EXIT_OK, moved
    after = json.loads(leadboard("show", card, "--json").out)
    assert (after["stage"], after["extra"]) == ("lead", {"industry": "Retail"})


def test_rules_check_lists_the_declared_fields_and_refuses_a_bad_one(leadboard, team, tmp_path):
    checked = leadboard("rules", "--check", team)
    assert checked.code == EXIT_OK
    assert ("field industry (Industry, choice); field arr (Yearly revenue, money); "
            "field renewal (Renewal date, date).") in checked.out
    assert leadboard("--rules", team, "rules").out == TEAM
    bad = tmp_path / "bad.toml"
    bad.write_text(default_rules_text() + '[fields.industry]\nlabel = "Industry"\ntype = "colour"\n', "utf-8")
    refused = leadboard("rules", "--check", bad)
    assert refused.code == EXIT_BAD_INPUT
    assert refused.err == (f"leadboard: Rules file {bad}: fields.industry.type (line 135): unknown type 'colour'; "
                           "types are text, number, money, date, choice, yes/no.\n")


def test_import_matches_a_declared_field_by_its_label_and_export_writes_it_under_its_name(leadboard, team, tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text("Name,Industry,Yearly Revenue\nAnn,banking,\"$22,700.00\"\nBob,Farming,\n", "utf-8")
    imported = leadboard("--rules", team, "import", path)
    assert imported.code == EXIT_OK, imported
    assert "Declared fields: Industry -> industry, Yearly Revenue -> arr." in imported.out
    assert "Kept as extra fields" not in imported.out
    assert "Industry: 1 value could not be read into its field and is kept as text" in imported.out
    exported = leadboard("--rules", team, "export", "--format", "csv")
    header, ann = exported.out.splitlines()[:2]
    columns = header.split(",")
    # one column per extra field's name: the declared fields', then the text Bob's file had
    assert columns[-3:] == ["industry", "arr", "Industry"]
    assert dict(zip(columns, ann.split(","), strict=True))["industry"] == "Banking"
    assert dict(zip(columns, ann.split(","), strict=True))["arr"] == "22700"
    assert json.loads(leadboard("show", 2, "--json").out)["extra"] == {"Industry": "Farming"}


def test_an_amount_in_another_currency_than_the_teams_is_reported_by_import(leadboard, tmp_path):
    rules = tmp_path / "usd.toml"
    rules.write_text('currency = "USD"\n' + default_rules_text(), "utf-8")
    assert "; currency USD." in leadboard("rules", "--check", rules).out
    path = tmp_path / "deals.csv"
    path.write_text("Deal - Title,Deal - Value,Deal - Currency\nLooms,\"€1.200\",\nGears,500,USD\n", "utf-8")
    imported = leadboard("--rules", rules, "import", path)
    assert imported.code == EXIT_OK, imported
    assert ("Deal - Value: 1 kept as text: amount in EUR, not the team's USD (an extra field of the card, "
            "never summed).") in imported.out
    cards = {card["name"]: card for card in json.loads(leadboard("list", "--json").out)}
    assert (cards["Looms"]["value"], cards["Looms"]["extra"]) == (None, {"Deal - Value": "€1.200"})
    assert cards["Gears"]["value"] == "500"
