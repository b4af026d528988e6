"""Measure the board's speed on a database: start to first full paint, promote to repaint.

    python -m leadboard.tui.measure --db /tmp/big.db [--size 120x35] [--repeat 5]

Runs the real app headless (Textual's ``run_test``), so terminal output time is not included;
"paint" means every visible line of every column rendered by the compositor. A key is timed as
the action it is bound to plus the repaint (Pilot's own pauses between simulated keys are left
out). The promote adds one
qualified contact at the top of Contacts, promotes it (the ``p`` key's action) and undoes the move, so the
database is left with one more card than it had.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import statistics  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from typing import Any  # noqa: E402


def _paint(app: Any) -> None:
    """Render every line of the screen now, as a refresh would (what the user sees next)."""
    app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)


async def _run(database: str, size: tuple[int, int], repeat: int) -> dict[str, Any]:
    from leadboard.domain.stages import Stage
    from leadboard.service.setup import open_pipeline
    from leadboard.tui.app import LeadboardApp
    from leadboard.tui.board import BoardScreen

    imported = time.perf_counter()
    pipeline = open_pipeline(database, "measure")
    opened = time.perf_counter()
    app = LeadboardApp(pipeline, offer_demo=False, poll_interval=None)
    figures: dict[str, Any] = {}
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        _paint(app)
        painted = time.perf_counter()
        board = app.screen
        assert isinstance(board, BoardScreen)
        figures["cards"] = sum(stat.cards for stat in board.stats.values())
        figures["imports_s"] = imported - STARTED
        figures["open_database_s"] = opened - imported
        figures["first_full_paint_s"] = painted - STARTED

        soon = (date.today() + timedelta(days=30)).isoformat()
        promote_times, end_times = [], []
        for _ in range(repeat):
            card = pipeline.create({"name": "Measure Me", "email": "measure@example.com",
                                    "need": "speed", "budget": "1000", "purchase_by": soon,
                                    "authority": "yes"})
            board.reload((Stage.CONTACT,), follow=card.id)
            await pilot.pause()
            _paint(app)
            # the key's work (the action it is bound to) and the repaint; Pilot's own waiting between
            # simulated key presses (about 0.2 s) is not the app's and is left out
            start = time.perf_counter()
            await board.run_action("promote")
            _paint(app)
            promote_times.append(time.perf_counter() - start)
            assert pipeline.card(card.id).stage is Stage.LEAD, "the promote did not happen"
            pipeline.undo()
            board.reload()
            await pilot.pause()

            board.column(Stage.CONTACT).focus()
            start = time.perf_counter()
            await board.column(Stage.CONTACT).run_action("cursor_bottom")
            _paint(app)
            end_times.append(time.perf_counter() - start)
            await pilot.press("g")
            await pilot.pause()
        figures["promote_to_repaint_s"] = statistics.median(promote_times)
        figures["end_of_column_s"] = statistics.median(end_times)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m leadboard.tui.measure",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--db", required=True, help="database file or URL to measure on")
    parser.add_argument("--size", default="120x35", help="terminal size, WIDTHxHEIGHT")
    parser.add_argument("--repeat", type=int, default=5, help="promotes to take the median of")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.lower().split("x"))
    figures = asyncio.run(_run(args.db, (width, height), args.repeat))
    print(f"cards in the database:     {figures['cards']:,}")
    print(f"imports:                   {figures['imports_s'] * 1000:8.1f} ms")
    print(f"open database (migrate):   {figures['open_database_s'] * 1000:8.1f} ms")
    print(f"start to first full paint: {figures['first_full_paint_s'] * 1000:8.1f} ms")
    median = f"(median of {args.repeat})"
    print(f"promote key to repaint:    {figures['promote_to_repaint_s'] * 1000:8.1f} ms {median}")
    print(f"G (end of Contacts):       {figures['end_of_column_s'] * 1000:8.1f} ms {median}")


if __name__ == "__main__":
    main()
