"""The screens the README shows and the snapshot tests compare, built one way for both.

Each ``Scene`` opens the real app on the same demo database (seeded demo cards plus one card
walked from contact to opportunity) under a fixed clock, presses keys, and is shot as SVG.
``screenshots/make_screenshots.py`` writes the shots beside itself; ``tests/tui/test_snapshots.py``
compares them with the ones stored under ``tests/tui/snapshots/``. Nothing in a shot depends on
the day it is taken, the machine's time zone or how fast the machine is.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from leadboard.service import Pipeline
from leadboard.service.demo import fill
from leadboard.service.setup import close, open_pipeline
from leadboard.tui.app import LeadboardApp
from leadboard.tui.board import BoardScreen

#: the moment every scene is shot at (naive UTC, as the database stores times)
NOW = datetime(2026, 3, 2, 9, 30)
DEMO_USER = "alice"
DEMO_CARDS = 200


class FixedClock:
    """The pipeline's clock in a scene: it stands still unless a step moves it on."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def today(self) -> date:
        return self.now.date()

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class Demo:
    """What a scene's steps work on: the pipeline and the card whose history tells a story."""

    pipeline: Pipeline
    clock: FixedClock
    walked: int


Steps = Callable[[Pilot[Any], Demo], Awaitable[None]]


@dataclass(frozen=True)
class Scene:
    name: str
    size: tuple[int, int]
    steps: Steps
    #: what the scene shows (the README's alt text, the snapshot test's id)
    about: str


@dataclass(frozen=True)
class Shot:
    svg: str
    #: the same screen as plain text, for a readable diff when a snapshot changes
    text: str


def walk_a_card(pipeline: Pipeline, clock: FixedClock) -> int:
    """A contact taken to an opportunity the way a salesperson would, so its history has a story."""
    card = pipeline.create({"name": "Katherine Johnson", "company": "Langley Aeronautics Ltd",
                            "email": "katherine@langley.example.com", "title": "Head of Research"})
    soon = clock.today() + timedelta(days=45)
    clock.advance(hours=2)
    pipeline.log_activity(card.id, "call", "Intro call: they track orbits in spreadsheets")
    clock.advance(days=1)
    pipeline.promote(card.id, {"need": "Replace spreadsheets for trajectory reviews", "budget": "42000",
                               "purchase_by": soon.isoformat()})  # goes on with the authority warning
    clock.advance(days=2)
    pipeline.edit(card.id, {"title": "Director of Research"})  # promoted since the first call
    clock.advance(days=4, hours=3)
    pipeline.log_activity(card.id, "meeting", "Demo with the review board; asked for SSO")
    clock.advance(hours=1)
    pipeline.promote(card.id, {"requirements": "SSO, audit log", "supplier": "dropped", "value": "48000",
                               "close_by": soon.isoformat(), "terms": "Annual licence, net 30",
                               "decision_maker": "Dorothy Vaughan"})
    return card.id


def demo(database: Path) -> Demo:
    """The demo database every scene starts from, its clock set back to ``NOW`` when done."""
    opened = open_pipeline(database, DEMO_USER)
    clock = FixedClock(NOW - timedelta(days=8))
    pipeline = Pipeline(opened.rules, opened.user, clock=clock, today=clock.today)
    fill(pipeline, DEMO_CARDS, plan_around=NOW)
    walked = walk_a_card(pipeline, clock)
    clock.now = NOW
    return Demo(pipeline, clock, walked)


# ---- the scenes ---------------------------------------------------------------------------------

async def board_with_a_lead_focused(pilot: Pilot[Any], demo: Demo) -> None:
    await pilot.press("l", "j", "j")  # a lead, two cards down


async def blocked_promote(pilot: Pilot[Any], demo: Demo) -> None:
    await pilot.press("p")  # the first contact has no need, budget or date yet
    await pilot.pause()
    await pilot.press(*"Payroll for 40 staff")


async def card_detail(pilot: Pilot[Any], demo: Demo) -> None:
    board = pilot.app.screen
    assert isinstance(board, BoardScreen)
    board.focus_card(demo.walked)
    await pilot.press("enter")


async def lost_view(pilot: Pilot[Any], demo: Demo) -> None:
    await pilot.press("L", "j")


async def help_screen(pilot: Pilot[Any], demo: Demo) -> None:
    await pilot.press("question_mark")


async def reports_funnel(pilot: Pilot[Any], demo: Demo) -> None:
    await pilot.press("R", "o", "p", "p", "p")  # everyone's cards, the last 90 days


async def reports_forecast(pilot: Pilot[Any], demo: Demo) -> None:
    await pilot.press("R", "o", "p", "p", "p", "right", "right", "right", "right")


SCENES: tuple[Scene, ...] = (
    Scene("board-120x35", (120, 35), board_with_a_lead_focused, "The board"),
    Scene("board-80x24", (80, 24), board_with_a_lead_focused, "The board in an 80x24 terminal"),
    Scene("blocked-promote", (120, 35), blocked_promote, "A blocked promote asks for what the gate needs"),
    Scene("card-detail", (120, 35), card_detail, "A card's fields, history and activities"),
    Scene("lost-view", (120, 35), lost_view, "Lost cards, with where and why they were lost"),
    Scene("help", (120, 56), help_screen, "Every key"),
    Scene("reports-funnel", (120, 35), reports_funnel, "The funnel of the last 90 days"),
    Scene("reports-80x24", (80, 24), reports_funnel, "The funnel in an 80x24 terminal"),
    Scene("reports-forecast", (80, 24), reports_forecast, "The forecast by expected close month"),
)


# ---- shooting -----------------------------------------------------------------------------------

@contextmanager
def times_shown_in_utc() -> Iterator[None]:
    """The board shows times in the viewer's zone; a shot must not depend on the machine's."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def screen_text(app: App[Any]) -> str:
    """What the terminal shows now, as plain text (the way ``export_screenshot`` composes it)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


def still(app: App[Any]) -> None:
    """Stop what moves by itself: a text cursor's blink would make two shots of one screen differ."""
    for field in app.screen.query(Input):
        field.cursor_blink = False


async def settled(pilot: Pilot[Any], seconds: float = 5.0) -> str:
    """The screen's text once it has stopped changing. Under load the footer and the columns are
    drawn a few frames after the first pause; a fixed pause would read a half-drawn screen."""
    text = screen_text(pilot.app)
    steady = 0
    for _ in range(int(seconds / 0.05)):
        await pilot.pause(0.05)
        now = screen_text(pilot.app)
        steady = steady + 1 if now == text else 0
        if steady == 3:
            break
        text = now
    return text


async def shoot(scene: Scene, folder: Path) -> Shot:
    """``scene`` shot on a fresh demo database in ``folder``."""
    with times_shown_in_utc():
        staged = demo(folder / f"{scene.name}.db")
        try:
            app = LeadboardApp(staged.pipeline, offer_demo=False, poll_interval=None)
            async with app.run_test(size=scene.size) as pilot:
                await pilot.pause()
                await scene.steps(pilot, staged)
                await pilot.pause()
                still(app)
                text = await settled(pilot)
                return Shot(app.export_screenshot(), text)
        finally:
            close()
