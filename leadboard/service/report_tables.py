"""Each report as tables of plain cells: what the command prints (as text or CSV) and the numbers
the Reports screen shows beside its bars. Rates are percentages here (for people); the JSON of
``reports.as_json`` keeps them as fractions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from leadboard.service.reports import (
    ActivityReport,
    Forecast,
    Funnel,
    Lost,
    Snapshot,
    TimeInStage,
    Velocity,
    WinRate,
    values_said,
)

NO_DATA = "no data"


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def percent(rate: Decimal | None) -> str:
    return NO_DATA if rate is None else f"{rate * 100:.1f}%"


def days(value: Decimal | None) -> str:
    return NO_DATA if value is None else f"{value}"


def tables(report: Any) -> list[Table]:
    """The tables of any report."""
    for kind, render in _RENDER.items():
        if isinstance(report, kind):
            return render(report)
    raise TypeError(f"not a report: {report!r}")


def _funnel(r: Funnel) -> list[Table]:
    rows = [(s.stage.title, s.entered, s.advanced, s.lost, s.moved_back, s.still_there,
             percent(s.conversion) if s.stage.next else "") for s in r.stages]
    return [
        Table(f"Funnel, {r.period.label}", ("stage", "entered", "went on", "lost", "moved back", "still there",
                                              "conversion"), rows),
        Table("Overall", ("contacts", "became accounts", "contact to account"),
              [(r.stages[0].entered, r.contacts_won, percent(r.contact_to_account))]),
    ]


def _winrate(r: WinRate) -> list[Table]:
    rows = [(o.owner or "(nobody)", o.won, o.lost, percent(o.rate)) for o in r.owners]
    rows.append(("all", r.won, r.lost, percent(r.rate)))
    return [Table(f"Win rate, {r.period.label} (owner = the card's owner now)",
                  ("owner", "won", "lost", "win rate"), rows)]


def _time(r: TimeInStage) -> list[Table]:
    rows = [(s.stage.title, s.left, days(s.mean_days), days(s.median_days), s.still_there,
             days(s.mean_days_so_far)) for s in r.stages]
    cycles = [("from contact", r.from_contact.wins, days(r.from_contact.mean_days)),
              ("from lead", r.from_lead.wins, days(r.from_lead.mean_days))]
    return [
        Table(f"Time in stage (days), {r.period.label}",
              ("stage", "left", "mean", "median", "still there", "so far"), rows),
        Table("Cycle to account (days)", ("cycle", "wins", "mean"), cycles),
    ]


def _velocity(r: Velocity) -> list[Table]:
    return [Table(f"Sales velocity, {r.period.label}", ("input", "value"), [
        ("open opportunities", r.open_opportunities),
        ("average won value", r.average_won_value if r.average_won_value is not None else NO_DATA),
        ("win rate", percent(r.win_rate)),
        ("cycle (days, contact to account)", days(r.cycle_days)),
        ("velocity (value per day)", r.per_day if r.per_day is not None else NO_DATA),
    ])]


def _forecast(r: Forecast) -> list[Table]:
    rows: list[tuple[Any, ...]] = [
        (m.month, m.cards, m.value, m.weighted, "overdue" if m.month < f"{r.today:%Y-%m}" else "")
        for m in r.months
    ]
    if r.undated_cards:
        rows.append(("no date", r.undated_cards, r.undated_value, "", ""))
    return [
        Table(f"Forecast: open opportunities by expected close (weight {r.probability:g})",
              ("month", "cards", "value", "weighted", ""), rows),
        Table("Totals", ("overdue cards", "overdue value", "value", "weighted"),
              [(r.overdue_cards, r.overdue_value, r.total_value, r.total_weighted)]),
    ]


def _lost(r: Lost) -> list[Table]:
    return [
        Table(f"Lost, {r.period.label}: by reason", ("reason", "times", "value"),
              [(g.name or "(none)", g.times, g.value) for g in r.reasons]),
        Table("By stage lost from", ("stage", "times", "value"),
              [(g.name or "(none)", g.times, g.value) for g in r.stages]),
    ]


def _activity(r: ActivityReport) -> list[Table]:
    kinds = sorted(r.kinds)
    weeks = [(w.starts.isoformat(), *(w.kinds.get(k, 0) for k in kinds), w.total) for w in r.weeks]
    owners = [(who or "(nobody)", *(counts.get(k, 0) for k in kinds), sum(counts.values()))
              for who, counts in r.owners.items()]
    return [
        Table(f"Done activities per week, {r.period.label}", ("week of", *kinds, "total"), weeks),
        Table("Per owner", ("owner", *kinds, "total"), owners),
        Table("Stale cards (no activity within the stage's window)", ("stage", "cards"),
              [(stage.title, count) for stage, count in r.stale.items()]),
    ]


def _snapshot(r: Snapshot) -> list[Table]:
    result = [Table(f"Pipeline at the end of {r.day} ({values_said(r)})", ("stage", "cards", "value"),
                    [(s.stage.title, s.cards, s.value) for s in r.stages])]
    w = r.waterfall
    if w is not None:
        result.append(Table(f"Change from the end of {w.since} (open cards)", ("step", "cards"), [
            ("at start", w.at_start), ("new", w.new), ("moved on", w.moved_on), ("moved back", w.moved_back),
            ("won", w.won), ("lost", w.lost), ("reopened", w.reopened), ("at end", w.at_end),
        ]))
    return result


_RENDER: dict[type, Any] = {
    Funnel: _funnel, WinRate: _winrate, TimeInStage: _time, Velocity: _velocity, Forecast: _forecast,
    Lost: _lost, ActivityReport: _activity, Snapshot: _snapshot,
}
