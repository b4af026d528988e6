"""Readers never wait for writers: while a colleague's transaction holds the write lock (and has
changed a card, not yet committed), every read-only command answers at once with what was last
committed. A writer would wait up to the 30-second busy timeout, so a reader that waited shows."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from leadboard.cli import EXIT_OK, main
from leadboard.service.setup import close
from leadboard.store import migrations

#: far below the 30 s a writer would wait, far above what a read takes on a slow machine
PROMPT_S = 5.0


@pytest.fixture(autouse=True)
def no_personal_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADBOARD_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("LEADBOARD_USER", "alice")


def _hold_the_write_lock(db_target: str, engine: str) -> Any:
    if engine == "sqlite":
        holder: Any = sqlite3.connect(db_target, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("UPDATE card SET notes = 'not committed yet'")
        return holder
    import psycopg2

    holder = psycopg2.connect(db_target)
    cursor = holder.cursor()  # a transaction stays open until close
    cursor.execute("SELECT pg_advisory_lock(%s)", (migrations._MIGRATION_LOCK,))
    cursor.execute("UPDATE card SET notes = 'not committed yet'")
    return holder


@pytest.mark.parametrize("command", [["show", "1"], ["show", "1", "--json"], ["list"], ["list", "--json"],
                                     ["history", "1"], ["export"], ["list", "--search", "Ada"]])
def test_a_reader_answers_at_once_while_a_colleague_holds_the_write_lock(db_target, engine, capsys, command):
    assert main(["--db", db_target, "add", "Ada Lovelace", "--email", "ada@example.com"]) == EXIT_OK
    close()
    holder = _hold_the_write_lock(db_target, engine)
    try:
        capsys.readouterr()
        started = time.monotonic()
        code = main(["--db", db_target, *command])
        took = time.monotonic() - started
        close()
    finally:
        holder.close()
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert took < PROMPT_S, f"{' '.join(command)} waited {took:.1f} s for the write lock"
    assert ("create" if command[0] == "history" else "Ada Lovelace") in out
    assert "not committed yet" not in out
