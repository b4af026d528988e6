"""A salesperson plans next steps, reschedules, completes and cancels them, and starts the day from
what is due — on both engines, and at the day's boundaries in a controlled local time zone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from leadboard.domain.card import ActivityKind
from leadboard.domain.errors import ActivityNotFound, InvalidInput, StepNotOpen
from leadboard.domain.planned import PlannedKind, PlanState, StepState, parse_due
from leadboard.domain.stages import Stage
from leadboard.service.pipeline import Pipeline

#: 23:30 on 2 December in New York: already 3 December in UTC
NEW_YORK_LATE = datetime(2026, 12, 3, 4, 30)


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The viewer's local time zone is New York (UTC-5 in December)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def at(pipeline: Pipeline, now: datetime, user: str = "alice") -> Pipeline:
    """``user`` working on the same database, at the fixed moment ``now`` (naive UTC)."""
    return Pipeline(pipeline.rules, user, clock=lambda: now)


def tomorrow() -> str:
    return (date.today() + timedelta(days=1)).isoformat()


def test_planning_a_call_makes_it_the_cards_next_step_and_is_not_contact(pipeline, walk):
    card = walk.lead("Ada Lovelace")
    step = pipeline.plan(card.id, "call", tomorrow(), "Walk through the proposal")
    assert (step.kind, step.state, step.owner, step.planned_by) == (
        PlannedKind.CALL, PlanState.PLANNED, "alice", "alice")
    assert pipeline.next_step(card.id) == step
    assert pipeline.step_state(Stage.LEAD, step) is StepState.LATER
    after = pipeline.card(card.id)
    # planning neither counts as an interaction nor refreshes the stale clock
    assert (after.activity_count, after.last_activity_at) == (card.activity_count, card.last_activity_at)
    assert pipeline.activities(card.id) == []


def test_completing_a_call_logs_it_counts_for_the_gate_and_resets_the_stale_clock(pipeline, walk, fields):
    card = walk.lead("Ada Lovelace")
    step = pipeline.plan(card.id, "call", tomorrow(), "Intro call")
    assert pipeline.check_promotion(card.id, fields["develop"]())[0].rule_id == "relationship"
    done_at = datetime(2030, 1, 2, 9, 0)
    done = at(pipeline, done_at).complete(step.id, "They want a demo")
    assert (done.step.state, done.step.closed_by, done.step.closed_at) == (PlanState.DONE, "alice", done_at)
    assert done.step.outcome == "They want a demo"
    [logged] = pipeline.activities(card.id)
    assert (logged.id, logged.kind, logged.at) == (done.activity.id, ActivityKind.CALL, done_at)
    assert logged.summary == "Intro call — They want a demo"
    assert done.step.activity_id == logged.id
    after = pipeline.card(card.id)
    assert (after.activity_count, after.last_activity_at) == (1, done_at)
    assert pipeline.next_step(card.id) is None
    assert pipeline.promote(card.id, fields["develop"]()).card.stage is Stage.OPPORTUNITY


def test_a_completed_task_keeps_the_card_fresh_but_is_not_an_interaction(pipeline, walk):
    card = walk.lead()
    step = pipeline.plan(card.id, "task", tomorrow(), "Prepare the quote")
    pipeline.complete(step.id)
    after = pipeline.card(card.id)
    assert after.activity_count == 0 and after.last_activity_at is not None
    assert [a.kind for a in pipeline.activities(card.id)] == [ActivityKind.TASK]


def test_the_next_step_is_the_earliest_due_open_one(pipeline, walk):
    card = walk.lead()
    later = pipeline.plan(card.id, "meeting", "2031-03-01", "Site visit")
    sooner = pipeline.plan(card.id, "email", "2031-02-01T10:00", "Send the agenda")
    assert pipeline.next_step(card.id).id == sooner.id
    moved = pipeline.reschedule(sooner.id, "2031-04-01")
    assert (moved.rescheduled_by, moved.due) == ("alice", parse_due("2031-04-01"))
    assert pipeline.next_step(card.id).id == later.id
    cancelled = pipeline.cancel(later.id)
    assert (cancelled.state, cancelled.closed_by) == (PlanState.CANCELLED, "alice")
    assert pipeline.next_step(card.id).id == sooner.id
    assert [p.id for p in pipeline.planned_of(card.id)] == [sooner.id, later.id]


def test_done_and_plan_next_in_one_step(pipeline, walk):
    card = walk.lead()
    step = pipeline.plan(card.id, "call", tomorrow(), "Intro call")
    done = pipeline.complete(step.id, "Good call", then=pipeline.parse_plan("meeting", "2031-01-10", "Demo"))
    assert done.next is not None and done.next.summary == "Demo"
    assert pipeline.next_step(card.id) == done.next


def test_a_step_done_or_cancelled_cannot_change_again(pipeline, walk, database_state):
    card = walk.lead()
    step = pipeline.plan(card.id, "call", tomorrow(), "Intro call")
    pipeline.cancel(step.id)
    before = database_state()
    for change in (lambda: pipeline.complete(step.id), lambda: pipeline.cancel(step.id),
                   lambda: pipeline.reschedule(step.id, "2031-01-01")):
        with pytest.raises(StepNotOpen, match="cancelled already"):
            change()
    with pytest.raises(ActivityNotFound):
        pipeline.cancel(step.id + 100)
    assert database_state() == before


@pytest.mark.parametrize(("kind", "due", "summary", "field"), [
    ("lunch", "2031-01-01", "Eat", "kind"),
    ("call", "next tuesday", "Call", "due"),
    ("call", "2031-02-30", "Call", "due"),
    ("call", "2031-01-01T25:00", "Call", "due"),
    ("call", "1800-01-01", "Call", "due"),
    ("call", "2031-01-01", "   ", "summary"),
])
def test_a_bad_plan_is_refused_naming_what_is_wrong_and_nothing_is_written(pipeline, walk, database_state,
                                                                          kind, due, summary, field):
    card = walk.lead()
    before = database_state()
    with pytest.raises(InvalidInput) as caught:
        pipeline.plan(card.id, kind, due, summary)
    assert caught.value.field == field
    assert database_state() == before


def test_a_past_due_date_is_allowed_and_marks_the_card_overdue_at_once(pipeline, walk):
    card = walk.lead()
    step = pipeline.plan(card.id, "call", "2020-01-01", "Should have called")
    assert pipeline.step_state(Stage.LEAD, step) is StepState.OVERDUE
    [summary] = pipeline.column_page(Stage.LEAD, 0, 10)
    assert pipeline.summary_state(summary) is StepState.OVERDUE


def test_reassigning_hands_over_open_steps_except_those_planned_for_someone_else(pipeline, walk):
    card = walk.lead()
    mine = pipeline.plan(card.id, "call", tomorrow(), "Follow up")
    carols = pipeline.plan(card.id, "meeting", tomorrow(), "Legal review", owner="carol")
    done = pipeline.plan(card.id, "email", tomorrow(), "Thanks")
    pipeline.complete(done.id)
    pipeline.reassign(card.id, "bob")
    assert pipeline.planned(mine.id).owner == "bob"
    assert pipeline.planned(carols.id).owner == "carol"
    assert pipeline.planned(done.id).owner == "alice"


def test_a_card_without_a_step_is_none_and_lost_cards_and_accounts_are_not_asked(pipeline):
    assert pipeline.step_state(Stage.LEAD, None) is StepState.NONE
    assert pipeline.step_state(Stage.ACCOUNT, None) is None
    assert pipeline.step_state(Stage.LOST, None) is None


def test_states_at_the_end_of_a_local_day(pipeline, walk, new_york):
    """23:30 in New York is already tomorrow in UTC: the local calendar decides."""
    viewer = at(pipeline, NEW_YORK_LATE)
    expected = {
        "2026-12-01": StepState.OVERDUE,
        "2026-12-02": StepState.TODAY,
        "2026-12-03": StepState.LATER,
        "2026-12-02T23:00": StepState.OVERDUE,
        "2026-12-02T23:45": StepState.TODAY,
        "2026-12-03T00:15": StepState.LATER,
    }
    for due, state in expected.items():
        card = walk.lead(f"Due {due}")
        step = pipeline.plan(card.id, "call", due, "Call")
        assert viewer.step_state(Stage.LEAD, step) is state, due
        [summary] = [s for s in viewer.column_page(Stage.LEAD, 0, 50) if s.id == card.id]
        assert viewer.summary_state(summary) is state, due


def test_a_time_is_stored_in_utc_and_shown_in_local_time(pipeline, walk, new_york):
    card = walk.lead()
    step = pipeline.plan(card.id, "meeting", "2026-12-02T15:30", "Demo")
    assert step.due.at == datetime(2026, 12, 2, 20, 30)
    assert step.due.text() == "2026-12-02T15:30"
    assert step.due.iso() == "2026-12-02T15:30-05:00"
    assert parse_due(step.due.iso()) == step.due


def test_postponing_a_week_keeps_the_local_time_across_a_clock_change(pipeline, walk, new_york):
    card = walk.lead()
    step = pipeline.plan(card.id, "call", "2026-10-30T09:00", "Call")  # summer time, UTC-4
    moved = at(pipeline, datetime(2026, 10, 1, 12)).postpone(step.id, 7)  # winter time, UTC-5
    assert moved.due.text() == "2026-11-06T09:00"
    assert moved.due.at == datetime(2026, 11, 6, 14, 0)


def test_today_lists_my_due_steps_in_due_order_then_cards_without_a_step_then_stale(pipeline, walk):
    now = datetime.now(UTC).replace(tzinfo=None)
    overdue = walk.lead("Overdue Olga")
    today = walk.lead("Today Tom")
    later = walk.lead("Later Lars")
    bare = walk.opportunity("Bare Bea")
    walk.contact("Contact Carl")  # contacts need no next step by default
    theirs = walk.lead("Bob's Bill")
    pipeline.reassign(theirs.id, "bob")
    pipeline.plan(today.id, "call", date.today().isoformat(), "Call today")
    pipeline.plan(overdue.id, "email", (date.today() - timedelta(days=3)).isoformat(), "Send quote")
    pipeline.plan(later.id, "meeting", tomorrow(), "Meet")
    pipeline.plan(theirs.id, "call", "2020-01-01", "Bob's call")
    mine = pipeline.today_view("alice")
    assert [d.card.name for d in mine.due] == ["Overdue Olga", "Today Tom"]
    assert [c.name for c in mine.without_next_step] == ["Bare Bea"]
    assert mine.stale == []
    everyone = pipeline.today_view(None)
    assert [d.card.name for d in everyone.due] == ["Bob's Bill", "Overdue Olga", "Today Tom"]
    a_month_on = at(pipeline, now + timedelta(days=30))
    stale = a_month_on.today_view("alice").stale
    assert {c.name for c in stale} >= {"Overdue Olga", "Today Tom", "Later Lars"}
    assert "Contact Carl" not in {c.name for c in stale}  # contacts go stale after 60 days
    assert bare.stage is Stage.OPPORTUNITY


def test_log_and_plan_in_one_go_or_either_alone_and_never_neither(pipeline, walk, database_state):
    card = walk.lead()
    logged, step = pipeline.log_and_plan(card.id, ("call", "Good chat"), pipeline.parse_plan("task", "+1w", "Quote"))
    assert logged is not None and step is not None
    assert step.due == parse_due((date.today() + timedelta(days=7)).isoformat())
    assert pipeline.card(card.id).activity_count == 1
    before = database_state()
    with pytest.raises(InvalidInput, match="what happened, or plan a next step"):
        pipeline.log_and_plan(card.id, None, None)
    with pytest.raises(InvalidInput) as caught:
        pipeline.log_and_plan(card.id, ("call", "Fine"), pipeline.parse_plan("task", "soon", "Quote"))
    assert caught.value.field == "due"
    assert database_state() == before


def test_postponing_an_overdue_step_counts_from_today(pipeline, walk):
    card = walk.lead()
    step = pipeline.plan(card.id, "call", (date.today() - timedelta(days=5)).isoformat(), "Missed call")
    assert pipeline.postpone(step.id, 1).due.day == date.today() + timedelta(days=1)
    assert pipeline.postpone(step.id, 7).due.day == date.today() + timedelta(days=8)
