"""The board in a real terminal (tmux), keys sent in bursts with no pause between them: the database
ends exactly as a slow typist would have left it. Skipped where tmux is not installed."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from leadboard.service.setup import close, open_pipeline
from tests.tui.day import Stroke, expected, start_the_day, the_day
from tests.tui.helpers import soon

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")

#: a loaded machine opens the board and its dialogs slowly; the test waits for results, not time
DEADLINE = 60.0


class Terminal:
    """A tmux server of the test's own, running ``leadboard`` in a 100×30 window."""

    def __init__(self, tmp_path: Path, database: Path) -> None:
        assert TMUX is not None
        self.database = database
        self.env = {**os.environ, "LEADBOARD_CONFIG": str(tmp_path / "no-config.toml"),
                    "LEADBOARD_USER": "alice", "TERM": "xterm-256color"}
        self.env.pop("NO_COLOR", None)
        self.tmux = [TMUX, "-L", f"leadboard-test-{uuid.uuid4().hex[:12]}", "-f", "/dev/null"]
        board = f"{shlex.quote(sys.executable)} -m leadboard --db {shlex.quote(str(database))}"
        subprocess.run([*self.tmux, "new-session", "-d", "-x", "100", "-y", "30", "-s", "board", board],
                       check=True, env=self.env)

    def screen(self) -> str:
        done = subprocess.run([*self.tmux, "capture-pane", "-p", "-J", "-t", "board"], capture_output=True,
                              text=True, env=self.env)
        return done.stdout

    def send(self, *keys: str) -> None:
        """All of ``keys`` in one tmux command: written to the terminal back to back."""
        subprocess.run([*self.tmux, "send-keys", "-t", "board", *keys], check=True, env=self.env)

    def running(self) -> bool:
        return subprocess.run([*self.tmux, "has-session", "-t", "board"], capture_output=True,
                              env=self.env).returncode == 0

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True, env=self.env)

    def send_burst(self, strokes: list[Stroke]) -> None:
        """``strokes`` in ONE tmux command (``send-keys -l 'text' \\; send-keys Tab \\; ...``): written
        to the terminal back to back, with no pause anywhere."""
        command: list[str] = []
        for kind, what in strokes:
            command += [";"] if command else []
            command += ["send-keys", "-t", "board", *_tmux_keys(kind, what)]
        subprocess.run([*self.tmux, *command], check=True, env=self.env)

    def send_slowly(self, strokes: list[Stroke], pause: float) -> None:
        """``strokes`` one key at a time, ``pause`` seconds after each (a character is a key)."""
        for kind, what in strokes:
            for key in (list(what) if kind == "text" else [what]):
                self.send(*_tmux_keys(kind, key))
                time.sleep(pause)

    def cards(self) -> list[dict[str, Any]]:
        """Every card, read by the command line beside the running board."""
        return list(self.leadboard("list", "--json"))

    def leadboard(self, *args: str) -> Any:
        done = subprocess.run([sys.executable, "-m", "leadboard", "--db", str(self.database), *args],
                              capture_output=True, text=True, env=self.env, check=True)
        return json.loads(done.stdout)

    def everything(self) -> dict[str, Any]:
        """Each card with its history and activities, as the command line prints them, without ids and
        times (which differ from one run to another)."""
        return {card["name"]: _without_ids_or_times({
            "fields": card,
            "history": self.leadboard("history", str(card["id"]), "--json"),
            "activities": self.leadboard("activities", str(card["id"]), "--json"),
        }) for card in self.cards()}


#: Textual's key names as tmux names them; any other key is typed as its character
TMUX_KEYS = {"tab": "Tab", "enter": "Enter", "escape": "Escape", "space": "Space", "down": "Down", "up": "Up",
             "left": "Left", "right": "Right", "ctrl+s": "C-s", "slash": "/"}


def _tmux_keys(kind: str, what: str) -> list[str]:
    if kind == "key" and what in TMUX_KEYS:
        return [TMUX_KEYS[what]]
    return ["-l", what]  # literally: "Enter" typed as text is five letters


def _without_ids_or_times(value: Any) -> Any:
    if isinstance(value, dict) and str(value.get("field", "")).endswith("_at"):
        return {"field": value["field"]}  # a time's change in the journal: which field, not when
    if isinstance(value, dict):
        return {key: _without_ids_or_times(item) for key, item in value.items()
                if key not in ("id", "card", "log_id", "journal", "undoes", "undoes_change")
                and key != "at" and not key.endswith("_at")}
    if isinstance(value, list):
        return [_without_ids_or_times(item) for item in value]
    return value


def summary(everything: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The cards in ``tests.tui.day.expected``'s form, from what the command line printed."""
    cards = {}
    for name, printed in everything.items():
        card = printed["fields"]
        cards[name] = {field: card[field] for field in (
            "stage", "company", "email", "phone", "owner", "title", "need", "purchase_by", "authority",
            "lost_reason", "version")} | {
            "moves": [row["move"] for row in printed["history"] if row["move"]],
            "logged": [(row["kind"], row["summary"]) for row in printed["activities"] if row["state"] == "done"],
            "planned": [(row["kind"], row["summary"], row["due"], row["state"])
                        for row in printed["activities"] if row["state"] != "done"],
        }
        lost = [row["reason"] for row in printed["history"] if row["move"] == "lose"]
        if lost:
            cards[name]["lost"] = lost[0]
    return cards


def wait_for(what: Callable[[], Any], failing: Callable[[], str]) -> Any:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        result = what()
        if result:
            return result
        time.sleep(0.1)
    pytest.fail(failing())


def the_day_in_a_terminal(tmp_path: Path, send: Callable[[Terminal, list[Stroke]], None]) -> dict[str, Any]:
    """The day's keys sent to a board on a fresh database; what the database holds once it quit."""
    tmp_path.mkdir()
    database = tmp_path / "day.db"
    start_the_day(open_pipeline(database, "alice"))
    close()
    term = Terminal(tmp_path, database)
    try:
        wait_for(lambda: "Grace Hopper" in term.screen(), lambda: "the board did not open:\n" + term.screen())
        send(term, [*the_day(), ("key", "q")])  # q: once the undo's question has gone, quit
        wait_for(lambda: not term.running(), lambda: "the day did not end:\n" + term.screen())
        return term.everything()
    finally:
        term.close()


def test_a_whole_day_sent_in_one_burst_leaves_the_database_a_slow_typist_would(tmp_path: Path):
    burst = the_day_in_a_terminal(tmp_path / "burst", Terminal.send_burst)
    assert summary(burst) == expected(), differences(summary(burst), expected())
    slow = the_day_in_a_terminal(tmp_path / "slow", lambda term, strokes: term.send_slowly(strokes, 0.25))
    assert summary(slow) == expected(), differences(summary(slow), expected())
    assert differences(slow, burst) == []  # every field, move and activity, apart from ids and times


def differences(one: Any, other: Any, path: str = "") -> list[str]:
    """Where two printed databases differ, as readable paths with both values."""
    if isinstance(one, dict) and isinstance(other, dict):
        return [found for key in sorted(one.keys() | other.keys())
                for found in differences(one.get(key), other.get(key), f"{path}/{key}")]
    if isinstance(one, list) and isinstance(other, list) and len(one) == len(other):
        return [found for index, (a, b) in enumerate(zip(one, other, strict=True))
                for found in differences(a, b, f"{path}[{index}]")]
    return [] if one == other else [f"{path}: {one!r} != {other!r}"]


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    database = tmp_path / "board.db"
    pipeline = open_pipeline(database, "alice")
    pipeline.create({"name": "Grace Hopper", "email": "grace@example.com", "budget": "9000"})
    close()
    term = Terminal(tmp_path, database)
    try:
        wait_for(lambda: "Grace Hopper" in term.screen(), lambda: "the board did not open:\n" + term.screen())
        yield term
    finally:
        term.close()


def test_bursts_through_a_real_terminal_land_as_typed(terminal: Terminal):
    by = soon(40)
    # a blocked promote filled in one burst: need, Tab, date, Tab, authority "yes", save
    terminal.send("p", "Order tracking", "Tab", by, "Tab", "Space", "Down", "Enter", "C-s")

    def promoted() -> dict[str, Any] | None:
        grace = next(card for card in terminal.cards() if card["name"] == "Grace Hopper")
        return grace if grace["stage"] == "lead" else None

    grace = wait_for(promoted, lambda: "not promoted:\n" + terminal.screen())
    assert (grace["need"], grace["purchase_by"], grace["authority"]) == ("Order tracking", by, True)

    # a whole new card, then q: the q must wait for the form to close, then quit
    terminal.send("n", "Ada Lovelace", "Tab", "Tab", "Analytical Engines", "Tab", "Tab", "ada@example.com",
                  "C-s", "q")
    wait_for(lambda: not terminal.running(), lambda: "the board did not quit:\n" + terminal.screen())
    cards = {card["name"]: card for card in terminal.cards()}
    assert set(cards) == {"Grace Hopper", "Ada Lovelace"}
    ada = cards["Ada Lovelace"]
    assert (ada["stage"], ada["company"], ada["email"], ada["owner"]) == (
        "contact", "Analytical Engines", "ada@example.com", "alice")


def test_the_first_board_on_a_new_database_asks_before_creating_it_then_offers_demo_cards(tmp_path: Path):
    database = tmp_path / "new.db"
    term = Terminal(tmp_path, database)
    try:
        wait_for(lambda: "Create it? [y/N]" in term.screen(), lambda: "no question:\n" + term.screen())
        assert not database.exists()
        term.send("y", "Enter")
        wait_for(lambda: "Add demo cards" in term.screen(), lambda: "no demo offer:\n" + term.screen())
        term.send("Enter")  # the offer's first button: add them
        wait_for(lambda: len(term.cards()) > 0, lambda: "no demo cards:\n" + term.screen())
        assert "alice · new.db" in term.screen()
        term.send("q")
        wait_for(lambda: not term.running(), lambda: "the board did not quit:\n" + term.screen())
    finally:
        term.close()


def test_yes_typed_ahead_of_the_demo_offer_answers_it(tmp_path: Path):
    """``y Enter y`` in one burst: the first y creates the database, the second reaches the board
    before it has read anything and must answer the demo offer it makes, not go to the board."""
    database = tmp_path / "new.db"
    term = Terminal(tmp_path, database)
    try:
        wait_for(lambda: "Create it? [y/N]" in term.screen(), lambda: "no question:\n" + term.screen())
        term.send("y", "Enter", "y")
        wait_for(lambda: len(term.cards()) > 0, lambda: "no demo cards:\n" + term.screen())
        wait_for(lambda: "Contacts  0" not in term.screen(), lambda: "demo cards not shown:\n" + term.screen())
        assert "Add demo cards" not in term.screen()
    finally:
        term.close()


def test_a_board_on_a_mistyped_path_creates_nothing_when_told_no(tmp_path: Path):
    database = tmp_path / "tpyo.db"
    term = Terminal(tmp_path, database)
    try:
        wait_for(lambda: "Create it? [y/N]" in term.screen(), lambda: "no question:\n" + term.screen())
        term.send("Enter")  # the default is no
        wait_for(lambda: not term.running(), lambda: "did not stop:\n" + term.screen())
        assert not database.exists()
    finally:
        term.close()
