"""What a merge makes of two cards of one person: nothing of either is lost."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from leadboard.domain.card import Card
from leadboard.domain.merging import merge_plan
from leadboard.domain.stages import Stage

NOW = datetime(2026, 3, 2, 9, 30)


def _card(card_id: int, **fields: object) -> Card:
    return Card.model_construct(**{name: None for name in Card.model_fields} | {
        "id": card_id, "stage": Stage.CONTACT, "version": 1, "kind": "person", "created_at": NOW,
        "created_by": "alice", "updated_at": NOW, "updated_by": "alice", "activity_count": 0, "warnings": [],
        "extra": {}} | fields)


def test_the_kept_card_fills_its_gaps_and_keeps_the_others_differences_as_extras():
    keep = _card(1, name="Ada Lovelace", email="ada@example.com", budget=Decimal("5000"),
                 extra={"Industry": "Computing", "Region": "EMEA"})
    other = _card(2, name="Ada Lovelace", email="ada@engines.example.com", company="Analytical Engines",
                  budget=Decimal("7500.50"), extra={"Industry": "Computing", "Region": "UK", "Source": "Fair"})

    plan = merge_plan(keep, other)

    assert plan.filled == {"company": "Analytical Engines"}
    assert plan.extra == {"Industry": "Computing", "Region": "EMEA", "merged.email": "ada@engines.example.com",
                          "merged.budget": "7500.5", "merged.Region": "UK", "Source": "Fair"}
    assert plan.added == ["merged.email", "merged.budget", "merged.Region", "Source"]


def test_two_cards_with_the_same_values_merge_into_no_extras():
    keep = _card(1, name="Ada Lovelace", email="ada@example.com")

    plan = merge_plan(keep, _card(2, name="Ada Lovelace", email="ada@example.com"))

    assert (plan.filled, plan.extra, plan.added) == ({}, {}, [])
