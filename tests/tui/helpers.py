"""Helpers for board tests: the app on a pipeline, reading the screen, making cards."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.pilot import Pilot

from leadboard.service import Pipeline
from leadboard.store.db import sqlite_path
from leadboard.tui import app as app_module
from leadboard.tui.app import LeadboardApp
from leadboard.tui.board import BoardScreen
from leadboard.tui.scenes import screen_text, settled

__all__ = ["APP_SIZE", "QUALIFIED", "as_bob", "board_of", "burst", "contact", "make_app", "notices",
           "opened", "screen_text", "soon", "typed", "wait_until"]

#: every board test runs at this size unless it is about another one
APP_SIZE = (120, 35)


class BoardApp(LeadboardApp):
    """The real app; its ``run_test`` hands the test the pilot once the board's first read has
    landed and is shown (what the user sees a moment after start: the cards, not the placeholder
    lines), unless ``wait_for_board`` is false (a test of the start itself)."""

    #: the app's own stylesheet (a relative path would be looked for beside this module)
    CSS_PATH = Path(app_module.__file__).with_name(str(LeadboardApp.CSS_PATH))

    def __init__(self, pipeline: Pipeline, *, wait_for_board: bool = True, **options: Any) -> None:
        super().__init__(pipeline, **options)
        self.wait_for_board = wait_for_board

    @asynccontextmanager
    async def run_test(self, *args: Any, **kwargs: Any) -> AsyncIterator[Pilot[None]]:
        async with super().run_test(*args, **kwargs) as pilot:
            if self.wait_for_board:
                await opened(pilot)
            yield pilot


def make_app(pipeline: Pipeline, **options: Any) -> BoardApp:
    """The real app, without the demo offer and without polling unless a test asks for it."""
    options.setdefault("offer_demo", False)
    options.setdefault("poll_interval", None)
    return BoardApp(pipeline, **options)


async def opened(pilot: Pilot[Any], seconds: float = 20.0) -> None:
    """Let the app run until the board's first read has landed and is shown."""
    for _ in range(int(seconds / 0.005)):
        await pilot.pause()
        if board_of(pilot.app).opened:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the board's first read did not land in time")


def board_of(app: App[Any]) -> BoardScreen:
    screen = app.screen_stack[0]
    assert isinstance(screen, BoardScreen)
    return screen


def contact(pipeline: Pipeline, name: str, **fields: Any) -> int:
    # one email per name: a second card with another card's email is refused (the same person twice)
    words = ("".join(ch for ch in word if ch.isascii() and ch.isalnum()) for word in name.lower().split())
    data = {"email": ".".join(word for word in words if word) + "@example.com"} | fields
    return pipeline.create({"name": name, **data}).id


QUALIFIED = {
    "need": "A CRM for the sales team",
    "budget": "25000",
    "purchase_by": (date.today() + timedelta(days=40)).isoformat(),
    "authority": "yes",
}


def soon(days: int = 30) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def notices(app: App[Any]) -> list[str]:
    """The notifications (toasts) the app is showing."""
    return [notification.message for notification in app._notifications]


def burst(app: App[Any], *keys: str) -> None:
    """Deliver ``keys`` the way a terminal does when someone types fast: all at once, before the
    app has handled the first (``pilot.press`` waits for the app to go idle after each key).
    Keys are named as for ``pilot.press``: ``"a"``, ``"tab"``, ``"ctrl+s"``, ``"-"``."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        try:
            character: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
        except KeyError:
            character = key if len(key) == 1 else None
        driver.send_message(events.Key(key, character))


async def typed(pilot: Pilot[Any], seconds: float = 30.0) -> str:
    """The screen's text once every key delivered so far has been handled and the screen has
    stopped changing (a burst can take a while on a loaded machine: each key waits for the last)."""
    app = pilot.app
    assert isinstance(app, LeadboardApp)
    for _ in range(int(seconds / 0.02)):
        await pilot.pause(0.02)
        if not app.keys.pending:
            break
    return await settled(pilot)


def as_bob(*args: str) -> None:
    """Run the leadboard command as bob, in another process, on the test's database."""
    database = sqlite_path()
    assert database is not None
    subprocess.run([sys.executable, "-m", "leadboard", "--db", str(database), "--user", "bob", *args],
                   check=True, capture_output=True, timeout=60)


async def wait_until(pilot: Pilot[Any], condition: Any, seconds: float = 5.0) -> None:
    """Let the app run (no key pressed) until ``condition()`` holds."""
    for _ in range(int(seconds / 0.1)):
        await pilot.pause(0.1)
        if condition():
            return
    raise AssertionError("the board did not show the change in time")
