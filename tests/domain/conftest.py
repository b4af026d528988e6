"""Domain fixtures: the default rules and cards built through the real field validation. No database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from leadboard.domain.card import CardFields, validate_fields
from leadboard.domain.rules import Rules, load_rules


class CardFacts(CardFields):
    """What a gate looks at: the card's fields plus how many activities were logged."""

    activity_count: int = 0


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules()


@pytest.fixture
def card() -> Callable[..., CardFacts]:
    """``card(QUALIFIED, budget=None, activities=1)``: a card validated like user input."""

    def make(base: dict[str, Any] | None = None, activities: int = 0, **changes: Any) -> CardFacts:
        fields = validate_fields((base or {"name": "Someone"}) | changes)
        return CardFacts(**fields.model_dump(), activity_count=activities)

    return make
