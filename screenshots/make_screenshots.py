"""Make the README's screenshots by driving the real app on demo data.

Run from the repository root: ``python screenshots/make_screenshots.py``. Writes SVGs beside this
script: the board at 120x35 and 80x24, a blocked promote with its form, a card's detail.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import date, timedelta
from pathlib import Path

from leadboard.service import Pipeline
from leadboard.service.demo import fill
from leadboard.service.setup import close, open_pipeline
from leadboard.tui.app import LeadboardApp
from leadboard.tui.board import BoardScreen

HERE = Path(__file__).resolve().parent


def app_on(pipeline: Pipeline) -> LeadboardApp:
    return LeadboardApp(pipeline, offer_demo=False, poll_interval=None)


def walk_a_card(pipeline: Pipeline) -> int:
    """A contact taken to an opportunity the way a salesperson would, so its history has a story."""
    card = pipeline.create({"name": "Katherine Johnson", "company": "Langley Aeronautics Ltd",
                            "email": "katherine@langley.example.com", "title": "Head of Research"})
    soon = date.today() + timedelta(days=45)
    pipeline.log_activity(card.id, "call", "Intro call: they track orbits in spreadsheets")
    pipeline.promote(card.id, {"need": "Replace spreadsheets for trajectory reviews", "budget": "42000",
                               "purchase_by": soon.isoformat()})  # goes on with the authority warning
    pipeline.log_activity(card.id, "meeting", "Demo with the review board; asked for SSO")
    pipeline.promote(card.id, {"requirements": "SSO, audit log", "supplier": "dropped", "value": "48000",
                               "close_by": soon.isoformat(), "terms": "Annual licence, net 30",
                               "decision_maker": "Dorothy Vaughan"})
    return card.id


async def shoot(pipeline: Pipeline) -> list[Path]:
    made = []

    async def save(app: LeadboardApp, name: str) -> None:
        app.save_screenshot(name, path=str(HERE))
        made.append(HERE / name)

    for size in ((120, 35), (80, 24)):
        async with app_on(pipeline).run_test(size=size) as pilot:
            await pilot.press("l", "j", "j")  # a lead, two cards down
            await pilot.pause()
            await save(pilot.app, f"board-{size[0]}x{size[1]}.svg")

    async with app_on(pipeline).run_test(size=(120, 35)) as pilot:
        await pilot.press("p")  # the first contact has no need, budget or date yet
        await pilot.pause()
        await pilot.press(*"Payroll for 40 staff")
        await pilot.pause()
        await save(pilot.app, "blocked-promote.svg")

    walked = walk_a_card(pipeline)
    async with app_on(pipeline).run_test(size=(120, 35)) as pilot:
        board = pilot.app.screen
        assert isinstance(board, BoardScreen)
        board.focus_card(walked)
        await pilot.press("enter")
        await pilot.pause()
        await save(pilot.app, "card-detail.svg")
    return made


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        pipeline = open_pipeline(Path(folder) / "demo.db", "alice")
        fill(pipeline, 200)
        try:
            for path in asyncio.run(shoot(pipeline)):
                print(path.relative_to(HERE.parent))
        finally:
            close()


if __name__ == "__main__":
    main()
