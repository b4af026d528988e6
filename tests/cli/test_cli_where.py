"""Knowing where you are: the version, a demo that will not mix with real cards, and a board that
asks before creating a database that is not there (a mistyped path)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from leadboard import __version__

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def test_version_prints_the_version(leadboard):
    ran = leadboard("--version")
    assert ran.code == EXIT_OK and ran.out == f"leadboard {__version__}\n", ran


def test_demo_refuses_a_database_that_has_cards_unless_forced(leadboard):
    assert leadboard("add", "Ada Lovelace", "--email", "ada@example.com").code == EXIT_OK
    refused = leadboard("demo", "--cards", "20")
    assert refused.code == EXIT_BAD_INPUT and refused.err.count("\n") == 1, refused
    assert "already has 1 cards" in refused.err and "--force" in refused.err
    assert len(leadboard("list", "--json").json()) == 1  # nothing written
    forced = leadboard("demo", "--cards", "20", "--force")
    assert forced.code == EXIT_OK, forced
    assert len(leadboard("list", "--json").json()) == 21


def test_the_board_on_a_database_that_is_not_there_creates_nothing_without_asking(cli_env, tmp_path: Path):
    missing = tmp_path / "typo" / "sales.db"
    done = subprocess.run([sys.executable, "-m", "leadboard", "--db", str(missing)], env=cli_env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode == EXIT_BAD_INPUT and done.stderr.count("\n") == 1, done
    assert f"There is no database at {missing}" in done.stderr and "leadboard init" in done.stderr
    assert not missing.exists() and not missing.parent.exists()
