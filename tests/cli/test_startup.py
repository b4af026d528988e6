"""A script that calls ``leadboard`` a thousand times pays its start-up every time: each command
imports only what it uses (how long that takes is the benchmark's to say, not a test's)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta

import pytest

#: modules no reading command needs: the board, the importer, the email check, the rules (the
#: default ones are read when a move needs them), schema changes and their steps (only when one is
#: due), the reports
NOT_FOR_READING = ("textual", "email_validator", "leadboard.tui", "leadboard.service.transfer.importer",
                   "leadboard.domain.rules", "playhouse.migrate", "leadboard.store.migrations.steps",
                   "leadboard.service.reports")

_RUN_AND_LIST_MODULES = """
import json, sys
from leadboard.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
raise SystemExit(code)
"""


def _modules_loaded_by(cli_env: dict[str, str], *args: str) -> tuple[str, set[str]]:
    done = subprocess.run([sys.executable, "-c", _RUN_AND_LIST_MODULES, *args], env=cli_env,
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout, set(json.loads(done.stderr.strip().splitlines()[-1]))


def _loaded(modules: set[str], name: str) -> bool:
    return any(module == name or module.startswith(name + ".") for module in modules)


@pytest.mark.parametrize("command", [("show", "{id}", "--json"), ("list", "--stage", "contact", "--json")])
def test_reading_a_card_loads_neither_the_board_nor_the_importer(leadboard, db, cli_env, command):
    card = leadboard("add", "Ada Lovelace", "--email", "ada@example.com").out.strip()
    out, modules = _modules_loaded_by(cli_env, "--db", db, *(part.format(id=card) for part in command))
    assert "Ada Lovelace" in out
    loaded = [name for name in NOT_FOR_READING if _loaded(modules, name)]
    assert loaded == []


def test_promoting_reads_the_rules_but_does_not_load_the_board(leadboard, db, cli_env):
    card = leadboard("add", "Ada Lovelace", "--email", "ada@example.com").out.strip()
    out, modules = _modules_loaded_by(cli_env, "--db", db, "promote", card, "--set", "need=Speed",
                                      "--set", "budget=100",
                                      "--set", f"purchase_by={date.today() + timedelta(days=30)}")
    assert "contact → lead" in out
    assert _loaded(modules, "leadboard.domain.rules")
    assert not _loaded(modules, "textual") and not _loaded(modules, "leadboard.service.transfer.importer")
    assert not _loaded(modules, "leadboard.service.reports")
    # nor what import and export read and write, nor the schema's steps on an up-to-date database
    assert not _loaded(modules, "leadboard.service.transfer")
    assert not _loaded(modules, "leadboard.store.migrations.steps")


def test_a_report_loads_the_reports_but_not_the_board(leadboard, db, cli_env):
    leadboard("add", "Ada Lovelace", "--email", "ada@example.com")
    out, modules = _modules_loaded_by(cli_env, "--db", db, "report", "funnel", "--json")
    assert json.loads(out)["stages"][0]["stage"] == "contact"
    assert _loaded(modules, "leadboard.service.reports") and not _loaded(modules, "textual")


_COUNT_COLLECTIONS = """
import gc, json, sys
import leadboard  # its first line raises the threshold: a collection while Python compiles it is not ours
collections = []
gc.callbacks.append(lambda phase, info: phase == "stop" and collections.append(info["generation"]))
from leadboard.cli import main
during_imports = list(collections)
code = main(sys.argv[1:])
sys.stdout.flush()
print(json.dumps({"imports": during_imports, "after": gc.get_threshold(), "frozen": gc.get_freeze_count()}),
      file=sys.stderr)
raise SystemExit(code)
"""


def test_the_garbage_collector_waits_out_start_up_then_leaves_it_alone(leadboard, db, cli_env):
    """Start-up makes objects that live as long as the process: no collection scans them while a
    command starts, and once it runs they are frozen and the collector is back to Python's pace."""
    card = leadboard("add", "Ada Lovelace", "--email", "ada@example.com").out.strip()
    done = subprocess.run([sys.executable, "-c", _COUNT_COLLECTIONS, "--db", db, "show", card, "--json"],
                          env=cli_env, capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(done.stdout)["name"] == "Ada Lovelace"
    seen = json.loads(done.stderr.strip().splitlines()[-1])
    assert seen["imports"] == []
    assert tuple(seen["after"]) == (700, 10, 10)  # Python's defaults
    assert seen["frozen"] > 10_000


_OPEN_THE_BOARD = """
import asyncio, json, sys
from leadboard.service.setup import open_pipeline
from leadboard.tui.app import LeadboardApp

async def main():
    app = LeadboardApp(open_pipeline(sys.argv[1], "alice"), offer_demo=False, poll_interval=None)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        shown = [card.name for card in app.screen.pipeline.find(None)]
        before = sorted(sys.modules)
        await pilot.press(sys.argv[2])
        await pilot.pause()
        print(json.dumps({"shown": shown, "before": before, "after": sorted(sys.modules),
                          "opened": type(app.screen).__name__}))

asyncio.run(main())
"""


def _open_the_board_and_press(cli_env: dict[str, str], db: str, key: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", _OPEN_THE_BOARD, db, key], env=cli_env, capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_board_loads_the_reports_only_when_they_are_opened(leadboard, db, cli_env):
    leadboard("add", "Ada Lovelace", "--email", "ada@example.com")
    seen = _open_the_board_and_press(cli_env, db, "R")
    assert seen["shown"] == ["Ada Lovelace"]
    reports = ("leadboard.service.reports", "leadboard.tui.screens.reports")
    assert [name for name in reports if name in seen["before"]] == []
    assert seen["opened"] == "ReportsScreen" and all(name in seen["after"] for name in reports)


def test_the_board_loads_its_card_form_only_when_a_card_is_added(leadboard, db, cli_env):
    """The first paint needs no dialog: the form and the yes/no question come with the first key
    that opens one."""
    leadboard("add", "Ada Lovelace", "--email", "ada@example.com")
    seen = _open_the_board_and_press(cli_env, db, "n")
    assert seen["shown"] == ["Ada Lovelace"]
    dialogs = ("leadboard.tui.screens.form", "leadboard.tui.screens.confirm")
    assert [name for name in dialogs if name in seen["before"]] == []
    assert seen["opened"] == "CardForm" and all(name in seen["after"] for name in dialogs)
