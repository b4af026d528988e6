"""Every move a card can make: promote through the gates, demote, lose, reopen; and the refused ones,
after which the database is exactly as it was."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from leadboard.domain.errors import CardNotFound, GateBlocked, InvalidInput, MoveNotAllowed
from leadboard.domain.stages import Move, Stage
from leadboard.domain.text import LIMITS

# ---- promote ----------------------------------------------------------------------------------


def test_contact_walks_through_all_three_gates_to_account(pipeline, fields):
    card = pipeline.create({"name": "Grace Hopper", "email": "grace@example.com"})
    card = pipeline.edit(card.id, fields["qualify"](), card.version)
    lead = pipeline.promote(card.id, version=card.version)
    assert lead.card.stage is Stage.LEAD and lead.warnings == []

    pipeline.log_activity(card.id, "meeting", "Demo at their office")
    opportunity = pipeline.promote(card.id, fields["develop"](), lead.card.version)
    assert opportunity.card.stage is Stage.OPPORTUNITY

    account = pipeline.promote(card.id, fields["win"](), opportunity.card.version)
    assert account.card.stage is Stage.ACCOUNT
    assert account.card.payment_terms == "Net 30"

    moves = [(m.move, m.from_stage, m.to_stage, m.by) for m in pipeline.history(card.id)]
    assert moves == [
        (Move.CREATE, None, Stage.CONTACT, "alice"),
        (Move.PROMOTE, Stage.CONTACT, Stage.LEAD, "alice"),
        (Move.PROMOTE, Stage.LEAD, Stage.OPPORTUNITY, "alice"),
        (Move.PROMOTE, Stage.OPPORTUNITY, Stage.ACCOUNT, "alice"),
    ]


@pytest.mark.parametrize(
    ("stage", "gate", "blocking"),
    [
        (Stage.CONTACT, "qualify", ["need", "budget", "timeline"]),
        (Stage.LEAD, "develop", ["relationship", "requirements", "supplier", "terms"]),
        (Stage.OPPORTUNITY, "win", ["contract", "payment_terms"]),
    ],
)
def test_blocked_promotion_changes_nothing_and_names_every_failed_rule(pipeline, walk, database_state,
                                                                       stage, gate, blocking):
    card = walk.at(stage)
    before = database_state()
    with pytest.raises(GateBlocked) as caught:
        pipeline.promote(card.id, version=card.version)
    assert caught.value.gate == gate
    assert [f.rule_id for f in caught.value.failures if f.blocking] == blocking
    assert all(f.message and f.fields for f in caught.value.failures)
    assert database_state() == before
    assert pipeline.card(card.id).stage is stage


def test_check_promotion_lists_the_same_failures_without_moving(pipeline, walk, database_state):
    card = walk.contact()
    before = database_state()
    failed = pipeline.check_promotion(card.id, {"need": "CRM"})
    assert [f.rule_id for f in failed] == ["budget", "timeline", "authority"]
    assert database_state() == before


def test_a_blocked_promotion_is_told_with_the_card_as_read(pipeline, walk, database_state):
    card = walk.contact()
    before = database_state()
    failed, read = pipeline.promotion(card.id, {"need": "CRM"})
    assert [f.rule_id for f in failed] == ["budget", "timeline", "authority"]
    assert (read.id, read.name, read.need, read.version) == (card.id, card.name, card.need, card.version)
    assert database_state() == before


def test_fields_given_with_a_promotion_are_saved_with_the_move(pipeline, walk, fields):
    card = walk.contact()
    result = pipeline.promote(card.id, fields["qualify"](), card.version)
    assert result.card.stage is Stage.LEAD
    assert result.card.need == fields["qualify"]()["need"]
    assert result.card.version == card.version + 1  # one write: fields and move together


def test_fields_given_with_a_blocked_promotion_are_not_saved(pipeline, walk, database_state):
    card = walk.contact()
    before = database_state()
    with pytest.raises(GateBlocked):
        pipeline.promote(card.id, {"need": "CRM", "budget": "5000"})
    assert database_state() == before
    assert pipeline.card(card.id).need is None


def test_bad_fields_given_with_a_promotion_are_refused(pipeline, walk, database_state):
    card = walk.contact()
    before = database_state()
    with pytest.raises(InvalidInput) as caught:
        pipeline.promote(card.id, {"budget": "-5"})
    assert caught.value.field == "budget"
    assert database_state() == before


def test_promotion_with_warnings_moves_and_records_the_warnings(pipeline, walk, fields):
    card = walk.contact(**fields["qualify"]() | {"authority": None})
    result = pipeline.promote(card.id)
    assert result.card.stage is Stage.LEAD
    assert [w.rule_id for w in result.warnings] == ["authority"]
    assert result.card.warnings == ["authority"]
    last = pipeline.history(card.id)[-1]
    assert result.record == last  # what the move returns is what the history holds
    assert last.move is Move.PROMOTE
    assert last.warnings == (str(result.warnings[0]),)
    assert last.warnings[0].startswith("authority: ")

    pipeline.log_activity(card.id, "email", "Sent the proposal")
    developed = pipeline.promote(card.id, fields["develop"]() | {"decision_maker": None})
    assert developed.card.warnings == ["decision_maker"]
    assert [w.rule_id for w in developed.warnings] == ["decision_maker"]
    assert pipeline.history(card.id)[-1].warnings[0].startswith("decision_maker: ")


def test_logging_an_activity_builds_the_relationship(pipeline, walk, fields):
    lead = walk.lead()
    with pytest.raises(GateBlocked) as caught:
        pipeline.promote(lead.id, fields["develop"]())
    assert [f.rule_id for f in caught.value.failures] == ["relationship"]
    activity = pipeline.log_activity(lead.id, "call", "Discovery call")
    assert pipeline.activities(lead.id) == [activity]
    assert (activity.kind.value, activity.summary, activity.by) == ("call", "Discovery call", "alice")
    assert pipeline.card(lead.id).activity_count == 1
    assert pipeline.promote(lead.id, fields["develop"]()).card.stage is Stage.OPPORTUNITY


def test_a_note_is_not_a_relationship_but_keeps_the_card_fresh(pipeline, walk, fields):
    lead = walk.lead()
    pipeline.log_activity(lead.id, "note", "Read their annual report")
    card = pipeline.card(lead.id)
    assert card.activity_count == 0
    assert card.last_activity_at is not None
    with pytest.raises(GateBlocked) as caught:
        pipeline.promote(lead.id, fields["develop"]())
    assert [f.rule_id for f in caught.value.failures] == ["relationship"]


@pytest.mark.parametrize(("kind", "summary", "field"), [("lunch", "x", "kind"), ("call", "  ", "summary")])
def test_bad_activity_is_refused(pipeline, walk, database_state, kind, summary, field):
    card = walk.contact()
    before = database_state()
    with pytest.raises(InvalidInput) as caught:
        pipeline.log_activity(card.id, kind, summary)
    assert caught.value.field == field
    assert database_state() == before


def test_timeline_is_checked_against_today(pipeline, walk, fields):
    card = walk.contact(**fields["qualify"]() | {"purchase_by": date.today() - timedelta(days=1)})
    with pytest.raises(GateBlocked) as caught:
        pipeline.promote(card.id)
    assert [f.rule_id for f in caught.value.failures] == ["timeline"]


@pytest.mark.parametrize("stage", [Stage.ACCOUNT, Stage.LOST])
def test_accounts_and_lost_cards_cannot_be_promoted(pipeline, walk, database_state, stage):
    card = walk.at(stage)
    before = database_state()
    with pytest.raises(MoveNotAllowed):
        pipeline.promote(card.id)
    assert database_state() == before


# ---- demote -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "back_to"),
    [(Stage.LEAD, Stage.CONTACT), (Stage.OPPORTUNITY, Stage.LEAD), (Stage.ACCOUNT, Stage.OPPORTUNITY)],
)
def test_demoting_moves_one_stage_back_with_the_reason_recorded(pipeline, walk, stage, back_to):
    card = walk.at(stage)
    result = pipeline.demote(card.id, "Budget frozen until Q3", card.version)
    assert result.card.stage is back_to
    record = result.record
    assert (record.move, record.from_stage, record.to_stage) == (Move.DEMOTE, stage, back_to)
    assert result.record.reason == "Budget frozen until Q3"
    assert pipeline.history(card.id)[-1] == result.record


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_demoting_without_a_reason_is_refused(pipeline, walk, database_state, reason):
    card = walk.lead()
    before = database_state()
    with pytest.raises(InvalidInput) as caught:
        pipeline.demote(card.id, reason)
    assert caught.value.field == "reason"
    assert database_state() == before


@pytest.mark.parametrize("stage", [Stage.CONTACT, Stage.LOST])
def test_contacts_and_lost_cards_cannot_be_demoted(pipeline, walk, database_state, stage):
    card = walk.at(stage)
    before = database_state()
    with pytest.raises(MoveNotAllowed):
        pipeline.demote(card.id, "why not")
    assert database_state() == before


# ---- lose and reopen --------------------------------------------------------------------------


@pytest.mark.parametrize("stage", [Stage.CONTACT, Stage.LEAD, Stage.OPPORTUNITY, Stage.ACCOUNT])
def test_a_card_can_be_lost_from_any_open_stage_and_reopened_where_it_was(pipeline, walk, stage):
    card = walk.at(stage)
    lost = pipeline.lose(card.id, "Chose a competitor", card.version)
    assert lost.card.stage is Stage.LOST
    assert (lost.card.lost_from, lost.card.lost_reason) == (stage, "Chose a competitor")
    assert (lost.record.move, lost.record.from_stage, lost.record.reason) == (
        Move.LOSE, stage, "Chose a competitor",
    )

    reopened = pipeline.reopen(card.id, lost.card.version)
    assert reopened.card.stage is stage
    assert (reopened.card.lost_from, reopened.card.lost_reason) == (None, None)
    assert (reopened.record.move, reopened.record.from_stage, reopened.record.to_stage) == (
        Move.REOPEN, Stage.LOST, stage,
    )


@pytest.mark.parametrize("reason", ["", " \t ", None, "\x1b\u202e", "x" * (LIMITS.reason + 1)])
def test_losing_without_a_proper_reason_is_refused(pipeline, walk, database_state, reason):
    card = walk.lead()
    before = database_state()
    with pytest.raises(InvalidInput) as caught:
        pipeline.lose(card.id, reason)
    assert caught.value.field == "reason"
    assert database_state() == before


def test_a_reason_is_kept_as_text_never_as_terminal_escapes(pipeline, walk):
    card = walk.lead()
    lost = pipeline.lose(card.id, " Went\x1b]0;owned\x07 silent\r\nafter the demo\u202e ")
    assert lost.card.lost_reason == lost.record.reason == "Went]0;owned silent\nafter the demo"


def test_the_longest_reason_anyone_may_give_is_kept_whole(pipeline, walk):
    card = walk.lead()
    assert pipeline.lose(card.id, "x" * LIMITS.reason).card.lost_reason == "x" * LIMITS.reason


def test_a_lost_card_cannot_be_lost_again(pipeline, walk, database_state):
    card = walk.at(Stage.LOST)
    before = database_state()
    with pytest.raises(MoveNotAllowed):
        pipeline.lose(card.id, "Again")
    assert database_state() == before


@pytest.mark.parametrize("stage", [Stage.CONTACT, Stage.LEAD, Stage.ACCOUNT])
def test_only_lost_cards_can_be_reopened(pipeline, walk, database_state, stage):
    card = walk.at(stage)
    before = database_state()
    with pytest.raises(MoveNotAllowed):
        pipeline.reopen(card.id)
    assert database_state() == before


def test_moving_a_card_that_does_not_exist(pipeline):
    for move in (lambda: pipeline.promote(99), lambda: pipeline.demote(99, "x"),
                 lambda: pipeline.lose(99, "x"), lambda: pipeline.reopen(99)):
        with pytest.raises(CardNotFound):
            move()
