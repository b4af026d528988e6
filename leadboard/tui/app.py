"""The leadboard Textual app: the board on a ``Pipeline``, and ``run_board`` for the command line."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from datetime import date
from typing import Any

from rich.text import Text
from textual import events, work
from textual.app import App, SystemCommand
from textual.screen import Screen

from leadboard import started
from leadboard.config import Settings
from leadboard.service import Pipeline
from leadboard.service.past import PastPipeline
from leadboard.service.setup import close, open_pipeline
from leadboard.tui.actions import commands
from leadboard.tui.board import POLL_INTERVAL, BoardScreen
from leadboard.tui.keys import KeyQueue
from leadboard.tui.screens.parts import learn_dialog_styles

DEMO_CARDS = 200


class LeadboardApp(App[None]):
    """The board. Tests build one on a temporary database's ``Pipeline``."""

    CSS_PATH = "leadboard.tcss"
    TITLE = "leadboard"
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, pipeline: Pipeline, *, offer_demo: bool = True,
                 poll_interval: float | None = POLL_INTERVAL) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.offer_demo = offer_demo
        self.poll_interval = poll_interval
        self.keys = KeyQueue(self)

    async def on_event(self, event: events.Event) -> None:
        """Every key from the terminal goes through the key queue: in order, each to whatever has the
        focus once the keys before it have landed (see ``leadboard.tui.keys``)."""
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            self.keys.hold(event)
            return
        await super().on_event(event)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette: the screen's own actions first (from the actions table), then Textual's,
        except those a board action replaces by name ("Keys" is our help screen, "Quit" is ours)."""
        ours = list(commands(screen))
        yield from ours
        taken = {command.title for command in ours}
        yield from (command for command in super().get_system_commands(screen) if command.title not in taken)

    def get_default_screen(self) -> Screen[None]:
        """Today's board; the board as of a day (``--as-of``) opens over it, so Esc goes to today."""
        today = self.pipeline.present if isinstance(self.pipeline, PastPipeline) else self.pipeline
        return BoardScreen(today, poll_interval=self.poll_interval)

    @property
    def board(self) -> BoardScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, BoardScreen)
        return screen

    def on_mount(self) -> None:
        # What is alive once the board is up (modules, classes, the stylesheet, the board: about
        # 95,000 objects) stays alive until it closes. Frozen, it is left out of the garbage
        # collector's full sweeps, each of which otherwise scans it all and holds up whatever key
        # or dialog triggered it for some 40 ms. (Textual pauses the collector while scrolling.)
        # Start-up ends with the first paint: then the collector goes back to its usual pace (see
        # ``leadboard.started``).
        self.call_after_refresh(started)
        self.sub_title = f"{self.pipeline.user}"
        if isinstance(self.pipeline, PastPipeline):
            self.push_screen(BoardScreen(self.pipeline, poll_interval=None))

    def on_board_screen_opened(self, event: BoardScreen.Opened) -> None:
        """A board's first read is shown: once it is painted, the stylesheet learns the dialogs'
        styles, so the first dialog opened does not wait for that (``learn_dialog_styles``).
        Today's board has read an empty database: offer demo cards (before the keys typed
        meanwhile go on, so they answer the question)."""
        self.call_after_refresh(learn_dialog_styles, self)
        if self.offer_demo and event.empty and event.board is self.board:
            from leadboard.tui.screens.confirm import ConfirmModal

            question = ConfirmModal(
                "The database is empty. Add demo cards to try the board?",
                [Text(f"{DEMO_CARDS} made-up cards in every stage, owned by alice, bob, carol and dave.")],
                yes="Add demo cards", no="Start empty",
            )
            self.push_screen(question, self._demo_answered)

    def on_unmount(self) -> None:
        gc.unfreeze()  # what the board leaves behind can be collected again

    def _demo_answered(self, yes: bool | None) -> None:
        if yes:
            self.notify("Adding demo cards…")
            self._fill_demo()

    @work(thread=True, exclusive=True, group="demo")
    def _fill_demo(self) -> None:
        from leadboard.service.demo import fill

        fill(self.pipeline, DEMO_CARDS)
        self.call_from_thread(self.board.reload)


def run_board(settings: Settings, as_of: date | None = None) -> int:
    """``leadboard`` with no sub-command: open the board until the user quits; with ``as_of``,
    read-only as it stood at the end of that day."""
    pipeline = open_pipeline(settings.database, settings.who, settings.rules, settings.shared_group)
    if as_of is not None:
        pipeline = PastPipeline(pipeline, as_of)
    try:
        LeadboardApp(pipeline, offer_demo=as_of is None).run()
    finally:
        # the last connection to close checkpoints SQLite's WAL into the database file
        close()
    return 0


__all__ = ["LeadboardApp", "run_board"]
