"""A file given as input (``import FILE``, ``--rules FILE``) must be a regular file of a sane size:
a FIFO, ``/dev/zero`` or a folder is refused in one sentence, at once, never read or waited on.

Each command runs in a subprocess with a timeout, so a command that blocked on a FIFO or read
``/dev/zero`` forever fails the test instead of hanging it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXIT_BAD_INPUT = 2


def leadboard(cli_env: dict[str, str], db: Path, *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leadboard", "--db", str(db), *map(str, args)], env=cli_env,
                          capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "cards.csv"
    os.mkfifo(path)
    return path


@pytest.fixture
def database(tmp_path: Path, cli_env: dict[str, str]) -> Path:
    db = tmp_path / "leadboard.db"
    assert leadboard(cli_env, db, "init").returncode == 0
    return db


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder"])
def test_a_rules_file_that_is_not_a_regular_file_is_refused_at_once(cli_env, database, fifo, tmp_path, kind):
    target = {"fifo": fifo, "dev-zero": Path("/dev/zero"), "folder": tmp_path}[kind]
    for args in (["--rules", target, "list"], ["rules", "--check", target]):
        ran = leadboard(cli_env, database, *args)
        assert ran.returncode == EXIT_BAD_INPUT, ran
        assert ran.stderr.count("\n") == 1 and f"Rules file {target} is a" in ran.stderr, ran
        assert "not a file" in ran.stderr


def test_a_rules_file_over_a_megabyte_is_refused_before_it_is_read(cli_env, database, tmp_path):
    rules = tmp_path / "huge.toml"
    rules.write_text("# padding\n" * 110_000)
    ran = leadboard(cli_env, database, "--rules", rules, "list")
    assert ran.returncode == EXIT_BAD_INPUT and "bytes; at most 1,000,000 are read" in ran.stderr, ran


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder"])
def test_an_import_that_is_not_a_regular_file_is_refused_at_once(cli_env, database, fifo, tmp_path, kind):
    target = {"fifo": fifo, "dev-zero": Path("/dev/zero"), "folder": tmp_path}[kind]
    before = database.stat().st_size
    for extra in ([], ["--dry-run"]):
        ran = leadboard(cli_env, database, "import", target, *extra)
        assert ran.returncode == EXIT_BAD_INPUT, ran
        assert ran.stderr.count("\n") == 1 and str(target) in ran.stderr, ran
    assert database.stat().st_size == before
    assert not list(tmp_path.glob("*.rejects*"))
