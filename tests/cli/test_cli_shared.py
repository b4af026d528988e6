"""The command line on a shared database: who did it, handing cards over, and scripts that name
the version they read (a stale one exits 4 and says who changed the card and when)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from leadboard.cli import EXIT_BAD_INPUT, EXIT_CONFLICT, EXIT_OK, main
from leadboard.config import os_user


@pytest.fixture(autouse=True)
def no_personal_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADBOARD_CONFIG", str(tmp_path / "no-config.toml"))
    for variable in ("LEADBOARD_DB", "LEADBOARD_USER", "LEADBOARD_RULES", "LEADBOARD_SHARED_GROUP"):
        monkeypatch.delenv(variable, raising=False)


class Leadboard:
    """Runs ``leadboard --db TARGET ...`` in this process and keeps what it said."""

    def __init__(self, target: str, capsys: pytest.CaptureFixture[str]):
        self.target = target
        self.capsys = capsys
        self.out = self.err = ""

    def __call__(self, *args: str, user: str | None = None) -> int:
        argv = [*args, "--db", self.target] + (["--user", user] if user else [])
        code = main(argv)
        captured = self.capsys.readouterr()
        self.out, self.err = captured.out, captured.err
        return code

    def card(self, card_id: int) -> dict:
        assert self("show", str(card_id), "--json") == EXIT_OK, self.err
        return json.loads(self.out)


@pytest.fixture
def leadboard(db_target: str, capsys: pytest.CaptureFixture[str]) -> Leadboard:
    return Leadboard(db_target, capsys)


def test_a_card_added_from_the_command_line_belongs_to_your_login(leadboard: Leadboard) -> None:
    assert leadboard("add", "Ada Lovelace", "--email", "ada@example.com") == EXIT_OK
    card = leadboard.card(int(leadboard.out))
    assert card["owner"] == os_user() and card["created_by"] == os_user()


def test_reassign_hands_a_card_to_a_colleague_and_list_finds_it_by_owner(leadboard: Leadboard) -> None:
    leadboard("add", "Alan Turing", "--email", "alan@example.com", user="alice")
    card_id = leadboard.out.strip()
    leadboard("add", "Grace Hopper", "--email", "grace@example.com", user="alice")

    assert leadboard("reassign", card_id, "--to", "bob", user="alice") == EXIT_OK
    assert "now belongs to bob (version 2)" in leadboard.out

    card = leadboard.card(int(card_id))
    assert (card["owner"], card["updated_by"]) == ("bob", "alice")
    leadboard("list", "--owner", "bob", "--json")
    assert [c["name"] for c in json.loads(leadboard.out)] == ["Alan Turing"]
    leadboard("list", "--owner", "alice", "--json")
    assert [c["name"] for c in json.loads(leadboard.out)] == ["Grace Hopper"]


def test_an_edit_naming_a_stale_version_exits_4_and_says_who_changed_it(leadboard: Leadboard) -> None:
    leadboard("add", "Linus Torvalds", "--email", "linus@example.com", user="alice")
    card_id = leadboard.out.strip()
    read_version = str(leadboard.card(int(card_id))["version"])  # alice's script reads the card
    assert leadboard("edit", card_id, "--set", "notes=bob called", "--if-version", read_version,
                     user="bob") == EXIT_OK

    code = leadboard("edit", card_id, "--set", "notes=alice emailed", "--if-version", read_version,
                     user="alice")

    assert code == EXIT_CONFLICT
    assert leadboard.err.count("\n") == 1
    assert leadboard.err.startswith(f"leadboard: Card {card_id} was changed by bob at ")
    assert "(it is now version 2); your change was not saved." in leadboard.err
    assert leadboard.card(int(card_id))["notes"] == "bob called"


@pytest.mark.parametrize("command", [
    ["promote", "--set", "need=Kernel support", "--set", "budget=100"],
    ["demote", "--reason", "not yet"],
    ["lose", "--reason", "Went silent"],
    ["reopen"],
    ["reassign", "--to", "carol"],
    ["edit", "--set", "title=CTO"],
])
def test_every_change_command_checks_the_version_it_is_given(leadboard: Leadboard,
                                                             command: list[str]) -> None:
    leadboard("add", "Barbara Liskov", "--email", "barbara@example.com", user="alice")
    card_id = leadboard.out.strip()
    leadboard("edit", card_id, "--set", "notes=second version", user="bob")
    before = leadboard.card(int(card_id))

    code = leadboard(command[0], card_id, *command[1:], "--if-version", "1", user="alice")

    assert code == EXIT_CONFLICT, leadboard.err
    assert "changed by bob" in leadboard.err
    assert leadboard.card(int(card_id)) == before


def test_the_current_version_goes_through(leadboard: Leadboard) -> None:
    leadboard("add", "Ken Thompson", "--email", "ken@example.com")
    card_id = leadboard.out.strip()
    assert leadboard("lose", card_id, "--reason", "Bad timing", "--if-version", "1") == EXIT_OK
    assert leadboard("reopen", card_id, "--if-version", "2") == EXIT_OK
    assert leadboard.card(int(card_id))["stage"] == "contact"


def test_a_version_must_be_a_positive_number(leadboard: Leadboard) -> None:
    assert leadboard("edit", "1", "--set", "title=CTO", "--if-version", "latest") == EXIT_BAD_INPUT
    assert "a card version is a whole number from 1" in leadboard.err


def test_two_real_processes_one_stale_exits_4(db_target: str, tmp_path: Path) -> None:
    """The same story with the installed command, as a script on the server would run it."""
    env = {**os.environ, "LEADBOARD_CONFIG": str(tmp_path / "none.toml"), "LEADBOARD_DB": db_target}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "leadboard", *args], capture_output=True, text=True,
                              env=env, timeout=60)

    card_id = run("add", "Dennis Ritchie", "--email", "dmr@example.com", "--user", "alice").stdout.strip()
    assert run("reassign", card_id, "--to", "bob", "--if-version", "1", "--user", "bob").returncode == EXIT_OK

    stale = run("lose", card_id, "--reason", "Went silent", "--if-version", "1", "--user", "alice")

    assert stale.returncode == EXIT_CONFLICT
    assert "changed by bob" in stale.stderr and stale.stderr.count("\n") == 1
    card = json.loads(run("show", card_id, "--json").stdout)
    assert (card["stage"], card["owner"], card["version"]) == ("contact", "bob", 2)


def test_init_creates_the_database_on_either_engine(leadboard: Leadboard) -> None:
    assert leadboard("init") == EXIT_OK
    assert leadboard.out.startswith("Database ready at ")
    assert ":***@" in leadboard.out or "://" not in leadboard.out  # never prints a password
    assert leadboard("init") == EXIT_OK  # again: nothing to do, still fine
    assert leadboard("list") == EXIT_OK and leadboard.out == ""
