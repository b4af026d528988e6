"""Two salespeople on one database: a write based on an old version of a card is refused, with who
changed it and when, and nothing is overwritten."""

from __future__ import annotations

import pytest

from leadboard.domain.errors import Conflict
from leadboard.domain.stages import Stage


def test_stale_edit_is_refused_naming_who_changed_the_card_and_when(pipeline, bob, walk, database_state):
    seen_by_alice = walk.contact()
    changed = bob.edit(seen_by_alice.id, {"need": "Bob's notes"}, seen_by_alice.version)
    before = database_state()

    with pytest.raises(Conflict) as caught:
        pipeline.edit(seen_by_alice.id, {"need": "Alice's notes"}, seen_by_alice.version)

    assert caught.value.changed_by == "bob"
    assert caught.value.changed_at == changed.updated_at
    assert "changed by bob at " in str(caught.value)
    assert "not saved" in str(caught.value)
    assert database_state() == before
    assert pipeline.card(seen_by_alice.id).need == "Bob's notes"


@pytest.mark.parametrize(
    ("stage", "move"),
    [
        (Stage.CONTACT, lambda p, card: p.promote(card.id, {"need": "x"}, card.version)),
        (Stage.LEAD, lambda p, card: p.demote(card.id, "Not ready", card.version)),
        (Stage.LEAD, lambda p, card: p.lose(card.id, "Went silent", card.version)),
        (Stage.LOST, lambda p, card: p.reopen(card.id, card.version)),
        (Stage.CONTACT, lambda p, card: p.reassign(card.id, "carol", card.version)),
    ],
    ids=["promote", "demote", "lose", "reopen", "reassign"],
)
def test_every_move_on_a_stale_version_is_refused_and_changes_nothing(pipeline, bob, walk, database_state,
                                                                      stage, move):
    seen_by_alice = walk.at(stage)
    bob.edit(seen_by_alice.id, {"notes": "Called them back"}, seen_by_alice.version)
    before = database_state()
    with pytest.raises(Conflict) as caught:
        move(pipeline, seen_by_alice)
    assert caught.value.changed_by == "bob"
    assert database_state() == before


def test_bobs_write_with_alices_old_version_is_refused(pipeline, bob, walk, database_state):
    card = walk.contact()
    bob_read = bob.card(card.id)
    alice_wrote = pipeline.edit(card.id, {"company": "Navy Labs"}, card.version)
    before = database_state()
    with pytest.raises(Conflict) as caught:
        bob.promote(card.id, {"need": "CRM"}, bob_read.version)
    assert (caught.value.changed_by, caught.value.changed_at) == ("alice", alice_wrote.updated_at)
    assert database_state() == before
    # with the version he has now, bob's edit goes through
    assert bob.edit(card.id, {"need": "CRM"}, bob.card(card.id).version).company == "Navy Labs"


def test_a_write_naming_the_current_version_goes_through(pipeline, bob, walk):
    card = walk.contact()
    card = bob.edit(card.id, {"need": "CRM"}, card.version)
    assert pipeline.edit(card.id, {"budget": "100"}, card.version).version == card.version + 1
