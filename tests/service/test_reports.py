"""The reports read back a history built by hand on a clock the test controls, figure by figure.

The viewer is five hours behind UTC, so a day ends at 05:00 UTC. The story (times UTC, 10:00
unless said; owner alice unless said), over March 2026 mostly:

- A: contact Mar 2, lead Mar 5, opportunity Mar 10 (value 10,000), won Mar 20.
- B (bob): contact Mar 3, lead Mar 6, demoted Mar 8, promoted again Mar 9: a lead at the end.
- C (bob): contact Mar 4, lead Mar 7, opportunity Mar 12 (20,000), lost Mar 15 (Chose a
  competitor), reopened Mar 18, won Mar 24.
- D: contact Mar 5, promoted Mar 6 and undone five minutes later: never a lead.
- E: contact Feb 20, lead Feb 25 (budget 3,000), lost Mar 11 (No budget).
- F: contact Mar 31 04:00 UTC (Mar 30 local); G: Apr 1 04:30 UTC (still Mar 31 local);
  H: Apr 1 05:30 UTC (Apr 1 local, outside March).
- I: contact Feb 1, lead Feb 2, opportunity Feb 3 (4,000), lost Mar 25 (No budget).
- J: contact Mar 10, lead Mar 11, demoted Mar 13: back to a contact.
- K: contact Mar 1 12:00, lead Mar 2, opportunity Mar 3 (7,000), lost Mar 16 (Chose a competitor).
- L: contact Feb 10, lead Feb 11, opportunity Feb 12 (8,000, close by Mar 31): still open.
- M: contact Apr 2, lead, opportunity Apr 3 (5,000, close by May 15).
The clock ends on Apr 10.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from leadboard.domain.stages import Stage
from leadboard.service.pipeline import Pipeline
from leadboard.service.reports import Period, Reports, period

ZONE = timezone(timedelta(hours=-5))
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def today(self) -> date:
        return self.now.date()


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute)


class Story:
    def __init__(self, pipeline: Pipeline):
        self.clock = Clock(at(1, 1))
        self.p = Pipeline(pipeline.rules, "alice", clock=self.clock, today=self.clock.today)
        self.cards: dict[str, int] = {}

    def when(self, moment: datetime) -> Pipeline:
        self.clock.now = moment
        return self.p

    def contact(self, name: str, moment: datetime, owner: str = "alice") -> int:
        card = self.when(moment).create({"name": name, "email": f"{name.lower()}@example.com", "owner": owner})
        self.cards[name] = card.id
        return card.id

    def lead(self, name: str, moment: datetime, budget: str = "1000") -> None:
        today = moment.date()
        self.when(moment).promote(self.cards[name], {
            "need": "Order tracking", "budget": budget, "purchase_by": today + timedelta(days=90),
            "authority": True})

    def opportunity(self, name: str, moment: datetime, value: str, close_by: date) -> None:
        self.when(moment - timedelta(hours=1)).log_activity(self.cards[name], "call", "Intro call")
        self.when(moment).promote(self.cards[name], {
            "requirements": "SSO", "supplier": "none", "value": value, "close_by": close_by,
            "terms": "Net 30", "decision_maker": "Ada"})

    def win(self, name: str, moment: datetime) -> None:
        self.when(moment).promote(self.cards[name], {"contract_signed_on": moment.date(),
                                                     "payment_terms": "Net 30"})

    def demote(self, name: str, moment: datetime) -> None:
        self.when(moment).demote(self.cards[name], "Not ready after all")

    def lose(self, name: str, moment: datetime, reason: str) -> None:
        self.when(moment).lose(self.cards[name], reason)

    def reopen(self, name: str, moment: datetime) -> None:
        self.when(moment).reopen(self.cards[name])


def build(pipeline: Pipeline) -> Story:
    s = Story(pipeline)
    s.contact("I", at(2, 1))
    s.lead("I", at(2, 2))
    s.opportunity("I", at(2, 3), "4000", date(2026, 3, 1))
    s.contact("L", at(2, 10))
    s.lead("L", at(2, 11))
    s.opportunity("L", at(2, 12), "8000", date(2026, 3, 31))
    s.contact("E", at(2, 20))
    s.lead("E", at(2, 25), budget="3000")
    s.contact("K", at(3, 1, 12))
    s.lead("K", at(3, 2))
    s.contact("A", at(3, 2))
    s.contact("B", at(3, 3), owner="bob")
    s.opportunity("K", at(3, 3), "7000", date(2026, 4, 30))
    s.contact("C", at(3, 4), owner="bob")
    s.contact("D", at(3, 5))
    s.lead("A", at(3, 5))
    s.lead("B", at(3, 6))
    s.lead("D", at(3, 6))
    s.when(at(3, 6, 10, 5)).undo()
    s.lead("C", at(3, 7))
    s.demote("B", at(3, 8))
    s.lead("B", at(3, 9))
    s.opportunity("A", at(3, 10), "10000", date(2026, 3, 20))
    s.contact("J", at(3, 10))
    s.lead("J", at(3, 11))
    s.lose("E", at(3, 11), "No budget")
    s.opportunity("C", at(3, 12), "20000", date(2026, 3, 25))
    s.demote("J", at(3, 13))
    s.lose("C", at(3, 15), "Chose a competitor")
    s.lose("K", at(3, 16), "Chose a competitor")
    s.reopen("C", at(3, 18))
    s.win("A", at(3, 20))
    s.win("C", at(3, 24))
    s.lose("I", at(3, 25), "No budget")
    s.contact("F", at(3, 31, 4))
    s.contact("G", at(4, 1, 4, 30))
    s.contact("H", at(4, 1, 5, 30))
    s.contact("M", at(4, 2))
    s.lead("M", at(4, 2, 11))
    s.opportunity("M", at(4, 3), "5000", date(2026, 5, 15))
    s.when(at(4, 10))
    return s


@pytest.fixture
def story(pipeline: Pipeline) -> Story:
    return build(pipeline)


@pytest.fixture
def reports(story: Story) -> Reports:
    return story.p.reports(ZONE)


def _funnel_row(reports: Reports, stage: Stage, owner: str | None = None) -> tuple[Any, ...]:
    row = next(s for s in reports.funnel(MARCH, owner).stages if s.stage is stage)
    return (row.entered, row.advanced, row.lost, row.moved_back, row.still_there, row.conversion)


def test_the_funnel_counts_each_card_once_per_stage_it_entered(reports: Reports) -> None:
    # contacts entered in March: K A B C D J F G (H is April local; E I L February)
    assert _funnel_row(reports, Stage.CONTACT) == (8, 5, 0, 0, 3, Decimal("0.6250"))
    # leads: K A B C J; B's demote and second promotion count once; D's undone promotion not at all
    assert _funnel_row(reports, Stage.LEAD) == (5, 3, 0, 1, 1, Decimal("0.6000"))
    # opportunities: K A C; C was lost and reopened, then won: it went on, once
    assert _funnel_row(reports, Stage.OPPORTUNITY) == (3, 2, 1, 0, 0, Decimal("0.6667"))
    assert _funnel_row(reports, Stage.ACCOUNT) == (2, 0, 0, 0, 2, None)
    funnel = reports.funnel(MARCH)
    assert (funnel.contacts_won, funnel.contact_to_account) == (2, Decimal("0.2500"))


def test_the_funnel_for_one_owner_counts_the_cards_they_own_now(reports: Reports) -> None:
    assert _funnel_row(reports, Stage.CONTACT, "bob") == (2, 2, 0, 0, 0, Decimal("1.0000"))
    assert _funnel_row(reports, Stage.LEAD, "bob") == (2, 1, 0, 0, 1, Decimal("0.5000"))


def test_win_rate_counts_each_closed_opportunity_once_by_its_last_close(reports: Reports) -> None:
    wins = reports.win_rate(MARCH)
    # won A, C (lost on the 15th, reopened, won on the 24th); lost K and I
    assert (wins.won, wins.lost, wins.rate, wins.won_value) == (2, 2, Decimal("0.5000"), Decimal("30000.00"))
    assert [(o.owner, o.won, o.lost, o.rate) for o in wins.owners] == [
        ("alice", 1, 2, Decimal("0.3333")), ("bob", 1, 0, Decimal("1.0000"))]
    bob = reports.win_rate(MARCH, "bob")
    assert (bob.won, bob.lost, bob.rate) == (1, 0, Decimal("1.0000"))


def test_a_period_with_no_closed_cards_has_no_win_rate_rather_than_zero(reports: Reports) -> None:
    january = reports.win_rate(Period(date(2026, 1, 1), date(2026, 1, 31)))
    assert (january.won, january.lost, january.rate, january.owners) == (0, 0, None, [])
    velocity = reports.velocity(Period(date(2026, 1, 1), date(2026, 1, 31)))
    assert (velocity.win_rate, velocity.per_day) == (None, None)


def test_time_in_stage_gives_mean_and_median_of_the_stays_that_ended(reports: Reports) -> None:
    times = {row.stage: row for row in reports.time_in_stage(MARCH).stages}
    lead = times[Stage.LEAD]
    # stays that ended in March: K 1, A 5, B 2, C 5, J 2, E 14 days; D's undone one never was
    assert (lead.left, lead.mean_days, lead.median_days) == (6, Decimal("4.83"), Decimal("3.50"))
    # still a lead at the end of March: B, since Mar 9 10:00 to Apr 1 05:00 UTC
    assert (lead.still_there, lead.mean_days_so_far) == (1, Decimal("22.79"))
    opportunity = times[Stage.OPPORTUNITY]
    # K 13, A 10, C 3 then 6 (after the reopen), I 50 days
    assert (opportunity.left, opportunity.mean_days, opportunity.median_days) == (
        5, Decimal("16.40"), Decimal("10.00"))


def test_the_sales_cycle_runs_from_the_first_contact_and_lead_to_the_win(reports: Reports) -> None:
    cycle = reports.time_in_stage(MARCH)
    # A 18 days from contact, 15 from lead; C 20 and 17
    assert (cycle.from_contact.wins, cycle.from_contact.mean_days) == (2, Decimal("19.00"))
    assert (cycle.from_lead.wins, cycle.from_lead.mean_days) == (2, Decimal("16.00"))


def test_velocity_shows_its_four_inputs(reports: Reports) -> None:
    velocity = reports.velocity(MARCH)
    # open at the end of March: L only; 1 x 15,000 x 0.5 / 19 days
    assert (velocity.open_opportunities, velocity.average_won_value, velocity.win_rate,
            velocity.cycle_days, velocity.per_day) == (
        1, Decimal("15000.00"), Decimal("0.5000"), Decimal("19.00"), Decimal("394.74"))


def test_the_forecast_groups_open_opportunities_by_close_month_and_calls_out_overdue(reports: Reports) -> None:
    forecast = reports.forecast()
    assert [(m.month, m.cards, m.value, m.weighted) for m in forecast.months] == [
        ("2026-03", 1, Decimal("8000.00"), Decimal("4000.00")),
        ("2026-05", 1, Decimal("5000.00"), Decimal("2500.00")),
    ]
    assert (forecast.overdue_cards, forecast.overdue_value) == (1, Decimal("8000.00"))
    assert (forecast.total_value, forecast.total_weighted) == (Decimal("13000.00"), Decimal("6500.00"))


def test_lost_reasons_count_each_loss_with_the_cards_value(reports: Reports) -> None:
    lost = reports.lost(MARCH)
    assert (lost.times, lost.value) == (4, Decimal("34000.00"))
    # C's loss counts though it was reopened: it was lost that day, for that reason
    assert [(g.name, g.times, g.value) for g in lost.reasons] == [
        ("Chose a competitor", 2, Decimal("27000.00")), ("No budget", 2, Decimal("7000.00"))]
    assert [(g.name, g.times, g.value) for g in lost.stages] == [
        ("opportunity", 3, Decimal("31000.00")), ("lead", 1, Decimal("3000.00"))]


def test_activity_counts_done_activities_per_week_kind_and_owner(reports: Reports) -> None:
    activity = reports.activity(MARCH)
    # calls before each opportunity: K Mar 3, A Mar 10, C Mar 12 (09:00 UTC); March 1 is a Sunday,
    # a week of its own, then weeks from Mondays
    assert [(w.starts, w.total) for w in activity.weeks] == [
        (date(2026, 3, 1), 0), (date(2026, 3, 2), 1), (date(2026, 3, 9), 2), (date(2026, 3, 16), 0),
        (date(2026, 3, 23), 0), (date(2026, 3, 30), 0)]
    assert activity.kinds == {"call": 3}
    assert activity.owners == {"alice": {"call": 2}, "bob": {"call": 1}}


def test_activity_counts_each_activity_under_its_cards_owner_now(story: Story) -> None:
    """A reassign moves a card's activities to its new owner, a deleted card's leave the report
    (an undo brings them back), and a merge counts the merged card's under the kept card's owner."""
    cards, reports = story.cards, story.p.reports(ZONE)

    def owners() -> dict[str, dict[str, int]]:
        return reports.activity(MARCH).owners

    story.when(at(4, 10)).reassign(cards["A"], "bob")  # A's call of Mar 10
    assert owners() == {"alice": {"call": 1}, "bob": {"call": 2}}
    assert reports.activity(MARCH, "bob").kinds == {"call": 2}
    story.when(at(4, 10, 1)).delete(cards["K"])  # K's call of Mar 3
    assert owners() == {"bob": {"call": 2}}
    assert [w.total for w in reports.activity(MARCH).weeks] == [0, 0, 2, 0, 0, 0]
    story.when(at(4, 10, 2)).undo()
    assert owners() == {"alice": {"call": 1}, "bob": {"call": 2}}
    story.when(at(4, 10, 3)).merge(cards["D"], cards["C"])  # D is alice's; C's call of Mar 12 was bob's
    assert owners() == {"alice": {"call": 2}, "bob": {"call": 1}}
    assert reports.activity(MARCH, "alice").kinds == {"call": 2}
    story.when(at(4, 10, 4)).undo()
    assert owners() == {"alice": {"call": 1}, "bob": {"call": 2}}


def test_stale_cards_are_counted_per_stage(reports: Reports) -> None:
    # on Apr 10: contacts D (Mar 5), J (created Mar 10, no activity) are under 60 days: none stale;
    # lead B (created Mar 3, no activity) is past 21 days; opportunity L (call Feb 12) past 14
    stale = reports.activity(MARCH).stale
    assert (stale[Stage.CONTACT], stale[Stage.LEAD], stale[Stage.OPPORTUNITY]) == (0, 1, 1)


def test_the_pipeline_as_of_a_day_replays_the_history(reports: Reports) -> None:
    snapshot = reports.snapshot(date(2026, 3, 14))
    counts = {row.stage: row.cards for row in snapshot.stages}
    # D, J contacts; B a lead; A C I K L opportunities; E lost
    assert counts == {Stage.CONTACT: 2, Stage.LEAD: 1, Stage.OPPORTUNITY: 5, Stage.ACCOUNT: 0, Stage.LOST: 1}
    # the journal began when this database was made, after the story's days: today's values stand in
    assert (snapshot.values_from_journal, snapshot.values_current) == (0, 9)


def journal_began(moment: datetime) -> None:
    """The database's change journal as if it had been recording since ``moment``."""
    from leadboard.store.migrations import AppliedStep

    AppliedStep.update(applied_at=moment).where(AppliedStep.name == "change-journal").execute()


def _values(snapshot: Any) -> dict[Stage, Decimal]:
    return {row.stage: row.value for row in snapshot.stages}


def test_the_pipeline_as_of_a_day_is_valued_as_the_journal_knew_it(story: Story, reports: Reports) -> None:
    journal_began(at(1, 1))
    story.when(at(3, 13, 12)).edit(story.cards["L"], {"value": "9000"})  # before the 14th
    story.when(at(4, 10)).edit(story.cards["C"], {"value": "25000"})  # after it (C is an account now)
    story.when(at(4, 10, 1)).edit(story.cards["B"], {"budget": "1500"})  # after it (B is a lead)
    march_14 = reports.snapshot(date(2026, 3, 14))
    # opportunities then: A 10,000, C 20,000 (25,000 now), I 4,000, K 7,000, L 9,000 (edited before)
    assert _values(march_14)[Stage.OPPORTUNITY] == Decimal("50000.00")
    assert _values(march_14)[Stage.LEAD] == Decimal("1000.00")  # B's budget then
    assert (march_14.values_from_journal, march_14.values_current) == (9, 0)
    # the end of Mar 12: L was still worth 8,000
    assert _values(reports.snapshot(date(2026, 3, 12)))[Stage.OPPORTUNITY] == Decimal("49000.00")
    # now: C's new value is an account's
    today = reports.snapshot(date(2026, 4, 10))
    assert _values(today)[Stage.ACCOUNT] == Decimal("35000.00") and _values(today)[Stage.LEAD] == Decimal("1500.00")
    # the board as of the 14th shows each card at its value then
    from leadboard.service.past import PastPipeline

    past = PastPipeline(story.p, date(2026, 3, 14), ZONE)
    worth = {card.name: card.amount for card in past.column_page(Stage.OPPORTUNITY, 0, 50)}
    assert worth == {"A": Decimal("10000.00"), "C": Decimal("20000.00"), "I": Decimal("4000.00"),
                     "K": Decimal("7000.00"), "L": Decimal("9000.00")}
    assert past.stats()[Stage.OPPORTUNITY].amount == Decimal("50000.00")
    assert [card.amount for card in past.column_page(Stage.LEAD, 0, 50)] == [Decimal("1000.00")]


def test_a_day_before_the_journal_began_is_valued_at_todays_values(story: Story, reports: Reports) -> None:
    story.when(at(4, 10)).edit(story.cards["C"], {"value": "25000"})
    journal_began(at(3, 20))
    march_14 = reports.snapshot(date(2026, 3, 14))
    assert _values(march_14)[Stage.OPPORTUNITY] == Decimal("54000.00")  # A I K L then, C at 25,000: its value now
    assert (march_14.values_from_journal, march_14.values_current) == (0, 9)
    from leadboard.service.reports import values_said

    assert values_said(march_14) == "values are today's: the change journal began after that day"


def test_the_waterfall_between_two_days(reports: Reports) -> None:
    waterfall = reports.snapshot(date(2026, 3, 31), since=date(2026, 3, 12)).waterfall
    assert waterfall is not None
    # open at the end of Mar 12: A B C D I J K L; then F G new, J back, A C won, I K lost
    assert (waterfall.at_start, waterfall.new, waterfall.moved_on, waterfall.moved_back, waterfall.won,
            waterfall.lost, waterfall.reopened, waterfall.at_end) == (8, 2, 0, 1, 2, 2, 0, 8)


def test_named_periods_end_at_today() -> None:
    today = date(2026, 5, 17)
    assert period("this-month", today) == Period(date(2026, 5, 1), today, "this-month")
    assert period("last-month", today) == Period(date(2026, 4, 1), date(2026, 4, 30), "last-month")
    assert period("this-quarter", today) == Period(date(2026, 4, 1), today, "this-quarter")
    assert period("last-90-days", today) == Period(date(2026, 2, 17), today, "last-90-days")


def test_visits_rebuilt_from_the_history_give_the_same_reports(story: Story, reports: Reports) -> None:
    from leadboard.store import visits
    from leadboard.store.db import in_transaction

    before = (reports.funnel(MARCH), reports.time_in_stage(MARCH), reports.snapshot(date(2026, 3, 14)))
    in_transaction(lambda: visits.rebuild(story.cards.values()))
    assert (reports.funnel(MARCH), reports.time_in_stage(MARCH), reports.snapshot(date(2026, 3, 14))) == before


def test_the_board_as_of_a_day_shows_every_card_where_it_was_and_refuses_writes(story: Story) -> None:
    from leadboard.domain.errors import MoveNotAllowed
    from leadboard.domain.filter import CardFilter
    from leadboard.service.past import PastPipeline

    past = PastPipeline(story.p, date(2026, 3, 14), ZONE)
    names = {stage: sorted(card.name for card in past.column_page(stage, 0, 50)) for stage in Stage}
    assert names == {Stage.CONTACT: ["D", "J"], Stage.LEAD: ["B"], Stage.OPPORTUNITY: ["A", "C", "I", "K", "L"],
                     Stage.ACCOUNT: [], Stage.LOST: ["E"]}
    assert all(card.stage is Stage.OPPORTUNITY for card in past.column_page(Stage.OPPORTUNITY, 0, 50))
    assert {stage: s.cards for stage, s in past.stats().items()} == {stage: len(n) for stage, n in names.items()}
    assert [c.name for c in past.column_page(Stage.OPPORTUNITY, 0, 50, CardFilter(owner="bob"))] == ["C"]
    bobs = past.stats(CardFilter(owner="bob"))
    assert {stage: s.cards for stage, s in bobs.items() if s.cards} == {Stage.LEAD: 1, Stage.OPPORTUNITY: 1}
    assert bobs[Stage.OPPORTUNITY].amount == Decimal("20000.00")  # C's value now
    with pytest.raises(MoveNotAllowed, match="as of 2026-03-14: it is read-only"):
        past.promote(story.cards["B"])
    assert story.p.card(story.cards["B"]).stage is Stage.LEAD


def test_the_board_as_of_a_day_is_worth_what_its_cards_are_worth_now_after_later_changes(story: Story) -> None:
    """Before the journal knew the values, the board as of a day counts each card where it was at
    today's value and owner: a value changed after the day, a card handed to bob, a move undone,
    a card deleted (and one deleted and brought back) all show in its totals, which equal its
    columns' cards."""
    from leadboard.domain.filter import CardFilter
    from leadboard.service.past import PastPipeline

    cards = story.cards
    story.when(at(4, 10)).edit(cards["L"], {"value": "8500"})  # 8,000 on the 14th
    story.when(at(4, 10, 1)).reassign(cards["K"], "bob")
    story.when(at(4, 10, 2)).lose(cards["L"], "No budget")
    story.when(at(4, 10, 3)).undo()  # L never lost
    story.when(at(4, 10, 4)).delete(cards["I"])
    story.when(at(4, 10, 5)).delete(cards["D"])
    story.when(at(4, 10, 6)).undo()  # D back
    past = PastPipeline(story.p, date(2026, 3, 14), ZONE)
    stats = past.stats()
    # opportunities then: A 10,000, C 20,000, K 7,000, L 8,500 now; I deleted
    assert (stats[Stage.OPPORTUNITY].cards, stats[Stage.OPPORTUNITY].amount) == (4, Decimal("45500.00"))
    assert (stats[Stage.CONTACT].cards, stats[Stage.LEAD].cards, stats[Stage.LOST].cards) == (2, 1, 1)
    for stage in Stage:
        column = past.column_page(stage, 0, 50)
        assert (stats[stage].cards, stats[stage].amount) == (len(column), sum((c.amount for c in column), Decimal(0)))
    bobs = past.stats(CardFilter(owner="bob"))
    # bob owns B (a lead then), and C and K (opportunities then) now
    assert (bobs[Stage.OPPORTUNITY].cards, bobs[Stage.OPPORTUNITY].amount) == (2, Decimal("27000.00"))
    assert (bobs[Stage.LEAD].cards, bobs[Stage.LEAD].amount) == (1, Decimal("1000.00"))
    alices = past.stats(CardFilter(owner="alice"))
    assert (alices[Stage.OPPORTUNITY].cards, alices[Stage.OPPORTUNITY].amount) == (2, Decimal("18500.00"))


def test_an_imported_card_enters_its_stage_on_the_date_the_file_gave(pipeline: Pipeline, tmp_path) -> None:
    from tests.service.import_helpers import run_import, write_csv

    soon = (date.today() + timedelta(days=60)).isoformat()
    path = write_csv(tmp_path / "crm.csv", ["Name", "E-mail", "Stage", "Need", "Budget", "Purchase By", "created_at"],
                     [["Ada", "ada@example.com", "Lead", "Tracking", "2000", soon, "2026-01-15 10:00:00"],
                      ["Grace", "grace@example.com", "", "", "", "", ""]])
    run_import(pipeline, path)
    reports = pipeline.reports(ZONE)
    january = reports.funnel(Period(date(2026, 1, 1), date(2026, 1, 31)))
    assert [(s.stage, s.entered) for s in january.stages if s.entered] == [(Stage.LEAD, 1)]
    today = reports.funnel(Period(date.today() - timedelta(days=1), date.today() + timedelta(days=1)))
    assert [(s.stage, s.entered) for s in today.stages if s.entered] == [(Stage.CONTACT, 1)]


def test_the_visits_of_an_imported_contacts_file_are_what_a_replay_of_its_history_gives(
        pipeline: Pipeline, tmp_path) -> None:
    from leadboard.store import visits
    from leadboard.store.db import in_transaction
    from leadboard.store.models import StageVisit
    from tests.service.import_helpers import run_import, write_csv

    path = write_csv(tmp_path / "contacts.csv", ["Name", "E-mail", "Owner", "Budget", "created_at"],
                     [["Ada", "ada@example.com", "alice", "2000", "2026-01-15 10:00:00"],
                      ["Grace", "grace@example.com", "bob", "", ""],
                      ["Alan", "", "", "500", "2025-11-02"]])
    run_import(pipeline, path)

    def stays() -> list[tuple[object, ...]]:
        return sorted(tuple(row[1:]) for row in StageVisit.select().tuples())

    imported = stays()
    assert [(stage, entered_at.date() if hasattr(entered_at, "date") else str(entered_at)[:10], left_at, owner)
            for _card, stage, _from, entered_at, left_at, _to, _by, owner, _amount in imported] == [
        ("contact", date(2026, 1, 15), None, "alice"), ("contact", date.today(), None, "bob"),
        ("contact", date(2025, 11, 2), None, "alice")]  # a blank owner is the one importing
    card_ids = [row[0] for row in imported]
    in_transaction(lambda: visits.rebuild(card_ids))
    assert stays() == imported
