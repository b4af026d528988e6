"""Undo of moves: the last change made by this user is reversed, and the undo itself is recorded."""

from __future__ import annotations

import pytest

from leadboard.domain.errors import NothingToUndo, UndoRefused
from leadboard.domain.stages import Move, Stage


def test_undoing_a_promotion_puts_the_card_back_and_records_the_undo(pipeline, walk):
    lead = walk.lead()
    promote = pipeline.history(lead.id)[-1]
    result = pipeline.undo()
    assert result.card.id == lead.id
    assert result.card.stage is Stage.CONTACT
    undo = result.record
    assert (undo.move, undo.from_stage, undo.to_stage) == (Move.UNDO, Stage.LEAD, Stage.CONTACT)
    assert undo.by == "alice"
    assert undo.undoes == promote.id
    assert pipeline.history(lead.id)[-1] == undo


def test_undoing_a_demotion_moves_the_card_forward_again(pipeline, walk):
    opportunity = walk.opportunity()
    pipeline.demote(opportunity.id, "Requirements changed")
    assert pipeline.undo().card.stage is Stage.OPPORTUNITY


def test_undoing_a_loss_reopens_the_card_where_it_was(pipeline, walk):
    lead = walk.lead()
    pipeline.lose(lead.id, "Went silent")
    card = pipeline.undo().card
    assert card.stage is Stage.LEAD
    assert (card.lost_from, card.lost_reason) == (None, None)


def test_undoing_a_reopen_makes_the_card_lost_again_for_the_same_reason(pipeline, walk):
    lead = walk.lead()
    pipeline.lose(lead.id, "Bad timing")
    pipeline.reopen(lead.id)
    card = pipeline.undo().card
    assert card.stage is Stage.LOST
    assert (card.lost_from, card.lost_reason) == (Stage.LEAD, "Bad timing")
    # and the reopen can be made again
    assert pipeline.reopen(card.id).card.stage is Stage.LEAD


def test_undoing_twice_walks_back_through_the_changes(pipeline, walk):
    first = walk.contact()
    second = walk.opportunity()  # two promotions of its own, and the call logged between them
    pipeline.promote(first.id, {"need": "x", "budget": "1", "purchase_by": second.purchase_by})

    assert pipeline.undo().card.id == first.id
    assert pipeline.card(first.id).stage is Stage.CONTACT
    assert pipeline.card(first.id).need is None  # what the promotion filled in goes back too
    assert pipeline.undo().card.stage is Stage.LEAD
    assert pipeline.undo().card.activity_count == 0  # the intro call is taken back
    assert pipeline.undo().card.stage is Stage.CONTACT
    assert pipeline.card(second.id).stage is Stage.CONTACT
    # creating a card is not a move: nothing is left to undo
    with pytest.raises(NothingToUndo):
        pipeline.undo()
    undos = [m for m in pipeline.history(second.id) if m.move is Move.UNDO]
    assert len(undos) == 2


def test_nothing_to_undo_on_a_fresh_board_changes_nothing(pipeline, walk, database_state):
    walk.contact()
    before = database_state()
    with pytest.raises(NothingToUndo):
        pipeline.undo()
    assert database_state() == before


def test_undo_reverses_only_my_own_moves(pipeline, bob, walk):
    mine = walk.lead()  # alice's promotion
    theirs = walk.contact()
    bob.lose(theirs.id, "Not a fit")
    assert pipeline.undo().card.id == mine.id
    assert pipeline.card(theirs.id).stage is Stage.LOST
    with pytest.raises(NothingToUndo):
        pipeline.undo()
    assert bob.undo().card.stage is Stage.CONTACT


def test_a_move_a_colleague_has_since_built_on_cannot_be_undone(pipeline, bob, walk, database_state):
    lead = walk.lead()
    bob.lose(lead.id, "Chose a competitor")
    before = database_state()
    with pytest.raises(UndoRefused, match=r"changed by bob .* since your change .*promote contact → lead"):
        pipeline.undo()
    assert database_state() == before
