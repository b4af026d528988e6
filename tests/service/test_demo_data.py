"""Demo data: realistic cards in every stage, each one having passed the gates of where it sits."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from leadboard.domain.stages import PIPELINE, Move, Stage
from leadboard.service.demo import fill
from leadboard.service.reports import Period


def test_demo_fills_every_stage_with_cards_that_passed_their_gates(pipeline):
    made = fill(pipeline, 300)
    assert sum(made.values()) == 300
    assert all(made[stage] > 0 for stage in Stage), made

    cards = pipeline.find()
    assert Counter(card.stage for card in cards) == {stage: n for stage, n in made.items() if n}
    today = date.today()
    for card in cards:
        reached = card.lost_from if card.stage is Stage.LOST else card.stage
        assert reached is not None and reached is not Stage.LOST
        for stage in PIPELINE[1:PIPELINE.index(reached) + 1]:
            blocking = [f.rule_id for f in pipeline.rules.check(card, stage, today) if f.blocking]
            assert blocking == [], (card.id, card.stage, stage, blocking)
        moves = pipeline.history(card.id)
        assert (moves[0].move, moves[0].to_stage, moves[-1].to_stage) == (Move.CREATE, Stage.CONTACT, card.stage)
        assert all(a.to_stage is b.from_stage and a.at < b.at for a, b in pairwise(moves)), moves
        assert timedelta(0) < datetime.now(UTC).replace(tzinfo=None) - moves[0].at < timedelta(days=368)
        if card.stage is Stage.ACCOUNT:
            assert card.contract_signed_on == moves[-1].at.date()
        assert len(pipeline.activities(card.id)) == card.activity_count


def test_demo_totals_equal_the_cards(pipeline):
    fill(pipeline, 120)
    stats = pipeline.stats()
    for stage in Stage:
        cards = pipeline.find(stage)
        assert stats[stage].cards == len(cards)
        assert stats[stage].amount == sum((c.amount or Decimal(0) for c in cards), Decimal(0))

    # and every activity is counted under its card's owner (activities the demo wrote in bulk)
    year = Period(date.today() - timedelta(days=366), date.today())
    logged: Counter[str] = Counter()
    for card in pipeline.find():
        logged[card.owner or ""] += len(pipeline.activities(card.id))
    by_owner = {owner: sum(kinds.values()) for owner, kinds in pipeline.reports().activity(year).owners.items()}
    assert by_owner == {owner: n for owner, n in logged.items() if n} and sum(by_owner.values()) > 50


def test_demo_history_tells_a_funnel_story(pipeline):
    """Most contacts never become leads; about half the opportunities that close are won."""
    fill(pipeline, 1500)
    reports = pipeline.reports()
    year = Period(date.today() - timedelta(days=365), date.today())
    funnel = reports.funnel(year)
    contact, lead, opportunity, _ = funnel.stages
    assert contact.entered > 1400 and contact.conversion is not None and contact.conversion < Decimal("0.5")
    assert lead.entered > 500 and opportunity.entered > 150
    wins = reports.win_rate(year)
    assert wins.rate is not None and Decimal("0.3") < wins.rate < Decimal("0.7"), wins
    assert reports.lost(year).times > 200
def test_demo_plans_the_day_some_overdue_some_today_some_later_some_with_none(pipeline):
    from leadboard.domain.planned import StepState

    fill(pipeline, 300)
    states: Counter[StepState | None] = Counter()
    for stage in (Stage.CONTACT, Stage.LEAD, Stage.OPPORTUNITY):
        cards = pipeline.find(stage)
        steps = pipeline.next_steps([card.id for card in cards])
        for card in cards:
            state = pipeline.step_state(stage, steps.get(card.id))
            states[state] += 1
            # what the board reads from the card agrees with the step itself
            [summary] = [s for s in pipeline.column_page(stage, 0, 500) if s.id == card.id]
            assert pipeline.summary_state(summary) is state
    assert all(states[state] >= 5 for state in StepState), states
    for stage in (Stage.ACCOUNT, Stage.LOST):
        assert pipeline.next_steps([card.id for card in pipeline.find(stage)]) == {}
    day = pipeline.today_view("alice")
    assert day.due and day.without_next_step
