"""Keys in order: each key the terminal delivers is handled once the one before it has landed.

Textual hands every key to the focused widget the moment it arrives, while what an earlier key did
may still be on its way: a Tab's focus move, a dialog being pushed or dismissed, a form's save. A
burst typed at speed (or over a slow SSH link) then lands in the wrong place: the whole burst in
a form's first field, letters meant for a dialog run as board commands, a ``q`` quits.

``KeyQueue`` sits in the app's key path, for every screen: it lets one key through, waits until
everything that key set going has been handled (the messages it caused in the app, the screens
and the focused widget's line, a screen pushed or popped, a focus change, a save in a worker of a
group in ``KEYS_WAIT_FOR``), and only then lets the next key through, to whatever has the focus by
then. A key that needs something still on its way waits for it before it is handed over: any key
but a cursor move, on a card whose page has not landed, or while one of the board's writes (and the
reload after it) is landing. Whoever knows says so in a ``key_waits_for(key)`` of its own: the
focused widget or one of its parents (the column for its pages; the board, the Today and lost
views for the board's reads and writes; the merge dialog for its matches).
A paste (bracketed, as terminals send it) takes its place in the same line. A letter typed into a
text field goes on at once (the next key goes to the same field). An Esc that reached the
terminal's parser together with the key after it comes out as Alt plus that key; the queue hands
it on as the two keys typed (``as_typed``).
Measured on a loaded 2-core machine (load 10): ~6 ms a letter into a field (2 ms without the
queue), ~80 ms a Tab (20 ms without, but then the next letters went to the wrong field).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App
from textual.dom import NoScreen
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input
from textual.worker import Worker

if TYPE_CHECKING:
    from collections.abc import Awaitable, Iterable

#: worker groups whose work decides where the next key goes (a form's save may keep the form open
#: with an error, or close it): keys wait for these. Reads in the background (search, the change
#: feed, demo data) are not here, so typing never waits for them.
KEYS_WAIT_FOR = frozenset({"save", "write"})
#: how often the queue looks again while a worker it waits for is running (seconds)
WORKER_POLL = 0.01
#: rounds of "has everything been handled?" after one key before the next goes anyway: a widget
#: that keeps posting messages to itself must not stop the keyboard
MAX_ROUNDS = 40


def as_typed(key: events.Key | events.Paste) -> list[events.Key | events.Paste]:
    """The keys a user typed, for a key the terminal's parser read as Alt plus a character.

    A terminal sends Alt+U as Esc then ``u``, and sends Esc then ``u`` typed quickly (or delivered
    together by a slow link) as the very same bytes: the parser reads both as ``alt+u``. The board
    binds no Alt key, and every screen binds Esc (clear the search, close a form), so a burst's
    ``Esc u y`` meant Esc, then undo, then yes: it is handed on as those keys.

    Not mended here, because the parser has already lost the Esc: Esc then a digit (Textual reads
    ``\x1b9`` as macOS Option-9, ``ª``), Esc then punctuation or Tab (``/``, ``shift+tab``), Esc
    then ``b``/``f`` (word left/right), and Esc followed by 32 or more characters in one read (``^``).
    """
    if not isinstance(key, events.Key) or not key.key.startswith("alt+"):
        return [key]
    character = key.character
    if character is None or len(character) != 1 or not character.isprintable():
        return [key]  # alt+left, alt+backspace: keys of their own
    name = key.key.removeprefix("alt+")
    if name.startswith("shift+"):  # the parser names Alt+U "alt+shift+u"; U alone is "U"
        name = character
    return [events.Key("escape", "\x1b"), events.Key(name, character)]


class KeyQueue:
    """The app's keys, one at a time. ``hold`` every key the terminal delivers; ``pending`` says
    whether keys are waiting or a key's effect is still landing."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self._waiting: deque[events.Key | events.Paste] = deque()
        self._task: asyncio.Task[None] | None = None
        self._busy = False

    @property
    def pending(self) -> bool:
        return self._busy or bool(self._waiting)

    def hold(self, key: events.Key | events.Paste) -> None:
        self._waiting.extend(as_typed(key))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._deliver(), name="leadboard keys")

    def cancel(self) -> None:
        self._waiting.clear()
        if self._task is not None:
            self._task.cancel()

    async def _deliver(self) -> None:
        while self._waiting:
            key = self._waiting.popleft()
            self._busy = True
            try:
                handed = asyncio.Event()
                # a letter typed into a text field only adds to its text: the next key goes to the
                # same field, so it need not wait (typing stays as fast as without the queue)
                into_text = (isinstance(key, events.Paste) or key.is_printable) and isinstance(self.app.focused, Input)
                # a key that needs something still on its way (the focused card's page, the board's
                # write) waits for it, and for what its landing set going (a form it opened)
                while (needed := self._needed_by(key)) is not None:
                    await needed
                    await self._settle()
                if not self.app.call_later(self._hand_over, key, handed):
                    return  # the app is closing
                await handed.wait()
                if not into_text:
                    await self._settle()
            finally:
                self._busy = False

    def _needed_by(self, key: events.Key | events.Paste) -> Awaitable[object] | None:
        """What ``key`` must wait for, if anything: the first ``key_waits_for`` of the focused widget
        and its parents (the screen, when nothing has the focus) that names something."""
        if not isinstance(key, events.Key) or not self.app.screen_stack:
            return None
        focused = self.app.focused
        for node in focused.ancestors_with_self if focused is not None else (self.app.screen,):
            ask = getattr(node, "key_waits_for", None)
            needed = ask(key.key) if ask is not None else None
            if needed is not None:
                return needed
        return None

    async def _hand_over(self, key: events.Key | events.Paste, handed: asyncio.Event) -> None:
        """Textual's own key handling (priority bindings, then the focused widget), in the app's task."""
        try:
            await App.on_event(self.app, key)
        finally:
            handed.set()

    async def _settle(self) -> None:
        """Return once the key just handed over has had all its effects."""
        for _ in range(MAX_ROUNDS):
            if not self.app.is_running or not self.app.screen_stack:
                return  # closing: nothing more will land
            screen = self.app.screen
            await self._barrier(self._route())
            if await self._wait_for_workers():
                continue
            if self.app.screen is screen and self._all_quiet(screen):
                return

    @staticmethod
    async def _barrier(pumps: Iterable[MessagePump]) -> None:
        """Wait until each pump has handled every message it holds now."""
        waits = []
        for pump in pumps:
            done = asyncio.Event()
            if pump.call_later(done.set):
                waits.append(done.wait())
        if waits:
            await asyncio.gather(*waits)

    async def _wait_for_workers(self) -> bool:
        """Wait while a save (``KEYS_WAIT_FOR``) runs on the screen on top; one whose screen is
        covered (it asked a question in a dialog of its own) waits for the keys that answer it.
        True if there was one to wait for."""
        waited = False
        while self._running_workers():
            waited = True
            await asyncio.sleep(WORKER_POLL)
        return waited

    def _running_workers(self) -> list[Worker[Any]]:
        top = self.app.screen
        return [worker for worker in self.app.workers
                if worker.group in KEYS_WAIT_FOR and not worker.is_finished
                and self._screen_of(worker) in (top, None)]

    def _screen_of(self, worker: Worker[Any]) -> Screen[Any] | None:
        node = worker.node
        if isinstance(node, Screen):
            return node
        if isinstance(node, Widget):
            try:
                return node.screen
            except NoScreen:
                return None
        return None

    def _route(self) -> list[MessagePump]:
        """What a key passes through and what decides where the next one goes: the app (focus
        moves, screens pushed and popped), every screen, and the focused widget with its parents
        (the key bubbles up them). Other widgets' messages (a redraw) do not hold the keys up."""
        focused = self.app.focused
        return [self.app, *self.app.screen_stack, *(focused.ancestors_with_self if focused else ())]

    def _all_quiet(self, screen: Screen[Any]) -> bool:
        return all(pump._message_queue.empty() and not pump._next_callbacks for pump in self._route())


__all__ = ["KEYS_WAIT_FOR", "KeyQueue", "as_typed"]
