"""Two salespeople changing the same card: the second write is refused, never an overwrite, and
the second person is told who changed it, when, and what version it is now."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from leadboard.domain.card import Card
from leadboard.domain.errors import Conflict
from leadboard.domain.stages import Stage
from leadboard.service import Pipeline
from leadboard.store import journal


def colleague(pipeline: Pipeline, user: str) -> Pipeline:
    return Pipeline(pipeline.rules, user)


def qualified(pipeline: Pipeline) -> Card:
    return pipeline.create({
        "name": "Margaret Hamilton", "email": "margaret@example.com", "need": "Flight software",
        "budget": 1000, "purchase_by": date.today() + timedelta(days=60), "authority": True,
    })


def test_an_edit_on_a_card_a_colleague_just_changed_is_refused(pipeline: Pipeline) -> None:
    bob = colleague(pipeline, "bob")
    seen = qualified(pipeline)  # alice opens the card
    bob.edit(seen.id, {"notes": "Called, wants a demo"}, version=seen.version)

    with pytest.raises(Conflict) as refused:
        pipeline.edit(seen.id, {"notes": "Sent the brochure"}, version=seen.version)

    assert refused.value.changed_by == "bob"
    assert refused.value.version == seen.version + 1
    assert "changed by bob" in str(refused.value) and "not saved" in str(refused.value)
    now = pipeline.card(seen.id)
    assert now.notes == "Called, wants a demo"  # bob's edit stands
    assert refused.value.changed_at == now.updated_at


MOVES: dict[str, Any] = {
    "promote": lambda p, card_id, v: p.promote(card_id, version=v),
    "demote": lambda p, card_id, v: p.demote(card_id, "Not ready", version=v),
    "lose": lambda p, card_id, v: p.lose(card_id, "Went silent", version=v),
    "reassign": lambda p, card_id, v: p.reassign(card_id, "carol", version=v),
}


@pytest.mark.parametrize("action", sorted(MOVES))
def test_a_move_on_a_stale_card_is_refused_and_changes_nothing(pipeline: Pipeline, action: str) -> None:
    bob = colleague(pipeline, "bob")
    card = qualified(pipeline)
    pipeline.promote(card.id)  # a lead, so every move here makes sense
    seen = pipeline.card(card.id)
    bob.edit(card.id, {"notes": "bob was here"}, version=seen.version)
    history_before = pipeline.history(card.id)

    with pytest.raises(Conflict) as refused:
        MOVES[action](pipeline, card.id, seen.version)

    assert refused.value.changed_by == "bob"
    after = pipeline.card(card.id)
    assert (after.stage, after.owner, after.version) == (Stage.LEAD, "alice", seen.version + 1)
    assert pipeline.history(card.id) == history_before


def test_reopen_on_a_stale_card_is_refused(pipeline: Pipeline) -> None:
    bob = colleague(pipeline, "bob")
    card = pipeline.lose(qualified(pipeline).id, "Bad timing").card
    bob.edit(card.id, {"notes": "they may come back"}, version=card.version)
    with pytest.raises(Conflict):
        pipeline.reopen(card.id, version=card.version)
    assert pipeline.card(card.id).stage is Stage.LOST


def test_a_write_that_loses_the_race_after_reading_is_refused_too(pipeline: Pipeline,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL two transactions can both read version 1 before either writes; the row guard
    (UPDATE ... WHERE version = 1) refuses the second even when no version was named."""
    bob = colleague(pipeline, "bob")
    card = qualified(pipeline)
    as_alice_read_it = pipeline.card(card.id)
    bob.edit(card.id, {"notes": "bob got there first"})
    # alice's transaction read the card before bob's write landed
    monkeypatch.setattr(pipeline, "_read_for_write", lambda card_id, version: as_alice_read_it)

    with pytest.raises(Conflict) as refused:
        pipeline.promote(card.id)

    assert refused.value.changed_by == "bob"
    assert refused.value.version == as_alice_read_it.version + 1
    after = pipeline.card(card.id)
    assert after.stage is Stage.CONTACT and after.notes == "bob got there first"
    assert [m.move.value for m in journal.moves_of(card.id)] == ["create"]


def test_after_a_conflict_the_current_version_goes_through(pipeline: Pipeline) -> None:
    """Told the card changed, the salesperson reads it again and saves: nothing of either is lost."""
    bob = colleague(pipeline, "bob")
    seen = qualified(pipeline)
    bob.edit(seen.id, {"title": "CTO"}, version=seen.version)
    with pytest.raises(Conflict) as refused:
        pipeline.edit(seen.id, {"notes": "likes trains"}, version=seen.version)
    saved = pipeline.edit(seen.id, {"notes": "likes trains"}, version=refused.value.version)
    assert (saved.title, saved.notes, saved.version) == ("CTO", "likes trains", seen.version + 2)
