"""``leadboard import`` and ``leadboard export`` as a salesperson runs them, including an import
killed halfway through."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from leadboard.service.transfer.sample import write_sample_csv
from tests.service.import_helpers import as_imported_by

EXIT_OK, EXIT_BAD_INPUT, EXIT_PARTLY = 0, 2, 5


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_prints_a_summary_and_where_the_rejects_are(leadboard, tmp_path):
    path = _csv(tmp_path / "crm.csv", "Full Name;E-mail;Deal Stage\nAda;ada@example.com;Won\n"
                                      ";;Won\nLinus;linus@example.com;\n")
    ran = leadboard("import", path, "--stage-map", "Won=account")
    assert ran.code == EXIT_PARTLY, ran
    assert ("Imported 2 cards (1 contact, 1 account), 1 kept at their stage with gate rules accepted as warnings"
            in ran.out)
    assert f"rejected 1: see {path}.rejects.csv" in ran.out
    assert ";;Won;line 3: the row has no name" in (tmp_path / "crm.csv.rejects.csv").read_text()
    listed = leadboard("list", "--json").json()
    assert {(card["name"], card["stage"]) for card in listed} == {("Ada", "account"), ("Linus", "contact")}
    assert leadboard("show", listed[0]["id"]).code == EXIT_OK


def test_import_with_enforce_gates_says_what_held_cards_back(leadboard, tmp_path):
    path = _csv(tmp_path / "crm.csv", "Name,Email,Stage\nAda,ada@example.com,lead\n")
    ran = leadboard("import", path, "--enforce-gates")
    assert "1 placed lower than their source stage (blocked by need 1, budget 1, timeline 1)" in ran.out, ran
    assert leadboard("list", "--json").json()[0]["stage"] == "contact"


def test_duplicates_are_skipped_then_updated_with_update(leadboard, tmp_path):
    assert leadboard("add", "Ada", "--email", "ada@example.com").code == EXIT_OK
    path = _csv(tmp_path / "crm.csv", "Name,Email,Job Title\nAda,ADA@example.com,Countess\n")
    skipped = leadboard("import", path)
    assert "skipped 1 duplicate (use --update to update them)" in skipped.out, skipped
    updated = leadboard("import", path, "--update")
    assert "Updated 1;" in updated.out, updated
    assert leadboard("list", "--json").json()[0]["title"] == "Countess"


def test_dry_run_changes_nothing(leadboard, tmp_path):
    path = _csv(tmp_path / "crm.csv", "Name,Email\nAda,ada@example.com\n")
    ran = leadboard("import", path, "--dry-run")
    assert "Dry run: nothing was written" in ran.out and "Would import 1 card" in ran.out, ran
    assert leadboard("list", "--json").json() == []


def test_a_file_that_cannot_be_imported_is_one_line_and_exit_2(leadboard, tmp_path):
    cases = [
        (tmp_path / "missing.csv", "no such file"),
        (_csv(tmp_path / "empty.csv", ""), "is empty"),
        (_csv(tmp_path / "header.csv", "Name,Email\n"), "has a header but no rows"),
        (_csv(tmp_path / "nameless.csv", "Who,Notes\nAda,likes tea\n"), "No column gives the card's name"),
        (_csv(tmp_path / "stages.csv", "Name,Stage\nAda,Haggling\n"), "--stage-map 'Haggling=lead'"),
    ]
    for path, message in cases:
        ran = leadboard("import", path)
        assert ran.code == EXIT_BAD_INPUT, ran
        assert ran.err.count("\n") == 1 and message in ran.err and "Traceback" not in ran.err, ran


def test_bad_options_are_one_line_and_exit_2(leadboard, tmp_path):
    path = _csv(tmp_path / "crm.csv", "Name,Email\nAda,ada@example.com\n")
    for options in (["--map", "Email=shoe size"], ["--map", "Phone=phone"], ["--stage-map", "Won=heaven"],
                    ["--batch-size", "lots"]):
        ran = leadboard("import", path, *options)
        assert ran.code == EXIT_BAD_INPUT and ran.err.count("\n") == 1, ran


def test_export_writes_csv_or_json_to_stdout_or_a_file(leadboard, tmp_path):
    leadboard("demo", "--cards", "30")
    as_csv = list(csv.DictReader(io.StringIO(leadboard("export").out)))
    as_json = leadboard("export", "--format", "json").json()
    assert len(as_csv) == len(as_json) == 30
    assert [row["email"] for row in as_csv] == [card["email"] for card in as_json]
    lost = leadboard("export", "--stage", "lost", "--format", "json").json()
    assert {card["stage"] for card in lost} <= {"lost"}
    ran = leadboard("export", tmp_path / "board.json", "--with-history")
    assert ran.code == EXIT_OK and "Exported 30 cards" in ran.err, ran
    assert all(card["history"] for card in json.loads((tmp_path / "board.json").read_text()))


def test_export_to_a_folder_that_does_not_exist_is_one_line_and_exit_2(leadboard, tmp_path):
    assert leadboard("add", "Ada", "--email", "ada@example.com").code == EXIT_OK
    ran = leadboard("export", tmp_path / "nowhere" / "board.csv")
    assert ran.code == EXIT_BAD_INPUT and ran.err.count("\n") == 1 and "no folder" in ran.err, ran


def test_export_then_import_into_a_new_board_gives_the_same_board(leadboard, tmp_path):
    leadboard("demo", "--cards", "60")
    assert leadboard("export", tmp_path / "board.csv").code == EXIT_OK
    other = tmp_path / "other.db"
    ran = leadboard("--db", other, "import", tmp_path / "board.csv")
    assert "Imported 60 cards" in ran.out and "rejected 0" in ran.out, ran
    before = list(csv.DictReader(io.StringIO(leadboard("export").out)))
    after = list(csv.DictReader(io.StringIO(leadboard("--db", other, "export").out)))
    # the same cards, each with its id on the first board as its source id, but for what is the new
    # database's own: no interactions (they are counted from activities, which an export without
    # --with-history leaves out), version 1, made and changed by the importing user (alice)
    assert [card["source_id"] for card in after] == [card["id"] for card in before]
    assert any(card["activity_count"] != "0" for card in before)
    assert [{**card, "id": None, "source_id": None} for card in after] == [
        as_imported_by({**card, "id": None, "source_id": None}, "alice") for card in before]


def test_an_import_killed_midway_leaves_whole_batches_and_finishes_when_run_again(
        leadboard, db, engine, cli_env, tmp_path):
    if engine != "sqlite":
        pytest.skip("reads the SQLite file beside the killed process (the service tests cover a crash "
                    "mid-batch on PostgreSQL)")
    rows = 30_000
    path = write_sample_csv(tmp_path / "big.csv", rows, seed=5)
    command = [sys.executable, "-m", "leadboard", "--db", str(db), "import", str(path), "--batch-size", "1000"]
    process = subprocess.Popen(command, env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        done = _wait_for_rows(db, process, at_least=3000)
        assert 0 < done < rows, "the import must be killed halfway through"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _processes_reading(path) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            process.kill()
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        connection.execute("INSERT INTO card_search(card_search) VALUES ('integrity-check')")
        rows_done, imported, skipped = connection.execute(
            "SELECT rows_done, imported, skipped FROM import_run").fetchone()
        cards = connection.execute("SELECT COUNT(*) FROM card").fetchone()[0]
        histories = connection.execute("SELECT COUNT(*) FROM history").fetchone()[0]
        totals = connection.execute("SELECT SUM(cards) FROM stage_total").fetchone()[0]
    finally:
        connection.close()
    # every committed batch is whole: 1,000 rows each, each row a card or a counted duplicate
    assert rows_done % 1000 == 0 and rows_done == imported + skipped
    assert cards == imported == histories == totals

    again = leadboard("import", path)
    assert again.code == EXIT_OK, again
    assert f"carrying on after row {rows_done:,}" in again.out
    connection = sqlite3.connect(db)
    try:
        cards, emails = connection.execute("SELECT COUNT(*), COUNT(DISTINCT lower(email)) FROM card").fetchone()
        finished = connection.execute("SELECT rows_done, imported, skipped FROM import_run").fetchone()
    finally:
        connection.close()
    assert finished[0] == rows and cards == emails == finished[1] and finished[1] + finished[2] == rows
    assert not _processes_reading(path), "the killed import's reading process must not linger"


def _processes_reading(path: Path) -> list[str]:
    """Processes still running with the file on their command line (the killed import's helper)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(path) in command and str(os.getpid()) != entry.name:
            found.append(command)
    return found


def _wait_for_rows(db: Path, process: subprocess.Popen, at_least: int) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        try:
            connection = sqlite3.connect(db, timeout=1)
            try:
                row = connection.execute("SELECT rows_done FROM import_run").fetchone()
            finally:
                connection.close()
        except sqlite3.OperationalError:  # not created yet
            row = None
        if row and row[0] >= at_least:
            return int(row[0])
        time.sleep(0.05)
    raise AssertionError("the import did not get going")


def test_list_json_is_the_export_format_and_imports_back(tmp_path):
    """One card shape everywhere: what `list --json` prints, `import` reads."""

    def leadboard(db, *args):
        done = subprocess.run([sys.executable, "-m", "leadboard", "--db", str(db), "--user", "alice", *args],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    source = tmp_path / "source.db"
    leadboard(source, "add", "Ada Lovelace", "--email", "ada@example.com", "--set", "budget=1200.50")
    listed = leadboard(source, "list", "--json")
    exported = leadboard(source, "export", "--format", "json")
    assert json.loads(listed) == json.loads(exported)
    (tmp_path / "listed.json").write_text(listed)
    copy = tmp_path / "copy.db"
    leadboard(copy, "import", str(tmp_path / "listed.json"))
    [card] = json.loads(leadboard(copy, "list", "--json"))
    assert (card["name"], card["budget"], card["stage"]) == ("Ada Lovelace", "1200.5", "contact")


def test_show_and_list_give_a_cards_extra_fields_under_one_extra_object(leadboard, tmp_path):
    path = _csv(tmp_path / "crm.csv", "Name,Email,Lead Source,Phone\nAda,ada@example.com,Trade fair,ext. 101\n")
    ran = leadboard("import", path)
    assert ran.code == EXIT_OK and "Phone: 1 value could not be read" in ran.out, ran
    [card] = leadboard("list", "--json").json()
    assert card["extra"] == {"Lead Source": "Trade fair", "Phone": "ext. 101"} and "Lead Source" not in card
    assert leadboard("show", card["id"], "--json").json()["extra"] == card["extra"]
    shown = leadboard("show", card["id"]).out
    assert "Lead Source *" in shown and "Trade fair" in shown and "ext. 101" in shown


def test_the_exit_code_says_whether_every_row_was_imported_and_a_dry_run_exits_as_the_run_would(leadboard, tmp_path):
    clean = _csv(tmp_path / "clean.csv", "Name,Email\nAda,ada@example.com\n")
    partly = _csv(tmp_path / "partly.csv", "Name,Email,Notes\nGrace,grace@example.com,\n,,nobody\n")
    none = _csv(tmp_path / "none.csv", "Name,Email,Notes\n,,nobody\n,,no one\n")
    stages = _csv(tmp_path / "stages.csv", "Name,Stage\nAda,Haggling\nGrace,Haggling\n")
    for path, code in ((clean, EXIT_OK), (partly, EXIT_PARTLY), (none, EXIT_BAD_INPUT), (stages, EXIT_BAD_INPUT)):
        dry = leadboard("import", path, "--dry-run")
        assert dry.code == code, dry
        assert leadboard("list", "--json").json() == []
    assert "'Haggling' (2 rows)" in dry.out and "--stage-map 'Haggling=lead'" in dry.out
    for path, code in ((clean, EXIT_OK), (partly, EXIT_PARTLY), (none, EXIT_BAD_INPUT), (stages, EXIT_BAD_INPUT)):
        ran = leadboard("import", path)
        assert ran.code == code, ran
        assert ran.err.count("\n") <= 1 and "Traceback" not in ran.err, ran
    assert {card["name"] for card in leadboard("list", "--json").json()} == {"Ada", "Grace"}


def test_owner_map_names_the_files_owners(leadboard, tmp_path):
    path = _csv(tmp_path / "crm.csv", "Name,Email,Owner\nAda,ada@example.com,005X\nGrace,grace@example.com,Jo\n")
    assert leadboard("import", path, "--owner-map", "005X=alice").code == EXIT_OK
    assert {c["name"]: c["owner"] for c in leadboard("list", "--json").json()} == {"Ada": "alice", "Grace": "Jo"}
    assert leadboard("import", path, "--owner-map", "005X").code == EXIT_BAD_INPUT


def test_an_imported_won_deal_counts_in_the_win_rate_of_the_day_it_closed_in_the_source(leadboard):
    opportunities = Path(__file__).parents[1] / "service" / "vendor_files" / "salesforce_opportunities_dataloader.csv"
    dry = leadboard("import", opportunities, "--dry-run")
    assert dry.code == EXIT_OK, dry
    assert leadboard("list", "--json").json() == []
    assert leadboard("import", opportunities).code == EXIT_OK
    # two days around its CloseDate (2026-03-01 at midnight UTC), whatever the machine's time zone
    around = leadboard("report", "winrate", "--all", "--from", "2026-02-28", "--to", "2026-03-01", "--json").json()
    assert (around["won"], around["lost"]) == (1, 0)
    before = leadboard("report", "winrate", "--all", "--from", "2026-02-15", "--to", "2026-02-27", "--json").json()
    assert (before["won"], before["lost"]) == (0, 0)
    won = next(c for c in leadboard("list", "--json", "--stage", "account").json())
    history = leadboard("history", won["id"])
    assert history.code == 0, history
    assert "entered account on 2026-03-01 in the source" in history.out
