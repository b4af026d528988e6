"""Helpers for board tests: the app on a pipeline, reading the screen, making cards."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from textual.app import App

from leadboard.service import Pipeline
from leadboard.tui.app import LeadboardApp
from leadboard.tui.board import BoardScreen
from leadboard.tui.scenes import screen_text

__all__ = ["APP_SIZE", "QUALIFIED", "board_of", "contact", "make_app", "notices", "screen_text", "soon"]

#: every board test runs at this size unless it is about another one
APP_SIZE = (120, 35)


def make_app(pipeline: Pipeline, **options: Any) -> LeadboardApp:
    """The real app, without the demo offer and without polling unless a test asks for it."""
    options.setdefault("offer_demo", False)
    options.setdefault("poll_interval", None)
    return LeadboardApp(pipeline, **options)


def board_of(app: App[Any]) -> BoardScreen:
    screen = app.screen_stack[0]
    assert isinstance(screen, BoardScreen)
    return screen


def contact(pipeline: Pipeline, name: str, **fields: Any) -> int:
    data = {"email": f"{name.split()[0].lower()}@example.com"} | fields
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
