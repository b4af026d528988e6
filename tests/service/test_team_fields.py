"""A team's own fields through the service: written, validated, gated on, undone."""

from __future__ import annotations

import pytest

from leadboard.domain.errors import GateBlocked, InvalidInput
from leadboard.domain.rules import default_rules_text, parse_rules
from leadboard.domain.stages import Stage
from leadboard.service.pipeline import Pipeline
from tests.service.conftest import qualify_fields
from tests.service.import_helpers import only_card, run_import, write_csv

TEAM = default_rules_text() + """
[fields.industry]
label = "Industry"
type = "choice"
choices = ["Retail", "Banking"]

[fields.arr]
label = "Yearly revenue"
type = "money"

[fields.nda]
label = "NDA signed"
type = "yes/no"

[[gates.qualify]]
id = "industry"
severity = "block"
message = "Say which industry they are in."
checks = [{ kind = "set", field = "industry" }]
"""


@pytest.fixture
def team(pipeline: Pipeline) -> Pipeline:
    return Pipeline(parse_rules(TEAM, "team.toml"), "alice")


def test_declared_values_are_stored_in_the_extras_normalised_by_their_type(team):
    card = team.create({"name": "Ann", "industry": "retail", "arr": "$1,200.50", "nda": "y"})
    assert team.card(card.id).extra == {"industry": "Retail", "arr": "1200.5", "nda": "yes"}
    edited = team.edit(card.id, {"arr": "20k", "industry": ""})
    assert edited.extra == {"arr": "20000", "nda": "yes"}


def test_a_bad_declared_value_names_the_field_and_writes_nothing(team):
    card = team.create({"name": "Ann", "industry": "Retail"})
    with pytest.raises(InvalidInput, match=r"^industry: must be one of Retail, Banking$"):
        team.edit(card.id, {"industry": "Farming", "need": "A CRM"})
    with pytest.raises(InvalidInput, match=r"^arr: is not an amount"):
        team.create({"name": "Bob", "arr": "lots"})
    after = team.card(card.id)
    assert (after.version, after.extra, after.need) == (1, {"industry": "Retail"}, None)
    assert [c.name for c in team.find()] == ["Ann"]


def test_an_extra_kept_by_an_import_is_the_value_of_a_field_declared_later(pipeline, tmp_path):
    header = ["Name", "Email", "industry", "Need", "Budget", "Purchase By", "Authority"]
    row = ["Ann", "ann@example.com", "Banking", "A CRM", "5000", qualify_fields()["purchase_by"].isoformat(), "yes"]
    run_import(pipeline, write_csv(tmp_path / "crm.csv", header, [row]))  # no field is declared yet
    card = only_card()
    assert pipeline.card(card.id).extra == {"industry": "Banking"}
    team = Pipeline(parse_rules(TEAM, "team.toml"), "alice")
    assert team.promote(card.id).card.stage is Stage.LEAD  # the qualify gate sees the industry


def test_a_blocked_move_names_the_declared_field_and_filling_it_in_finishes_the_move(team):
    card = team.create({"name": "Ann", "email": "ann@example.com", **qualify_fields()})
    with pytest.raises(GateBlocked) as blocked:
        team.promote(card.id)
    assert [(f.rule_id, f.fields) for f in blocked.value.failures if f.blocking] == [("industry", ("industry",))]
    assert team.check_promotion(card.id, {"industry": "Banking"}) == [
        f for f in team.check_promotion(card.id, {"industry": "Banking"}) if not f.blocking]
    moved = team.promote(card.id, {"industry": "banking"})
    assert (moved.card.stage, moved.card.extra) == (Stage.LEAD, {"industry": "Banking"})


def test_undo_takes_a_declared_value_back(team):
    card = team.create({"name": "Ann", "industry": "Retail"})
    team.edit(card.id, {"industry": "Banking"})
    change = team.last_change()
    assert [(c.field, c.old, c.new) for c in change.changes] == [("extra.industry", "Retail", "Banking")]
    assert change.describe() == "edit extra.industry"
    team.edit(card.id, {"arr": "5", "industry": ""})
    assert [(c.field, c.old, c.new) for c in team.last_change().changes] == [
        ("extra.industry", "Banking", None), ("extra.arr", None, "5")]
    team.undo()
    assert team.card(card.id).extra == {"industry": "Banking"}
    team.undo()
    assert team.card(card.id).extra == {"industry": "Retail"}
