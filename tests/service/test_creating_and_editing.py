"""Creating contacts and editing cards, on a real database file."""

from __future__ import annotations

from decimal import Decimal

import pytest

from leadboard.domain.errors import CardNotFound, InvalidInput, RulesFileError
from leadboard.domain.stages import Move, Stage
from leadboard.service.setup import open_pipeline


def test_new_contact_lands_in_contacts_owned_by_its_creator(pipeline):
    card = pipeline.create({"name": "Grace Hopper", "company": "Navy Labs", "email": "grace@example.com"})
    assert card.stage is Stage.CONTACT
    assert (card.owner, card.created_by, card.updated_by) == ("alice", "alice", "alice")
    assert card.version == 1
    assert pipeline.card(card.id) == card
    [created] = pipeline.history(card.id)
    assert (created.move, created.from_stage, created.to_stage, created.by) == (
        Move.CREATE, None, Stage.CONTACT, "alice",
    )


def test_a_phone_number_is_enough_to_reach_a_contact(pipeline):
    card = pipeline.create({"name": "Alan Turing", "phone": "+44 20 7946 0018"})
    assert card.phone == "+44 20 7946 0018" and card.email is None


def test_a_name_alone_makes_a_contact_and_the_qualify_gate_asks_for_a_way_to_reach_them(pipeline):
    card = pipeline.create({"name": "Nobody Reachable Yet"})
    assert (card.stage, card.email, card.phone) == (Stage.CONTACT, None, None)
    assert "reachable" in {failure.rule_id for failure in pipeline.rules.check(card, Stage.LEAD)}


def test_contact_can_be_created_for_a_colleague(pipeline):
    assert pipeline.create({"name": "Ken", "email": "ken@example.com", "owner": "bob"}).owner == "bob"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "Bad Email", "email": "not-an-address"}, "email"),
        ({"name": "Bad Phone", "phone": "call me"}, "phone"),
        ({"name": "", "email": "x@example.com"}, "name"),
        ({"name": "Spender", "email": "x@example.com", "budget": "-10"}, "budget"),
        ({"name": "Typo", "email": "x@example.com", "buget": "10"}, "buget"),
    ],
)
def test_contact_that_cannot_be_stored_is_refused_and_nothing_is_written(pipeline, database_state,
                                                                         fields, field):
    before = database_state()
    with pytest.raises(InvalidInput) as caught:
        pipeline.create(fields)
    assert caught.value.field == field
    assert database_state() == before


def test_editing_saves_the_fields_and_bumps_the_version(pipeline, bob):
    card = pipeline.create({"name": "Grace Hopper", "email": "grace@example.com"})
    changes = {"need": "Telematics", "budget": "12500.50", "company": "Navy Labs"}
    edited = bob.edit(card.id, changes, card.version)
    assert edited.need == "Telematics"
    assert edited.budget == Decimal("12500.50")
    assert edited.amount == Decimal("12500.50")
    assert edited.version == card.version + 1
    assert edited.updated_by == "bob"
    assert edited.stage is Stage.CONTACT
    assert pipeline.card(card.id) == edited


def test_clearing_a_field_with_a_blank_value(pipeline):
    card = pipeline.create({"name": "Grace", "email": "grace@example.com", "company": "Navy"})
    assert pipeline.edit(card.id, {"company": "  "}).company is None


@pytest.mark.parametrize(
    "changes",
    [{"email": "nope"}, {"budget": "-1"}, {"purchase_by": "2025-02-30"}, {"name": "x" * 201},
     {"colour": "red"}, {}],
    ids=["bad email", "negative budget", "impossible date", "long name", "unknown field", "nothing"],
)
def test_bad_edit_is_refused_and_the_card_is_unchanged(pipeline, database_state, changes):
    card = pipeline.create({"name": "Grace", "email": "grace@example.com"})
    before = database_state()
    with pytest.raises(InvalidInput):
        pipeline.edit(card.id, changes, card.version)
    assert database_state() == before


def test_editing_a_card_that_does_not_exist(pipeline):
    with pytest.raises(CardNotFound, match="no card 404"):
        pipeline.edit(404, {"need": "x"})


def test_reassigning_hands_the_card_to_a_colleague(pipeline):
    card = pipeline.create({"name": "Grace", "email": "grace@example.com", "budget": "100"})
    assert pipeline.reassign(card.id, "bob", card.version).owner == "bob"
    assert pipeline.stats().get(Stage.CONTACT).cards == 1


def test_a_bad_rules_file_is_refused_before_the_database_is_touched(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('lost_reasons = ["x"]\n[stages.contact]\nprobability = 7\n', "utf-8")
    database = tmp_path / "never.db"
    with pytest.raises(RulesFileError, match=r"rules\.toml"):
        open_pipeline(database, "alice", rules)
    assert not database.exists()
