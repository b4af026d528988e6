"""What a colleague stored can never take over the terminal of whoever reads it.

The text is planted straight into the database (as another tool, an old leadboard or a colleague's
script could have written it), so nothing on the way in cleaned it. On a terminal (a real
pseudo-terminal here) every command's output shows the control characters as visible escapes;
through a pipe or into a file the same commands give the data exact.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import subprocess
import sys
import time

import pytest

from leadboard.domain.text import CONTROL_CHARACTERS
from leadboard.service.setup import close, open_pipeline
from leadboard.store.models import Activity, Card, History

EXIT_OK, EXIT_BLOCKED = 0, 3

#: a pane title, the clipboard (OSC 52), a screen clear by 8-bit CSI, an 8-bit OSC, bidi overrides
NAME = "Eve \x1b]0;owned\x07Corp\x9b2J"
REASON = "went cold \x1b]52;c;ZWNobyBvd25lZA==\x07 really\u202e"
SUMMARY = "called \x9d0;title\x9c them \u2066back\u2069"
BY = "mallory\x1b[8m"


def _plant(db: str) -> int:
    """A lost card with hostile text in every field a command prints, written past every check."""
    pipeline = open_pipeline(db, "alice")
    card = pipeline.create({"name": "Plain", "email": "eve@example.com", "company": "Plain"})
    pipeline.log_activity(card.id, "call", "plain")
    pipeline.lose(card.id, "plain")
    Card.update(name=NAME, company=NAME, lost_reason=REASON, notes=SUMMARY, owner=BY).where(
        Card.id == card.id).execute()
    History.update(reason=REASON, by=BY).where(History.card == card.id).execute()
    Activity.update(summary=SUMMARY, by=BY).where(Activity.card == card.id).execute()
    close()
    return card.id


def _on_a_terminal(db: str, env: dict[str, str], *args: object) -> tuple[int, bytes, bytes]:
    """``leadboard ARGS`` with standard output and error each on a pseudo-terminal of its own."""
    out_master, out_slave = pty.openpty()
    err_master, err_slave = pty.openpty()
    command = [sys.executable, "-m", "leadboard", "--db", db, *map(str, args)]
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                               stdout=out_slave, stderr=err_slave)
    os.close(out_slave)
    os.close(err_slave)
    got = {out_master: b"", err_master: b""}
    open_ends = set(got)
    deadline = time.monotonic() + 60
    while open_ends and time.monotonic() < deadline:
        ready, _, _ = select.select(list(open_ends), [], [], 1)
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the other end is closed
                chunk = b""
            if chunk:
                got[fd] += chunk
            else:
                open_ends.discard(fd)
    code = process.wait(timeout=30)
    for fd in got:
        os.close(fd)
    return code, got[out_master], got[err_master]


def _assert_inert(output: bytes) -> None:
    """No ESC (so no CSI, no OSC), no BEL, no 8-bit CSI/OSC or other C1, no bidi control."""
    text = output.decode("utf-8")
    # the terminal itself turns "\n" into "\r\n"; tab lays out text; nothing else may pass
    found = sorted({char for char in text if char in CONTROL_CHARACTERS} - {"\t", "\n", "\r"})
    assert not found, (found, text)
    for sequence in ("\x1b", "\x9b", "\x9d", "\x07", "\u202e", "\u2066", "\u2069"):
        assert sequence not in text


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [text for item in value for text in _strings(item)] if isinstance(value, list) else []


@pytest.fixture
def planted(db: str) -> int:
    return _plant(db)


COMMANDS = [("show", "{id}"), ("show", "{id}", "--json"), ("list",), ("list", "--json"),
            ("history", "{id}"), ("history", "{id}", "--json"), ("export",), ("export", "--format", "json"),
            ("export", "--with-history")]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: " ".join(args).replace("{id}", "ID"))
def test_stored_escapes_are_shown_never_obeyed_on_a_terminal(db, cli_env, planted, args):
    code, out, err = _on_a_terminal(db, cli_env, *(a.format(id=planted) for a in args))
    assert code == EXIT_OK, (out, err)
    _assert_inert(out)
    _assert_inert(err)
    text = out.decode("utf-8")
    if "--json" in args or "json" in args:
        strings = set(_strings(json.loads(text)))  # escaped as JSON: still the same data
        assert NAME in strings or REASON in strings, text
    else:
        assert "Eve \\x1b]0;owned\\x07Corp\\x9b2J" in text or "mallory\\x1b[8m" in text, text


def test_the_same_commands_through_a_pipe_give_the_data_exact(leadboard, planted):
    shown = leadboard("show", planted, "--json").json()
    assert (shown["name"], shown["lost_reason"], shown["owner"]) == (NAME, REASON, BY)
    assert [card["name"] for card in leadboard("list", "--json").json()] == [NAME]
    assert leadboard("history", planted, "--json").json()[-1]["reason"] == REASON
    assert NAME in leadboard("show", planted).out
    assert REASON in leadboard("history", planted).out
    exported = leadboard("export", "--with-history")
    rows = list(csv.DictReader(io.StringIO(exported.out, newline="")))
    assert rows[0]["name"] == NAME and rows[0]["lost_reason"] == REASON
    assert SUMMARY in rows[0]["activity_log"]


def test_a_rules_files_messages_are_inert_on_a_terminal(db, cli_env, tmp_path, leadboard):
    from leadboard.domain.rules import default_rules_text

    rules = tmp_path / "sneaky.toml"
    rules.write_text(default_rules_text().replace(
        'message = "Write down what they need from us."',
        'message = "\\u001b]0;owned\\u0007Write down\\u009b2J what they need\\u202e."'), "utf-8")
    card = leadboard("add", "Ada", "--email", "ada@example.com").out.strip()
    code, out, err = _on_a_terminal(db, cli_env, "--rules", rules, "promote", card)
    assert code == EXIT_BLOCKED
    _assert_inert(out)
    _assert_inert(err)
    assert b"need: " in err


def test_a_refused_argument_is_echoed_inert_on_a_terminal(db, cli_env, planted):
    code, out, err = _on_a_terminal(db, cli_env, "show", planted, "\x1b]0;owned\x07")
    assert code == 2 and out == b""
    _assert_inert(err)
    assert b"unrecognized arguments: \\x1b]0;owned\\x07" in err
