"""CLI fixtures: the real ``leadboard`` command run in a subprocess, with its home, data and config
folders inside the test's temporary directory, on a fresh database of each engine under test
(tests/conftest.py)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class Ran:
    args: tuple[str, ...]
    code: int
    stdout: bytes
    stderr: bytes

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8")

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.out)

    def __str__(self) -> str:  # what pytest shows when an assertion about a run fails
        return f"leadboard {' '.join(self.args)} -> exit {self.code}\n{self.out}\n{self.err}"


Leadboard = Callable[..., Ran]


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADBOARD_")}
    env.update(
        HOME=str(tmp_path / "home"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        LEADBOARD_USER="alice",
        PYTHONIOENCODING="utf-8",
    )
    return env


@pytest.fixture
def db(db_target: str) -> str:
    """What ``--db`` gets: a SQLite file path or a PostgreSQL URL."""
    return db_target


def _command(db: str, args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "leadboard", "--db", db, *map(str, args)]


@pytest.fixture
def leadboard(db: str, cli_env: dict[str, str]) -> Leadboard:
    """``leadboard("promote", 1)`` runs ``python -m leadboard --db DB promote 1`` as alice."""

    def run(*args: object, user: str | None = None) -> Ran:
        env = cli_env | ({"LEADBOARD_USER": user} if user else {})
        command = [str(a) for a in args]
        # standard input is never a terminal here, as in a script (tests/cli/test_cli_undo.py has one)
        done = subprocess.run(_command(db, command), env=env, capture_output=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        return Ran(tuple(command), done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def on_a_terminal(db: str, cli_env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess[bytes]]:
    """``on_a_terminal("undo", answer=b"y\n")`` runs the command with a terminal as its standard
    input, ``answer`` typed ahead into it (for the commands that ask before they act)."""

    def run(*args: str, answer: bytes = b"") -> subprocess.CompletedProcess[bytes]:
        leader, follower = pty.openpty()
        try:
            os.write(leader, answer)
            return subprocess.run(_command(db, args), env=cli_env, stdin=follower, capture_output=True, timeout=120)
        finally:
            os.close(follower)
            os.close(leader)

    return run


@pytest.fixture
def leadboard_many(leadboard: Leadboard) -> Callable[[list[Sequence[object]]], list[Ran]]:
    """Several commands run side by side (each is a fresh Python process: this shortens the wait)."""

    def run_all(commands: list[Sequence[object]]) -> list[Ran]:
        with ThreadPoolExecutor(max_workers=3) as pool:
            return list(pool.map(lambda args: leadboard(*args), commands))

    return run_all
