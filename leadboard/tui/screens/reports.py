"""The Reports screen: each report as bars and sparklines with its numbers beside them, for a
period and an owner switched by key. The figures come from the service's reports (aggregate
queries), read in a worker thread so the screen never waits on the database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from leadboard.domain.stages import PIPELINE, Stage
from leadboard.service import Pipeline
from leadboard.service.report_tables import NO_DATA, days, percent
from leadboard.service.reports import (
    PERIODS,
    ActivityReport,
    Forecast,
    Funnel,
    Lost,
    Period,
    Snapshot,
    TimeInStage,
    Velocity,
    WinRate,
    month_name,
    period,
    values_said,
)
from leadboard.tui.actions import BoardAction, Where, actions_of, bindings
from leadboard.tui.charts import bar, sparkline, stacked
from leadboard.tui.reader import Reader
from leadboard.tui.text import compact_money, money, plain

VIEWS = ("Funnel", "Win rate", "Time", "Velocity", "Forecast", "Lost", "Activity", "As of")
PERIOD_NAMES = {"this-month": "this month", "last-month": "last month", "this-quarter": "this quarter",
                "last-90-days": "last 90 days"}
STAGE_STYLE = {Stage.CONTACT: "cyan", Stage.LEAD: "blue", Stage.OPPORTUNITY: "magenta",
               Stage.ACCOUNT: "green", Stage.LOST: "red"}


#: the keys that step to the next owner's cards
OWNER_KEYS = frozenset(key.strip() for action in actions_of(Where.REPORTS) if action.action == "next_owner"
                       for key in action.keys.split(","))


class ReportsScreen(Screen[None]):
    ACTIONS: ClassVar[tuple[BoardAction, ...]] = actions_of(Where.REPORTS)
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(ACTIONS))

    def __init__(self, pipeline: Pipeline, reader: Reader) -> None:
        super().__init__()
        self.pipeline = pipeline
        #: the board's reader thread, where the colleagues who own cards are read
        self.reader = reader
        self._owners_read = asyncio.Event()
        self.reports = pipeline.reports()
        self.view = 0
        self.period_name = PERIODS[0]
        #: whose cards: mine first, then everyone's (None), then each colleague's
        self.owners: list[str | None] = [pipeline.user, None]
        self.whose = 0
        self.title_line = Static(id="reports-title")
        self.tabs = Static(id="reports-tabs")
        self.body = Static(id="reports-body")

    def compose(self) -> ComposeResult:
        yield self.title_line
        yield self.tabs
        scroll = VerticalScroll(id="reports-scroll")
        scroll.can_focus = False  # its arrow keys would take the screen's; the mouse still scrolls
        with scroll:
            yield self.body
        yield Footer()

    def on_mount(self) -> None:
        self.show()
        self._read_owners()

    @work(group="owners")
    async def _read_owners(self) -> None:
        colleagues = await self.reader.run(self.pipeline.owners)
        self.owners += [owner for owner in colleagues if owner != self.pipeline.user]
        self._owners_read.set()

    def key_waits_for(self, key: str) -> Awaitable[object] | None:
        """The owner key typed before the colleagues are read waits for them (so ``o o o`` reaches
        the first colleague, as it would typed slowly); every other key goes at once."""
        if key in OWNER_KEYS and not self._owners_read.is_set():
            return self._owners_read.wait()
        return None

    @property
    def period(self) -> Period:
        return period(self.period_name, self.reports.today())

    @property
    def owner(self) -> str | None:
        return self.owners[self.whose]

    def show(self) -> None:
        whose = "everyone" if self.owner is None else f"{self.owner}'s cards"
        when = PERIOD_NAMES[self.period_name]
        if VIEWS[self.view] == "Forecast":
            when = "open opportunities now"
        elif VIEWS[self.view] == "As of":
            when = f"as of {self.period.last}"
        if VIEWS[self.view] not in ("Forecast", "As of"):
            when = f"{when} ({self.period.label})"
        self.title_line.update(Text.assemble(("Reports", "bold"), f" · {when} · ", plain(whose)))
        tabs = Text(no_wrap=True, overflow="ellipsis")
        for number, name in enumerate(VIEWS):
            tabs.append(f" {name} ", style="reverse bold" if number == self.view else "")
        self.tabs.update(tabs)
        self.load(self.view, self.period, self.owner)

    @work(thread=True, exclusive=True)
    def load(self, view: int, chosen: Period, owner: str | None) -> None:
        report = _READ[VIEWS[view]](self.reports, chosen, owner)
        self.app.call_from_thread(self._draw, view, report)

    def _draw(self, view: int, report: Any) -> None:
        if view != self.view:
            return  # a later key asked for another view meanwhile
        width = max(self.size.width, 60)
        self.body.update(_DRAW[VIEWS[view]](report, width))

    def action_next_view(self, step: int) -> None:
        self.view = (self.view + step) % len(VIEWS)
        self.show()

    def action_next_period(self) -> None:
        self.period_name = PERIODS[(PERIODS.index(self.period_name) + 1) % len(PERIODS)]
        self.show()

    def action_next_owner(self) -> None:
        self.whose = (self.whose + 1) % len(self.owners)
        self.show()

    def action_back(self) -> None:
        self.dismiss(None)


# ---- reading -----------------------------------------------------------------------------------

def _snapshot(reports: Any, chosen: Period, owner: str | None) -> Snapshot:
    from datetime import timedelta

    return reports.snapshot(chosen.last, owner, since=chosen.first - timedelta(days=1))


_READ: dict[str, Callable[[Any, Period, str | None], Any]] = {
    "Funnel": lambda r, p, o: r.funnel(p, o),
    "Win rate": lambda r, p, o: r.win_rate(p, o),
    "Time": lambda r, p, o: r.time_in_stage(p, o),
    "Velocity": lambda r, p, o: r.velocity(p, o),
    "Forecast": lambda r, p, o: r.forecast(o),
    "Lost": lambda r, p, o: r.lost(p, o),
    "Activity": lambda r, p, o: r.activity(p, o),
    "As of": _snapshot,
}


# ---- drawing -----------------------------------------------------------------------------------

def _grid(*columns: tuple[str, str]) -> Table:
    """A table without borders: (header, justify) per column."""
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    for header, justify in columns:
        table.add_column(header, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    return table


def _bar_width(width: int, numbers: int) -> int:
    """What is left for a bar beside a 13-character name and ``numbers`` columns of figures (with
    room for the scroll bar and padding)."""
    return max(8, width - 20 - numbers)


def _funnel(r: Funnel, width: int) -> RenderableType:
    most = max((s.entered for s in r.stages), default=0)
    table = _grid(("stage", "left"), ("", "left"), ("in", "right"), ("on", "right"), ("lost", "right"),
                  ("back", "right"), ("still", "right"), ("conv.", "right"))
    bar_width = _bar_width(width, 44)
    for s in r.stages:
        table.add_row(Text(s.stage.title, style=STAGE_STYLE[s.stage]),
                      stacked([(s.advanced, "green"), (s.lost, "red"), (s.moved_back, "yellow"),
                               (s.still_there, STAGE_STYLE[s.stage])], most, bar_width),
                      str(s.entered), str(s.advanced), str(s.lost), str(s.moved_back), str(s.still_there),
                      percent(s.conversion) if s.stage.next else "")
    legend = Text.assemble(("█", "green"), " went on  ", ("█", "red"), " lost  ", ("█", "yellow"),
                           " moved back  ", ("█", "blue"), " still there")
    overall = Text.assemble("Contact → account: ", (percent(r.contact_to_account), "bold"),
                            f"  ({r.contacts_won} of {r.stages[0].entered} contacts)")
    return Group(table, Text(""), legend, overall)


def _winrate(r: WinRate, width: int) -> RenderableType:
    bar_width = _bar_width(width, 24)
    table = _grid(("owner", "left"), ("", "left"), ("won", "right"), ("lost", "right"), ("rate", "right"))
    rows = [("all", r.won, r.lost, r.rate)] + [(o.owner or "(nobody)", o.won, o.lost, o.rate) for o in r.owners]
    most = max((won + lost for _, won, lost, _ in rows), default=0)
    for who, won, lost, rate in rows:
        table.add_row(plain(who, "bold" if who == "all" else ""),
                      stacked([(won, "green"), (lost, "red")], most, bar_width),
                      str(won), str(lost), percent(rate))
    headline = Text.assemble("Win rate ", (percent(r.rate), "bold"), f"  ({r.won} won, {r.lost} lost; "
                             f"won value {money(r.won_value) or 0})")
    note = Text("Won ÷ (won + lost from opportunity), each closed card once; owner = the card's owner now.",
                style="dim")
    return Group(headline, Text(""), table, Text(""), note)


def _time(r: TimeInStage, width: int) -> RenderableType:
    bar_width = _bar_width(width, 44)
    most = max((float(s.mean_days or 0) for s in r.stages), default=0)
    table = _grid(("stage", "left"), ("mean days", "left"), ("mean", "right"), ("median", "right"),
                  ("left", "right"), ("still", "right"), ("so far", "right"))
    for s in r.stages:
        table.add_row(Text(s.stage.title, style=STAGE_STYLE[s.stage]),
                      bar(s.mean_days or 0, most, bar_width, STAGE_STYLE[s.stage]),
                      days(s.mean_days), days(s.median_days), str(s.left), str(s.still_there),
                      days(s.mean_days_so_far))
    cycle = Text.assemble("Cycle to account (days): from contact ", (days(r.from_contact.mean_days), "bold"),
                          f" ({r.from_contact.wins} wins), from lead ", (days(r.from_lead.mean_days), "bold"),
                          f" ({r.from_lead.wins})")
    return Group(table, Text(""), cycle)


def _velocity(r: Velocity, width: int) -> RenderableType:
    table = _grid(("", "left"), ("", "right"))
    table.add_row("Open opportunities", str(r.open_opportunities))
    table.add_row("× average won value", money(r.average_won_value) if r.average_won_value is not None else NO_DATA)
    table.add_row("× win rate", percent(r.win_rate))
    table.add_row("÷ cycle (days, contact → account)", days(r.cycle_days))
    table.add_row(Text("= velocity per day", style="bold"),
                  Text(money(r.per_day) if r.per_day is not None else NO_DATA, style="bold green"))
    return Group(table, Text(""), Text("What the pipeline is expected to win per day.", style="dim"))


def _forecast(r: Forecast, width: int) -> RenderableType:
    bar_width = _bar_width(width, 34)
    most = max((m.value for m in r.months), default=0)
    table = _grid(("close by", "left"), ("value (bright: weighted)", "left"), ("cards", "right"),
                  ("value", "right"), ("weighted", "right"))
    this_month = f"{r.today:%Y-%m}"
    for m in r.months:
        overdue = m.month < this_month
        weighted = round(float(m.weighted) / float(most) * bar_width) if most else 0
        whole = round(float(m.value) / float(most) * bar_width) if most else 0
        picture = Text.assemble(("█" * weighted, "red" if overdue else "magenta"),
                                ("░" * max(0, whole - weighted), "red" if overdue else "magenta"))
        picture.append(" " * (bar_width - len(picture)))
        table.add_row(Text(month_name(m.month), style="bold red" if overdue else ""), picture, str(m.cards),
                      compact_money(m.value), compact_money(m.weighted))
    lines: list[RenderableType] = [table, Text("")]
    if r.overdue_cards:
        lines.append(Text(f"⚠ {r.overdue_cards} overdue (close date passed): {money(r.overdue_value)}",
                          style="bold red"))
    if r.undated_cards:
        lines.append(Text(f"{r.undated_cards} with no close date: {money(r.undated_value)}"))
    lines.append(Text(f"Total {money(r.total_value) or 0}, weighted {money(r.total_weighted) or 0} "
                      f"(probability {r.probability:g})"))
    return Group(*lines)


def _lost(r: Lost, width: int) -> RenderableType:
    bar_width = _bar_width(width, 22)
    parts: list[RenderableType] = [Text.assemble("Lost ", (str(r.times), "bold"), f" times, {money(r.value) or 0}")]
    for title, groups in (("reason", r.reasons), ("stage lost from", r.stages)):
        table = _grid((title, "left"), ("", "left"), ("times", "right"), ("value", "right"))
        most = max((g.times for g in groups), default=0)
        for g in groups:
            table.add_row(plain(g.name or "(none)"), bar(g.times, most, bar_width, "red"), str(g.times),
                          compact_money(g.value))
        parts += [Text(""), table]
    return Group(*parts)


def _activity(r: ActivityReport, width: int) -> RenderableType:
    kinds = sorted(r.kinds)
    table = _grid(("kind", "left"), ("per week", "left"), ("done", "right"))
    for kind in kinds:
        table.add_row(kind, sparkline([w.kinds.get(kind, 0) for w in r.weeks]), str(r.kinds[kind]))
    table.add_row(Text("all", style="bold"), sparkline([w.total for w in r.weeks], "green"),
                  str(sum(r.kinds.values())))
    owners = _grid(("owner", "left"), ("", "left"), ("done", "right"))
    totals = {who: sum(k.values()) for who, k in r.owners.items()}
    most = max(totals.values(), default=0)
    for who, total in totals.items():
        owners.add_row(plain(who or "(nobody)"), bar(total, most, _bar_width(width, 20), "cyan"), str(total))
    stale = Text("Stale (no activity in the stage's window): ")
    stale.append("  ".join(f"{stage.title} {count}" for stage, count in r.stale.items()), style="yellow")
    return Group(table, Text(""), owners, Text(""), stale)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _snapshot_view(r: Snapshot, width: int) -> RenderableType:
    bar_width = _bar_width(width, 16)
    most = max((s.cards for s in r.stages), default=0)
    table = _grid(("stage", "left"), (f"at the end of {r.day}", "left"), ("cards", "right"), ("value", "right"))
    for s in r.stages:
        table.add_row(Text(s.stage.title, style=STAGE_STYLE[s.stage]), bar(s.cards, most, bar_width,
                      STAGE_STYLE[s.stage]), str(s.cards), compact_money(s.value))
    parts: list[RenderableType] = [table, Text(_sentence(values_said(r)), style="dim")]
    w = r.waterfall
    if w is not None:
        steps = [("at start", w.at_start, "blue"), ("+ new", w.new, "green"), ("+ reopened", w.reopened, "green"),
                 ("− lost", w.lost, "red"), ("= at end", w.at_end, "blue")]
        moves = [("moved on", w.moved_on), ("moved back", w.moved_back), ("won", w.won)]
        fall = _grid(("", "left"), ("", "left"), ("", "right"))
        fall.show_header = False
        top = max(w.at_start, w.at_end, w.at_start + w.new + w.reopened, 1)
        level = 0
        for name, count, style in steps:
            if name.startswith("="):
                start, level = 0, count
            elif name.startswith("−"):
                level -= count
                start = level
            elif name == "at start":
                start, level = 0, count
            else:
                start = level
                level += count
            cells = round(start / top * bar_width)
            length = round(count / top * bar_width) if count else 0
            picture = Text(" " * cells + "█" * max(length, 1 if count else 0), style=style, no_wrap=True)
            fall.add_row(name, picture, str(count))
        parts += [Text(""), Text(f"Open cards from the end of {w.since}", style="bold"), fall,
                  Text("  ".join(f"{name} {count}" for name, count in moves))]
    return Group(*parts)


_DRAW: dict[str, Callable[[Any, int], RenderableType]] = {
    "Funnel": _funnel, "Win rate": _winrate, "Time": _time, "Velocity": _velocity, "Forecast": _forecast,
    "Lost": _lost, "Activity": _activity, "As of": _snapshot_view,
}

__all__ = ["PIPELINE", "ReportsScreen"]
