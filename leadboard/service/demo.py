"""Realistic demo cards in every stage, each one meeting the gates of the stage it sits in, with a
history over the past twelve months that brought it there (created, promoted after some weeks in
each stage, now and then demoted and promoted again or lost and reopened, and lost or won).

Cards go in by the thousand through the store's bulk insert (one transaction per batch), so a
million-card database for benchmarks takes minutes, not hours.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from itertools import pairwise
from typing import Any

from leadboard.domain.card import FIELD_NAMES, card_amount
from leadboard.domain.planned import Due, PlannedKind, local_today
from leadboard.domain.stages import Move, Stage
from leadboard.service.pipeline import Pipeline
from leadboard.store import cards as card_store
from leadboard.store import planned, visits
from leadboard.store.db import in_transaction
from leadboard.store.models import Activity, History

FIRST = ("Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Edsger",
         "Radia", "Donald", "Hedy", "Tim", "Katherine", "Guido", "Joan", "Bjarne", "Sophie", "Yukihiro",
         "Anita", "Niklaus", "Mary", "John", "Lynn", "Carl", "Ines", "Omar", "Priya", "Mateo", "Chen",
         "Amara", "Lars", "Noor", "Kofi", "Elena", "Tomás", "Aiko", "Rafael", "Zainab")
LAST = ("Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie",
        "Allen", "Dijkstra", "Perlman", "Knuth", "Lamarr", "Berners-Lee", "Johnson", "van Rossum",
        "Clarke", "Stroustrup", "Wilson", "Matsumoto", "Borg", "Wirth", "Keller", "Backus", "Conway",
        "Sagan", "Okafor", "Haddad", "Sharma", "García", "Wei", "Mensah", "Nilsson", "Rahman", "Petrova")
COMPANY_A = ("Northwind", "Blue Harbor", "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne",
             "Cyberdyne", "Hooli", "Vandelay", "Wonka", "Tyrell", "Soylent", "Aperture", "Pied Piper",
             "Massive Dynamic", "Oscorp", "Gringotts", "Monarch", "Atlas", "Juniper", "Copper Kettle")
COMPANY_B = ("Trading", "Logistics", "Foods", "Systems", "Analytics", "Builders", "Clinic",
             "Robotics", "Textiles", "Energy", "Media", "Bakery", "Labs", "Outfitters", "Freight")
SUFFIX = ("Ltd", "GmbH", "Inc.", "LLC", "S.A.", "AB", "Co.")
TITLES = ("CTO", "Head of Sales", "Operations Manager", "Purchasing Lead", "CEO", "IT Director",
          "Office Manager", "CFO", "Founder", "Procurement Officer")
NEEDS = ("Replace spreadsheets for order tracking", "A shared support inbox", "Fleet telematics",
         "Payroll for 40 staff", "Warehouse scanners", "A new booking system", "Cloud backup",
         "Point-of-sale terminals for three shops", "Training for the field team")
REQUIREMENTS = ("SSO, audit log, EU hosting", "Works offline; 30 users", "API access and CSV export",
                "Integrates with their ERP", "24/7 support, 99.9% uptime")
TERMS = ("Annual licence, net 30", "Three-year contract, quarterly billing",
         "Pilot for 3 months, then yearly", "Monthly subscription, cancel anytime")
PAYMENT = ("Net 30", "Net 45", "Quarterly in advance", "Monthly direct debit")
OWNERS = ("alice", "bob", "carol", "dave")
SUMMARIES = ("Intro call, keen on a demo", "Demo went well", "Sent proposal", "Discussed pricing",
             "Met the team on site", "Follow-up email about requirements")
#: where demo cards end up: most contacts never become leads, and about half the opportunities
#: that close are lost (a lost card was lost from a contact, lead or opportunity alike)
STAGE_WEIGHTS = ((Stage.CONTACT, 48), (Stage.LEAD, 18), (Stage.OPPORTUNITY, 9),
                 (Stage.ACCOUNT, 6), (Stage.LOST, 19))
LOST_REASONS = ("No budget", "Chose a competitor", "Went silent", "Bad timing")
NEXT_STEPS = (("call", "Call to confirm the budget"), ("email", "Send the proposal"),
              ("meeting", "Demo for the team"), ("task", "Prepare the quote"),
              ("call", "Check in after the trial"), ("email", "Follow up on the contract"),
              ("meeting", "Site visit"), ("task", "Write up their requirements"))
#: how a demo day is planned, per open card: (share, first day, last day) relative to today;
#: what is left over has no next step
PLAN_SPREAD = ((0.18, -6, -1), (0.17, 0, 0), (0.4, 1, 21))

BATCH = 2_000


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum()) or "x"


def demo_card(
    rng: random.Random, number: int, today: date, owners: tuple[str, ...]
) -> tuple[Stage, dict[str, Any], int]:
    """One card's stage, fields and number of activities."""
    stage = rng.choices([s for s, _ in STAGE_WEIGHTS], [w for _, w in STAGE_WEIGHTS])[0]
    first, last = rng.choice(FIRST), rng.choice(LAST)
    company = f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)} {rng.choice(SUFFIX)}"
    domain = f"{_slug(company.split()[0])}{number % 97}.example.com"
    fields: dict[str, Any] = {name: None for name in FIELD_NAMES}
    fields.update(
        name=f"{first} {last}",
        kind="person",
        company=company,
        title=rng.choice(TITLES),
        email=f"{_slug(first)}.{_slug(last)}{number}@{domain}",
        phone=f"+44 20 {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}" if rng.random() < 0.6 else None,
        owner=rng.choice(owners),
    )
    reached = stage if stage is not Stage.LOST else rng.choice([Stage.CONTACT, Stage.LEAD, Stage.OPPORTUNITY])
    order = [Stage.CONTACT, Stage.LEAD, Stage.OPPORTUNITY, Stage.ACCOUNT]
    level = order.index(reached)
    activities = rng.randrange(0, 2) if level == 0 else rng.randrange(1, 5)
    if level >= 1:
        fields.update(
            need=rng.choice(NEEDS),
            budget=Decimal(rng.randrange(20, 900) * 100),
            purchase_by=today + timedelta(days=rng.randrange(7, 300)),
            authority=rng.random() < 0.7 or None,
        )
    if level >= 2:
        fields.update(
            requirements=rng.choice(REQUIREMENTS),
            supplier=rng.choice(["none", "dropped"]),
            value=Decimal(rng.randrange(20, 1500) * 100),
            close_by=today + timedelta(days=rng.randrange(7, 120)),
            terms=rng.choice(TERMS),
            decision_maker=f"{rng.choice(FIRST)} {rng.choice(LAST)}" if rng.random() < 0.75 else None,
        )
    if level >= 3:
        fields.update(
            contract_signed_on=today - timedelta(days=rng.randrange(1, 400)),
            payment_terms=rng.choice(PAYMENT),
        )
    if stage is Stage.LOST:
        fields["lost_from"] = reached.value
        fields["lost_reason"] = rng.choice(LOST_REASONS)
    return stage, fields, activities


def fill(pipeline: Pipeline, count: int, seed: int = 7,
         progress: Callable[[int, int], None] | None = None,
         plan_around: datetime | None = None) -> dict[Stage, int]:
    """Add ``count`` demo cards; returns how many went into each stage. Open cards get next steps
    spread around the day of ``plan_around`` (default: now): some overdue, some due that day,
    some later, and some cards with none, so the first Today view shows a real day."""
    rng = random.Random(seed)
    story = random.Random(seed + 1)  # the history's own dice, so the cards stay as they were
    now = pipeline._clock()
    today = now.date()  # the pipeline's day, not the machine's: a scene on a fixed clock never ages
    plan_day = local_today(plan_around or now)
    plans_rng = random.Random(seed + 2)  # the next steps' dice: the cards and their history stay
    made = {stage: 0 for stage in Stage}
    done = 0
    for batch in _batches(count):
        rows: list[dict[str, Any]] = []
        paths: list[list[Step]] = []
        tops = {stage: card_store.top_rank(stage) for stage in Stage}
        for _ in range(batch):
            stage, fields, activity_count = demo_card(rng, done + len(rows) + 1, today, OWNERS)
            rng.randrange(0, 200), rng.randrange(0, 1440)  # the old creation time's dice: cards stay as they were
            tops[stage] -= 1.0
            # every row names the same columns: insert_many takes them from the first row only
            lost = {k: fields.pop(k, None) for k in ("lost_from", "lost_reason")}
            path = _path(story, stage, Stage(lost["lost_from"]) if lost["lost_from"] else stage, now)
            created = path[0].at
            warnings = []
            if stage in (Stage.LEAD, Stage.OPPORTUNITY) and fields.get("authority") is None:
                warnings.append("authority")
            if stage is Stage.OPPORTUNITY and fields.get("decision_maker") is None:
                warnings.append("decision_maker")
            active = created + timedelta(days=rng.randrange(0, 60)) if activity_count else None
            active = min(active, now) if active else None
            rows.append(
                fields | lost | {
                    "stage": stage.value, "rank": tops[stage], "version": 1,
                    "created_at": created, "created_by": fields["owner"],
                    "updated_at": created, "updated_by": fields["owner"],
                    "amount": card_amount(fields), "last_activity_at": active,
                    "activity_count": activity_count, "warnings": ",".join(warnings),
                }
            )
            if stage is Stage.ACCOUNT:
                rows[-1]["contract_signed_on"] = path[-1].at.date()
            paths.append(path)
            made[stage] += 1
        in_transaction(partial(_insert, rows, paths, now, rng, plans_rng, plan_day))
        done += batch
        if progress:
            progress(done, count)
    return made


@dataclass(frozen=True)
class Step:
    """One move of a demo card's history."""

    move: Move
    from_stage: Stage | None
    to_stage: Stage
    at: datetime
    reason: str | None = None


#: days a card typically waits before each promotion (low, high), and before being lost
_WAIT = {Stage.CONTACT: (3, 45), Stage.LEAD: (7, 40), Stage.OPPORTUNITY: (10, 60)}
_LOST_AFTER = (5, 60)
DEMOTE_REASONS = ("Budget frozen until next quarter", "Needs to re-qualify: new decision maker")


def _workday(moment: datetime, rng: random.Random, now: datetime) -> datetime:
    """``moment`` moved to a weekday's working hours (never past ``now``)."""
    day = moment.date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    working = datetime.combine(day, time(8 + rng.randrange(0, 9), rng.randrange(0, 60)))
    return min(working, now - timedelta(minutes=1))


def _path(rng: random.Random, stage: Stage, reached: Stage, now: datetime) -> list[Step]:
    """A history that brings a new contact to ``stage`` (through ``reached`` for a lost card) on
    realistic days: created, promoted after a few weeks in each stage, now and then demoted and
    promoted again or lost and reopened, and lost from ``reached`` when it ends lost."""
    order = [Stage.CONTACT, Stage.LEAD, Stage.OPPORTUNITY, Stage.ACCOUNT]
    plan: list[tuple[Move, Stage | None, Stage, float, str | None]] = [(Move.CREATE, None, Stage.CONTACT, 0, None)]
    for before, after in pairwise(order[:order.index(reached) + 1]):
        plan.append((Move.PROMOTE, before, after, rng.uniform(*_WAIT[before]), None))
        if after in (Stage.LEAD, Stage.OPPORTUNITY) and rng.random() < 0.06:
            plan.append((Move.DEMOTE, after, before, rng.uniform(2, 15), rng.choice(DEMOTE_REASONS)))
            plan.append((Move.PROMOTE, before, after, rng.uniform(3, 20), None))
    if stage is Stage.LOST:
        plan.append((Move.LOSE, reached, Stage.LOST, rng.uniform(*_LOST_AFTER), rng.choice(LOST_REASONS)))
    elif stage is not Stage.ACCOUNT and rng.random() < 0.03:
        why = rng.choice(LOST_REASONS)
        plan.append((Move.LOSE, stage, Stage.LOST, rng.uniform(5, 30), why))
        plan.append((Move.REOPEN, Stage.LOST, stage, rng.uniform(5, 30), why))
    # created early enough for its whole story to fit before now, somewhere in the past year
    waited = sum(days for *_, days, _ in plan)
    squeeze = min(1.0, 330 / waited) if waited else 1.0
    created = _workday(now - timedelta(days=waited * squeeze + rng.uniform(0, 365 - waited * squeeze)), rng, now)
    steps: list[Step] = []
    moment = created
    for move, from_stage, to_stage, days, reason in plan:
        if steps:
            moment = _workday(moment + timedelta(days=days * squeeze), rng, now)
            moment = max(moment, steps[-1].at + timedelta(minutes=1))
        steps.append(Step(move, from_stage, to_stage, moment, reason))
    return steps


def _insert(rows: list[dict[str, Any]], paths: list[list[Step]], now: datetime, rng: random.Random,
            plans_rng: random.Random, plan_day: date) -> None:
    ids = card_store.insert_many(rows, now)
    histories: list[dict[str, Any]] = []
    activities: list[dict[str, Any]] = []
    plans: list[dict[str, Any]] = []
    for card_id, row, path in zip(ids, rows, paths, strict=True):
        if row["stage"] in (Stage.CONTACT.value, Stage.LEAD.value, Stage.OPPORTUNITY.value):
            plans.extend(_next_steps(plans_rng, card_id, row["owner"], plan_day, now))
        histories.extend({"card": card_id, "move": step.move.value,
                          "from_stage": step.from_stage.value if step.from_stage else None,
                          "to_stage": step.to_stage.value, "by": row["owner"], "at": step.at,
                          "reason": step.reason, "warnings": ""} for step in path)
        for n in range(row["activity_count"]):
            activities.append({"card": card_id, "kind": rng.choice(["call", "meeting", "email"]),
                               "summary": rng.choice(SUMMARIES), "by": row["owner"],
                               "at": row["last_activity_at"] - timedelta(days=n)})
    for start in range(0, len(histories), 1000):
        History.insert_many(histories[start:start + 1000]).execute()
    for start in range(0, len(activities), 1000):
        Activity.insert_many(activities[start:start + 1000]).execute()
    card_store.activities_follow_owner(ids)
    visits.rebuild(ids)
    planned.insert_many(plans)
    planned.refresh_next_steps(ids)


def _next_steps(rng: random.Random, card_id: int, owner: str, day: date, now: datetime) -> list[dict[str, Any]]:
    """Nothing, or a next step somewhere around ``day`` (sometimes at a time of day)."""
    pick = rng.random()
    for share, first, last in PLAN_SPREAD:
        if pick < share:
            due_day = day + timedelta(days=rng.randint(first, last))
            kind, summary = rng.choice(NEXT_STEPS)
            due = Due(day=due_day)
            if rng.random() < 0.35:  # a meeting or a call at a set time, local
                local_time = datetime.combine(due_day, time(rng.randrange(9, 17), rng.choice((0, 30))))
                due = Due(at=local_time.astimezone().astimezone(UTC).replace(tzinfo=None))
            return [planned.new_row(card_id, PlannedKind(kind), summary, due, owner, owner,
                                    now - timedelta(days=rng.randrange(0, 10)))]
        pick -= share
    return []


def _batches(count: int) -> Iterator[int]:
    while count > 0:
        yield min(BATCH, count)
        count -= BATCH
