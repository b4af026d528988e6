"""The reports: funnel, win rate, time in stage, velocity, forecast, lost reasons, activity and
the pipeline as of a day. Each is a few aggregate queries over the stage visits (see
``store/visits.py``); nothing here loads cards.

How the history is counted (the README says the same):
- a card counts once per stage it entered in the period, from its first entry then (a demote and
  a promote again, or a reopen, do not count it twice);
- an undone move counts as never made;
- "per owner" is always the card's current owner;
- a day ends at midnight in the viewer's time zone.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from leadboard.domain.errors import InvalidInput
from leadboard.domain.stages import PIPELINE, Stage
from leadboard.service.report_names import PERIODS
from leadboard.store import reports as queries

if TYPE_CHECKING:  # the rules are read only when a command needs them
    from leadboard.domain.rules import Rules

RATE = Decimal("0.0001")
CENT = Decimal("0.01")
DAY = 86400.0

@dataclass(frozen=True)
class Period:
    """Whole days, ``first`` to ``last`` inclusive, in the viewer's time zone."""

    first: date
    last: date
    name: str = "custom"

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise InvalidInput(f"The period ends ({self.last}) before it starts ({self.first}).", field="--to")

    @property
    def label(self) -> str:
        return f"{self.first.isoformat()} to {self.last.isoformat()}"


def period(name: str, today: date) -> Period:
    """A named period around ``today``: this-month, last-month, this-quarter, last-90-days."""
    if name == "this-month":
        return Period(today.replace(day=1), today, name)
    if name == "last-month":
        last = today.replace(day=1) - timedelta(days=1)
        return Period(last.replace(day=1), last, name)
    if name == "this-quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        return Period(date(today.year, first_month, 1), today, name)
    if name == "last-90-days":
        return Period(today - timedelta(days=89), today, name)
    raise InvalidInput(f"Unknown period {name!r}; use one of {', '.join(PERIODS)}.", field="--period")


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(RATE, ROUND_HALF_UP) if whole else None


def _days(seconds: float, count: int) -> Decimal | None:
    if not count:
        return None
    return (Decimal(repr(seconds)) / Decimal(count) / Decimal(86400)).quantize(CENT, ROUND_HALF_UP)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


# ---- what each report gives ------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStage:
    stage: Stage
    #: cards that entered the stage in the period (each once)
    entered: int
    #: of those: went on to the next stage, were lost, went back, or are still there at its end
    advanced: int
    lost: int
    moved_back: int
    still_there: int
    #: advanced / entered (None for the account stage, or when none entered)
    conversion: Decimal | None


@dataclass(frozen=True)
class Funnel:
    period: Period
    stages: list[FunnelStage]
    #: of the cards that entered the contact stage in the period, how many became accounts
    contacts_won: int
    contact_to_account: Decimal | None


@dataclass(frozen=True)
class OwnerWins:
    owner: str
    won: int
    lost: int
    rate: Decimal | None


@dataclass(frozen=True)
class WinRate:
    period: Period
    won: int
    lost: int
    #: won / (won + lost); None ("no data") when no opportunity closed in the period
    rate: Decimal | None
    won_value: Decimal
    owners: list[OwnerWins]


@dataclass(frozen=True)
class StageTime:
    stage: Stage
    #: visits that ended in the period, and their mean and median length in days
    left: int
    mean_days: Decimal | None
    median_days: Decimal | None
    #: cards in the stage at the period's end (or now), and their mean days there so far
    still_there: int
    mean_days_so_far: Decimal | None


@dataclass(frozen=True)
class Cycle:
    #: wins in the period with a first entry into the start stage, and the mean days from it
    wins: int
    mean_days: Decimal | None


@dataclass(frozen=True)
class TimeInStage:
    period: Period
    stages: list[StageTime]
    from_contact: Cycle
    from_lead: Cycle


@dataclass(frozen=True)
class Velocity:
    period: Period
    open_opportunities: int
    average_won_value: Decimal | None
    win_rate: Decimal | None
    cycle_days: Decimal | None
    #: expected won value per day; None when an input has no data
    per_day: Decimal | None


@dataclass(frozen=True)
class ForecastMonth:
    #: "YYYY-MM"
    month: str
    cards: int
    value: Decimal
    weighted: Decimal


@dataclass(frozen=True)
class Forecast:
    today: date
    probability: float
    months: list[ForecastMonth]
    overdue_cards: int
    overdue_value: Decimal
    undated_cards: int
    undated_value: Decimal
    total_value: Decimal
    total_weighted: Decimal


@dataclass(frozen=True)
class LostGroup:
    name: str
    times: int
    value: Decimal


@dataclass(frozen=True)
class Lost:
    period: Period
    times: int
    value: Decimal
    reasons: list[LostGroup]
    stages: list[LostGroup]


@dataclass(frozen=True)
class ActivityWeek:
    #: the first day of the week (the period's first day for the first one)
    starts: date
    kinds: dict[str, int]
    total: int


@dataclass(frozen=True)
class ActivityReport:
    period: Period
    weeks: list[ActivityWeek]
    kinds: dict[str, int]
    owners: dict[str, dict[str, int]]
    #: open cards with no activity within their stage's stale window, per stage
    stale: dict[Stage, int]


@dataclass(frozen=True)
class StageAt:
    stage: Stage
    cards: int
    #: what the cards were worth then where the change journal knows it, else their value now
    value: Decimal


@dataclass(frozen=True)
class StagesAt:
    """Per stage (its value): the cards at a moment and what they were worth; how many of them
    have their value from the change journal (the rest count at their value now)."""

    stages: dict[str, tuple[int, Decimal]]
    values_from_journal: int
    values_current: int


@dataclass(frozen=True)
class Waterfall:
    since: date
    at_start: int
    new: int
    moved_on: int
    moved_back: int
    won: int
    lost: int
    reopened: int
    at_end: int


@dataclass(frozen=True)
class Snapshot:
    day: date
    stages: list[StageAt]
    #: of the cards on the board that day: how many are valued as they stood then (from the
    #: change journal), and how many at their value now (the journal began after that day, or
    #: the card was imported after it)
    values_from_journal: int
    values_current: int
    waterfall: Waterfall | None = None


# ---- the reports -----------------------------------------------------------------------------


@dataclass
class Reports:
    rules: Rules
    clock: Callable[[], datetime]
    today: Callable[[], date]
    #: the viewer's time zone; None for the system's
    zone: tzinfo | None = field(default=None)

    def midnight(self, day: date) -> datetime:
        """The start of ``day`` in the viewer's time zone, as stored (naive UTC)."""
        local = datetime.combine(day, time())
        aware = local.replace(tzinfo=self.zone) if self.zone is not None else local.astimezone()
        return aware.astimezone(UTC).replace(tzinfo=None)

    def bounds(self, period: Period) -> tuple[datetime, datetime]:
        return self.midnight(period.first), self.midnight(period.last + timedelta(days=1))

    def funnel(self, period: Period, owner: str | None = None) -> Funnel:
        start, end = self.bounds(period)
        stages = []
        contacts_won = 0
        for stage in PIPELINE:
            counts = queries.funnel_stage(stage.value, stage.next.value if stage.next else None,
                                          start, end, owner, count_won=stage is Stage.CONTACT)
            entered = sum(counts[k] for k in ("advanced", "still_there", "lost", "moved_back"))
            if stage is Stage.CONTACT:
                contacts_won = counts["won"]
            stages.append(FunnelStage(stage, entered, counts["advanced"], counts["lost"], counts["moved_back"],
                                      counts["still_there"],
                                      _rate(counts["advanced"], entered) if stage.next else None))
        return Funnel(period, stages, contacts_won, _rate(contacts_won, stages[0].entered))

    def win_rate(self, period: Period, owner: str | None = None) -> WinRate:
        start, end = self.bounds(period)
        per_owner: dict[str, list[int]] = {}
        won_value = Decimal(0)
        for who, stage, count, amount in queries.closes(start, end, owner):
            tally = per_owner.setdefault(who, [0, 0])
            if stage == Stage.ACCOUNT.value:
                tally[0] += count
                won_value += amount
            else:
                tally[1] += count
        won = sum(t[0] for t in per_owner.values())
        lost = sum(t[1] for t in per_owner.values())
        owners = [OwnerWins(who, w, lo, _rate(w, w + lo)) for who, (w, lo) in sorted(per_owner.items())]
        return WinRate(period, won, lost, _rate(won, won + lost), _cents(won_value), owners)

    def time_in_stage(self, period: Period, owner: str | None = None) -> TimeInStage:
        start, end = self.bounds(period)
        now = self.clock()
        stages = []
        for stage in PIPELINE:
            s = queries.stays(stage.value, start, end, now, owner)
            median = s["median_seconds"]
            stages.append(StageTime(
                stage, s["left"], _days(s["left_seconds"], s["left"]),
                _days(median, 1) if median is not None else None,
                s["open"], _days(s["open_seconds"], s["open"]),
            ))
        cycles = queries.cycles(start, end, owner)
        contact, lead = cycles["contact"], cycles["lead"]
        return TimeInStage(period, stages, Cycle(contact[0], _days(contact[1], contact[0])),
                           Cycle(lead[0], _days(lead[1], lead[0])))

    def velocity(self, period: Period, owner: str | None = None) -> Velocity:
        """Open opportunities (at the period's end, or now) × average won value × win rate ÷
        average cycle in days (contact to account, for the wins in the period)."""
        start, end = self.bounds(period)
        wins = self.win_rate(period, owner)
        count, seconds = queries.cycles(start, end, owner, firsts=("contact",))["contact"]
        cycle = Cycle(count, _days(seconds, count))
        open_now = queries.open_opportunities_at(min(end, self.clock()), owner)
        average = _cents(wins.won_value / wins.won) if wins.won else None
        per_day = None
        if average is not None and wins.rate is not None and cycle.mean_days:
            per_day = _cents(Decimal(open_now) * average * wins.rate / cycle.mean_days)
        return Velocity(period, open_now, average, wins.rate, cycle.mean_days, per_day)

    def forecast(self, owner: str | None = None) -> Forecast:
        today = self.today()
        probability = self.rules.probability(Stage.OPPORTUNITY)
        weight = Decimal(str(probability))
        months: dict[str, list[Any]] = {}
        overdue_cards, overdue_value = 0, Decimal(0)
        undated_cards, undated_value = 0, Decimal(0)
        for close_by, count, amount in queries.open_opportunities_by_close(owner):
            if close_by is None:
                undated_cards += count
                undated_value += amount
                continue
            if close_by < today:
                overdue_cards += count
                overdue_value += amount
            month = months.setdefault(f"{close_by.year:04d}-{close_by.month:02d}", [0, Decimal(0)])
            month[0] += count
            month[1] += amount
        rows = [ForecastMonth(m, c, _cents(v), _cents(v * weight)) for m, (c, v) in sorted(months.items())]
        total = sum((r.value for r in rows), Decimal(0)) + undated_value
        return Forecast(today, probability, rows, overdue_cards, _cents(overdue_value), undated_cards,
                        _cents(undated_value), _cents(total), _cents(total * weight))

    def lost(self, period: Period, owner: str | None = None) -> Lost:
        start, end = self.bounds(period)
        reasons: dict[str, list[Any]] = {}
        stages: dict[str, list[Any]] = {}
        for reason, from_stage, count, amount in queries.losses(start, end, owner):
            for groups, key in ((reasons, reason), (stages, from_stage)):
                group = groups.setdefault(key, [0, Decimal(0)])
                group[0] += count
                group[1] += amount

        def ordered(groups: dict[str, list[Any]]) -> list[LostGroup]:
            return [LostGroup(name, n, _cents(v))
                    for name, (n, v) in sorted(groups.items(), key=lambda kv: (-kv[1][0], kv[0]))]

        times = sum(n for n, _ in reasons.values())
        value = sum((v for _, v in reasons.values()), Decimal(0))
        return Lost(period, times, _cents(value), ordered(reasons), ordered(stages))

    def activity(self, period: Period, owner: str | None = None) -> ActivityReport:
        starts = [period.first]
        monday = period.first + timedelta(days=7 - period.first.weekday())
        while monday <= period.last:
            starts.append(monday)
            monday += timedelta(days=7)
        bounds = [self.midnight(day) for day in starts] + [self.midnight(period.last + timedelta(days=1))]
        weeks = [ActivityWeek(day, {}, 0) for day in starts]
        kinds: dict[str, int] = {}
        owners: dict[str, dict[str, int]] = {}
        for week, kind, who, count in queries.activities(bounds, owner):
            weeks[week].kinds[kind] = weeks[week].kinds.get(kind, 0) + count
            kinds[kind] = kinds.get(kind, 0) + count
            owners.setdefault(who, {})
            owners[who][kind] = owners[who].get(kind, 0) + count
        weeks = [ActivityWeek(w.starts, dict(sorted(w.kinds.items())), sum(w.kinds.values())) for w in weeks]
        now = self.clock()
        stale = {}
        for stage in PIPELINE:
            days = self.rules.stale_after_days(stage)
            if days is not None:
                stale[stage] = queries.stale_cards(stage.value, now - timedelta(days=days), owner)
        return ActivityReport(period, weeks, dict(sorted(kinds.items())),
                              {who: dict(sorted(k.items())) for who, k in sorted(owners.items())}, stale)

    def snapshot(self, day: date, owner: str | None = None, since: date | None = None) -> Snapshot:
        """The pipeline at the end of ``day``; with ``since``, what changed from the end of that
        day to the end of ``day`` (a waterfall)."""
        at = self.midnight(day + timedelta(days=1))
        standing = stages_at(at, owner)
        stages = [StageAt(stage, *standing.stages.get(stage.value, (0, Decimal("0.00")))) for stage in Stage]
        waterfall = None
        if since is not None:
            if since > day:
                raise InvalidInput(f"The waterfall starts ({since}) after it ends ({day}).", field="--from")
            open_after = sum(count for stage, (count, _) in standing.stages.items() if stage != Stage.LOST.value)
            waterfall = self._waterfall(since, self.midnight(since + timedelta(days=1)), at, owner, open_after)
        return Snapshot(day, stages, standing.values_from_journal, standing.values_current, waterfall)

    def _waterfall(self, since: date, before: datetime, after: datetime, owner: str | None,
                   open_after: int) -> Waterfall:
        """What changed from ``before`` to ``after``, when ``open_after`` cards were open."""
        tally = {"new": 0, "on": 0, "back": 0, "won": 0, "lost": 0, "reopened": 0}
        order = {stage.value: n for n, stage in enumerate(PIPELINE)}
        lost = Stage.LOST.value
        for first, second, count in queries.stage_pairs(before, after, owner):
            if first == second:
                continue
            if first is None:
                tally["new"] += count if second != lost else 0
            elif second == lost:
                tally["lost"] += count
            elif first == lost:
                tally["reopened"] += count
            elif second == Stage.ACCOUNT.value:
                tally["won"] += count
            elif order[second] > order[first]:
                tally["on"] += count
            else:
                tally["back"] += count

        open_before = sum(count for stage, (count, _) in queries.stages_at(before, owner, amounts=False).items()
                          if stage != lost)
        return Waterfall(since, open_before, tally["new"], tally["on"], tally["back"], tally["won"],
                         tally["lost"], tally["reopened"], open_after)


def stages_at(at: datetime, owner: str | None = None) -> StagesAt:
    """The cards per stage at ``at`` and what they were worth then. The change journal knows a
    card's value at ``at`` when it was already recording (``at`` after the "change-journal" step
    ran) and the card was not imported after ``at``; then the value is read back through the
    journaled edits since. Otherwise the card's value now stands in."""
    counts = queries.stages_at(at, owner)
    cards = sum(count for count, _ in counts.values())
    began = queries.journal_began()
    if began is None or at < began:
        return StagesAt(counts, 0, cards)
    changes = queries.amount_changes_at(at, owner)
    stages = {stage: (count, _cents(amount + changes.get(stage, Decimal(0))))
              for stage, (count, amount) in counts.items()}
    unknown = queries.imported_after(at, owner)
    return StagesAt(stages, cards - unknown, unknown)


def journal_knows(at: datetime) -> bool:
    """Whether the change journal was recording at ``at`` (see ``stages_at``)."""
    began = queries.journal_began()
    return began is not None and at >= began


def values_said(snapshot: Snapshot) -> str:
    """Where a snapshot's values come from, as a sentence."""
    known, current = snapshot.values_from_journal, snapshot.values_current
    if not current:
        return "values as they stood then, from the change journal" if known else "no cards"
    if not known:
        return "values are today's: the change journal began after that day"
    return (f"values known from the journal for {known:,} {'card' if known == 1 else 'cards'}; "
            f"today's values stand in for the other {current:,} (imported after that day)")


def month_name(month: str) -> str:
    """ "2026-03" as "Mar 2026"."""
    year, number = month.split("-")
    return f"{calendar.month_abbr[int(number)]} {year}"


# ---- as data -----------------------------------------------------------------------------------

#: Decimal fields that are fractions or day counts (JSON numbers); every other Decimal is money
#: (a string, as the export writes amounts, so no cent is lost to a float)
_NUMBER_FIELDS = frozenset({"conversion", "contact_to_account", "rate", "win_rate", "mean_days", "median_days",
                            "mean_days_so_far", "cycle_days"})


def as_json(report: Any) -> Any:
    """A report as JSON data: keys are the field names (documented in the README), rates decimal
    fractions, days numbers, money strings with two decimals, dates ISO, no data ``null``."""
    return _json(report, None)


def _json(value: Any, name: str | None) -> Any:
    if isinstance(value, Period):
        return {"from": value.first.isoformat(), "to": value.last.isoformat(), "name": value.name}
    if isinstance(value, Stage):
        return value.value
    if isinstance(value, Decimal):
        return float(value) if name in _NUMBER_FIELDS else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {_json(k, None): _json(v, None) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item, name) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        return {key: _json(getattr(value, key), key) for key in value.__dataclass_fields__}
    return value
