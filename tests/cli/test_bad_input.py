"""Every bad input is one sentence on stderr, exit 2, and nothing written: a test per class, with
the example the sweep found and others of the same class, on each engine under test.

Commands run in this process (``main``), so each class costs milliseconds, not a Python start-up.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from leadboard.cli import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, main
from leadboard.domain.filter import CardFilter
from leadboard.domain.rules import default_rules_text
from leadboard.service.setup import close, open_pipeline

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(autouse=True)
def no_personal_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADBOARD_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("LEADBOARD_USER", "alice")
    for variable in ("LEADBOARD_DB", "LEADBOARD_RULES", "LEADBOARD_SHARED_GROUP"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def run(db_target: str, capsys: pytest.CaptureFixture[str]) -> Run:
    """``run("show", 1)`` is ``leadboard --db DB show 1``: (exit code, stdout, stderr)."""

    def go(*args: object, db: str | None = None) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["--db", db if db is not None else db_target, *map(str, args)])
        close()
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return go


@pytest.fixture
def board(run: Run) -> int:
    """A database with one card; returns its id."""
    code, out, err = run("add", "Ada Lovelace", "--email", "ada@example.com")
    assert code == EXIT_OK, err
    return int(out)


def state(run: Run, tmp_path: Path) -> tuple[str, list[tuple[str, int]]]:
    """Everything a bad command could have changed: every card with its history, and the files."""
    code, out, err = run("export", "--format", "json", "--with-history")
    assert code == EXIT_OK, err
    files = sorted((str(p.relative_to(tmp_path)), p.stat().st_size) for p in tmp_path.rglob("*")
                   if p.is_file() and not p.name.endswith(("-wal", "-shm")))
    return out, files


def refused(run: Run, tmp_path: Path, *args: object, says: str, db: str | None = None) -> str:
    before = state(run, tmp_path)
    code, out, err = run(*args, db=db)
    assert code == EXIT_BAD_INPUT, (code, out, err)
    assert err.startswith("leadboard: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert says in err, err
    assert state(run, tmp_path) == before
    return err


def test_ids_and_versions_beyond_64_bits(run, tmp_path, board):
    refused(run, tmp_path, "show", 9223372036854775808, says="a card id is a whole number from 1 to")
    refused(run, tmp_path, "history", 10**30, says="a card id is a whole number")
    refused(run, tmp_path, "edit", board, "--set", "notes=x", "--if-version", 2**64, says="a card version")
    refused(run, tmp_path, "demo", "--cards", 10**40, says="the number of demo cards is a whole number")


def imported_around(run: Run, tmp_path: Path, bad: list[str], name: str = "cards.json") -> tuple[int, str, list[str]]:
    """Import a JSON file of one good card, the ``bad`` items (JSON text) and another good card:
    (exit code, stderr, the names of the cards now on the board)."""
    path = tmp_path / name
    good = [json.dumps({"name": f"Good {n}", "email": f"good{n}@example.com"}) for n in (1, 2)]
    path.write_text("[" + ", ".join([good[0], *bad, good[1]]) + "]")
    code, out, err = run("import", path)
    assert "Traceback" not in out + err, err
    listed = run("list", "--json")
    return code, err, sorted(card["name"] for card in json.loads(listed[1]))


def rejects(tmp_path: Path, name: str = "cards.json") -> str:
    return (tmp_path / f"{name}.rejects.csv").read_text()


def test_a_number_beyond_64_bits_in_an_imported_file(run, tmp_path, board):
    """A version or a count no column holds is a system field's value: kept as text on the card,
    never stored as its version, and the rest of the file imports."""
    bad = [json.dumps({"name": "Big", "email": "big@example.com", "version": 10**30}),
           json.dumps({"name": "Count", "email": "count@example.com", "activity_count": 2**70}),
           json.dumps({"name": "Id", "email": "id@example.com", "id": 2**64 + 1})]
    code, err, names = imported_around(run, tmp_path, bad)
    assert code == EXIT_OK, err
    assert names == ["Ada Lovelace", "Big", "Count", "Good 1", "Good 2", "Id"]
    cards = {card["name"]: card for card in json.loads(run("list", "--json")[1])}
    assert cards["Big"]["version"] == 1 and cards["Big"]["extra"] == {"version": str(10**30)}
    assert cards["Count"]["activity_count"] == 0


def test_invalid_utf8_in_an_argument(run, tmp_path, board):
    bad = b"\xff".decode("utf-8", "surrogateescape")  # what Python makes of $'\xff'
    refused(run, tmp_path, "log", board, "--kind", "call", "--summary", bad, says="is not valid UTF-8 text")
    refused(run, tmp_path, "add", "Bob" + bad, "--email", "bob@example.com", says="is not valid UTF-8")
    refused(run, tmp_path, "--user", "b\xe9" + bad, "edit", board, "--set", "notes=x", says="not valid UTF-8")


def test_input_nested_a_thousand_deep(run, tmp_path, board):
    """A JSON item nested too deeply is its row's problem: rejected with the reason, the rest
    imported. A file whose list itself is one deep value has no card; a rules file is refused."""
    bad = ['{"name": "Ada", "email": "a2@example.com", "notes": ' + "[" * 5000 + "]" * 5000 + "}",
           '{"name": "Deep", "email": "d@example.com", "x": ' + '{"a": ' * 1000 + "1" + "}" * 1000 + "}",
           '{"name": "Fair", "email": "f@example.com", "x": ' + "[" * 150 + "]" * 150 + "}"]
    code, err, names = imported_around(run, tmp_path, bad)
    assert code == 5, err
    assert names == ["Ada Lovelace", "Good 1", "Good 2"]
    assert rejects(tmp_path).count("a value is nested more than 100 levels deep") == 3
    path = tmp_path / "deep.json"
    path.write_text("[" * 1000 + "]" * 1000)
    refused(run, tmp_path, "import", path, says="no item of the JSON list can be read as a card (a value is nested")
    rules = tmp_path / "deep.toml"
    rules.write_text(default_rules_text() + "\nx = " + "[" * 1000 + "]" * 1000 + "\n")
    refused(run, tmp_path, "--rules", rules, "promote", board, says="nested too deeply")
    rules.write_text("x = " + "{a = " * 600 + "1" + "}" * 600 + "\n")
    refused(run, tmp_path, "--rules", rules, "list", says="nested too deeply")


def test_a_5000_digit_json_number(run, tmp_path, board):
    bad = ['{"name": "Ada", "email": "a3@example.com", "budget": 1' + "0" * 5000 + "}",
           '{"name": "Neg", "email": "n3@example.com", "phone": -' + "9" * 4400 + "}"]
    code, err, names = imported_around(run, tmp_path, bad)
    assert code == 5, err
    assert names == ["Ada Lovelace", "Good 1", "Good 2"]
    assert rejects(tmp_path).count("a number has more than 4,300 digits") == 2


def test_a_json_file_that_cannot_be_parsed_is_one_sentence(run, tmp_path, board):
    path = tmp_path / "cut.json"
    path.write_text('[{"name": "Ada", "email": "a9@example.com"}, {"name": "B", "notes": ' + "[" * 2000)
    refused(run, tmp_path, "import", path, says="the JSON is broken")
    path.write_text('[{"name": "Ada", "email": "a9@example.com"} {"name": "B"}]')
    refused(run, tmp_path, "import", path, says="the JSON is broken at line 1")


def test_utf16_of_odd_length_or_with_a_lone_surrogate(run, tmp_path, board):
    path = tmp_path / "odd.csv"
    path.write_bytes("name,email\nAda,a4@example.com\n".encode("utf-16") + b"x")
    refused(run, tmp_path, "import", path, says="not valid text")
    path.write_bytes(b"\xff\xfe" + "name,email\nAda,a4@example.com\n".encode("utf-16-le") + b"\x00\xd8A\x00\n\x00")
    refused(run, tmp_path, "import", path, says="not valid text")


def test_a_mostly_utf8_file_with_windows_1252_lines_is_read_line_by_line(run, tmp_path, board):
    path = tmp_path / "two-exports.csv"
    path.write_bytes("name,email,notes\nJosé,jose@example.com,café\n".encode()
                     + "François,fr@example.com,naïve – ok\n".encode("cp1252")
                     + "Zoë,zoe@example.com,ünïcode\n".encode())
    code, out, err = run("import", path)
    assert code == EXIT_OK, err
    assert "UTF-8 (line 3 not UTF-8, read as Windows-1252)" in out
    cards = {card["name"]: card["notes"] for card in json.loads(run("list", "--json")[1])}
    assert cards == {"Ada Lovelace": None, "José": "café", "François": "naïve – ok", "Zoë": "ünïcode"}
    path.write_bytes("name,email\nJosé,j2@example.com\n".encode() + b"Fran\xe7ois,f2@example.com\n"
                     + b"\x81bad,b2@example.com\n")
    code, out, err = run("import", path)
    assert code == EXIT_OK, err
    assert "UTF-8 (lines 3, 4 not UTF-8, read as Latin-1)" in out


def test_a_utf8_or_utf16_file_with_a_bom_keeps_working(run, tmp_path, board):
    for encoding in ("utf-8-sig", "utf-16", "utf-16-be"):
        path = tmp_path / f"{encoding}.csv"
        bom = b"\xfe\xff" if encoding == "utf-16-be" else b""
        path.write_bytes(bom + f"name,email\nRenée {encoding},r-{encoding}@example.com\n".encode(encoding))
        code, _out, err = run("import", path)
        assert code == EXIT_OK, err
    names = sorted(card["name"] for card in json.loads(run("list", "--json")[1]))
    assert names == ["Ada Lovelace", "Renée utf-16", "Renée utf-16-be", "Renée utf-8-sig"]


def test_a_csv_header_longer_than_64_kib_is_read_whole(run, tmp_path, board):
    columns = [f"column {n}" for n in range(9000)]
    path = tmp_path / "wide.csv"
    path.write_text("name,email," + ",".join(columns) + "\nWide,wide@example.com," + ",".join(
        str(n) for n in range(9000)) + "\n")
    assert path.stat().st_size > 2 * 64 * 1024
    code, _out, err = run("import", path)
    assert code == EXIT_OK, err
    card = next(c for c in json.loads(run("list", "--json")[1]) if c["name"] == "Wide")
    assert len(card["extra"]) == 9000 and card["extra"]["column 8999"] == "8999"


def test_an_oversized_cell_costs_its_row_or_is_cut_at_the_documented_limit(run, tmp_path, board):
    from leadboard.service.transfer.reading import FIELD_LIMIT

    path = tmp_path / "big.csv"
    path.write_text("name,email,notes\nTen,ten@example.com," + "x" * 10_000_000 + "\n"
                    + "Huge,huge@example.com," + "y" * (FIELD_LIMIT + 1) + "\nSmall,s@example.com,ok\n")
    code, _out, err = run("import", path)
    assert code == 5, err
    cards = {card["name"]: card for card in json.loads(run("list", "--json")[1])}
    assert sorted(cards) == ["Ada Lovelace", "Small", "Ten"]
    assert cards["Ten"]["notes"] is None and len(cards["Ten"]["extra"]["notes"]) == 64 * 1024
    assert "line 3: the row cannot be read as CSV (field larger than field limit" in rejects(tmp_path, "big.csv")


def test_dates_at_the_limits_of_the_calendar(run, tmp_path, board):
    refused(run, tmp_path, "edit", board, "--set", "purchase_by=9999-12-31", says="the year must be between")
    refused(run, tmp_path, "edit", board, "--set", "close_by=0001-01-01", says="the year must be between")
    refused(run, tmp_path, "promote", board, "--set", "need=x", "--set", "budget=5", "--set",
            "purchase_by=99999-01-01", says="purchase_by")


@pytest.mark.parametrize(("url", "says"), [
    ("foo://x/y", "not foo"),
    ("mysql://user@host/leadboard", "not mysql"),
    ("postgresql://host:99999/leadboard", "port out of range"),
    ("postgresql://", "it names no database"),
    ("postgresql://host:0/leadboard", "port 0 is not a port"),
    ("sqlite://host/x.db", "a SQLite URL names a file"),
    ("sqlite://", "a SQLite URL names a file"),
    ("postgresql://host:port/leadboard", "port could not be cast"),
])
def test_an_unknown_or_malformed_database_url(run, tmp_path, board, url, says):
    err = refused(run, tmp_path, "list", says=says, db=url)
    assert err.startswith("leadboard: Cannot use the database URL ")
    refused(run, tmp_path, "add", "Ada", "--email", "a5@example.com", says=says, db=url)


def test_a_postgresql_url_without_the_postgresql_driver_installed(run, monkeypatch):
    with monkeypatch.context() as hidden:
        hidden.setitem(sys.modules, "psycopg2", None)  # as in an install without the postgres extra
        code, out, err = run("list", db="postgresql://leadboard@db.example.com/leadboard")
    assert code == EXIT_BAD_INPUT and out == ""
    assert err == ("leadboard: A PostgreSQL database needs its driver, psycopg2: install leadboard with it "
                   "(pip install 'leadboard[postgres]').\n")


def test_a_rules_file_whose_days_overflow_a_date(run, tmp_path, board):
    rules = tmp_path / "team.toml"
    rules.write_text(default_rules_text().replace("max_days = 365", "max_days = 99999999999"))
    assert "max_days = 99999999999" in rules.read_text()
    refused(run, tmp_path, "--rules", rules, "promote", board, says="less than or equal to 36500")
    rules.write_text(default_rules_text().replace("min_days = 0, max_days = 365", "min_days = -1000000000000"))
    refused(run, tmp_path, "--rules", rules, "promote", board, says="greater than or equal to -36500")


def test_a_nul_never_reaches_the_database(run, tmp_path, board, db_target):
    """PostgreSQL refuses text holding NUL; the way in removes it from every text a user sends."""
    path = tmp_path / "nul.json"
    path.write_text(json.dumps([{"name": "A\x00B", "email": "nul@example.com", "company": "C\x00",
                                 "notes": "x\x00y", "created_by": "b\x00ob"}]))
    code, _out, err = run("import", path)
    assert code == EXIT_OK, err
    pipeline = open_pipeline(db_target, "alice")
    card = pipeline.find(None, CardFilter(search="A\x00B"))[0]
    assert (card.name, card.company, card.notes) == ("AB", "C", "xy")
    assert pipeline.find(None, CardFilter(owner="ali\x00ce", search="Ada\x00")) != []
    close()


def test_a_full_disk_is_named_as_such(tmp_path, capsys, monkeypatch):
    from leadboard.store import db

    path = tmp_path / "small.db"
    assert main(["--db", str(path), "add", "Ada", "--email", "ada@example.com"]) == EXIT_OK
    close()
    before = path.stat().st_size
    monkeypatch.setitem(db.SQLITE_PRAGMAS, "max_page_count", 40)  # the "disk" holds 40 pages
    capsys.readouterr()
    assert main(["--db", str(path), "demo", "--cards", "3000", "--force"]) == EXIT_FAILED
    close()
    err = capsys.readouterr().err
    assert err.startswith("leadboard: the disk is full") and err.count("\n") == 1, err
    monkeypatch.delitem(db.SQLITE_PRAGMAS, "max_page_count")
    assert main(["--db", str(path), "list", "--json"]) == EXIT_OK
    close()
    assert len(json.loads(capsys.readouterr().out)) == 1 and path.stat().st_size >= before


def test_a_full_disk_is_named_when_the_operating_system_says_so(run, tmp_path, board, monkeypatch):
    """ENOSPC from the operating system (writing the rejects file, or anywhere a command writes):
    the sentence says the disk is full, not "No space left on device" or a traceback."""
    import errno
    import os

    from leadboard.service.transfer import importer

    path = tmp_path / "crm.csv"
    path.write_text("name,email\nGrace,grace@example.com\nx,y,z\n")  # a row too long: a reject

    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(importer.os, "write", full)
    code, _out, err = run("import", path)
    monkeypatch.undo()
    assert code == EXIT_BAD_INPUT and err.count("\n") == 1, err
    assert f"Cannot write the rejects file {path}.rejects.csv (the disk is full)" in err, err
    import leadboard.cli as cli

    def no_space(*_args: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "x.db"))

    monkeypatch.setattr(cli, "run", no_space)
    code, _out, err = run("add", "Hopper", "--email", "hopper@example.com")
    assert (code, err) == (EXIT_FAILED, f"leadboard: {cli.DISK_FULL}\n")


def test_a_batch_size_must_be_a_positive_number(run, tmp_path, board):
    path = tmp_path / "crm.csv"
    path.write_text("name,email\nGrace,grace@example.com\n")
    refused(run, tmp_path, "import", path, "--batch-size", 0, says="a batch size is a whole number from 1")
    refused(run, tmp_path, "import", path, "--batch-size", -5, says="a batch size")
    refused(run, tmp_path, "import", path, "--batch-size", 10**7, says="to 1,000,000")


def test_demo_cards_have_a_documented_upper_bound(run, tmp_path, board):
    refused(run, tmp_path, "demo", "--cards", 1_000_001, says="from 0 to 1,000,000")
    refused(run, tmp_path, "demo", "--cards", "1e6", says="the number of demo cards")


def test_init_shared_refuses_a_group_that_does_not_exist(tmp_path, capsys):
    for group in ("no-such-group-xyz", "987654321"):
        target = tmp_path / group / "team.db"
        assert main(["init", "--db", str(target), "--shared", group]) == EXIT_BAD_INPUT
        err = capsys.readouterr().err
        assert err == f"leadboard: There is no group {group!r} on this machine.\n"
        assert not target.exists() and not target.parent.exists()


def test_an_argument_of_nothing_but_a_huge_number_never_reaches_sqlite(run, tmp_path, board):
    refused(run, tmp_path, "reassign", "1" + "0" * 5000, "--to", "bob", says="a card id is a whole number")


def test_a_forged_activity_count_in_an_imported_file_never_passes_the_relationship_rule(run, tmp_path, board):
    """``activity_count`` is counted from the activities a card comes with, never read from a file:
    a lead whose file claims five calls is placed below opportunity (or warned), and still cannot be
    promoted; a JSON export's activity log is what counts."""
    soon = [(date.today() + timedelta(days=days)).isoformat() for days in (90, 30)]
    develop = {"need": "Tracking", "budget": "1000", "purchase_by": soon[0], "authority": "yes",
               "requirements": "SSO", "supplier": "dropped", "value": "5000", "close_by": soon[1],
               "terms": "net 30", "decision_maker": "Bob"}
    header = ["name", "email", "stage", *develop, "activity_count"]
    path = tmp_path / "forged.csv"
    path.write_text(",".join(header) + "\n"
                    + ",".join(["Eve", "eve@example.com", "opportunity", *develop.values(), "5"]) + "\n"
                    + ",".join(["Mal", "mal@example.com", "lead", *develop.values(), "99"]) + "\n", "utf-8")
    code, out, err = run("import", str(path), "--enforce-gates")
    assert code == EXIT_OK, err
    assert "1 placed lower than their source stage (blocked by relationship 1)" in out
    cards = {card["name"]: card for card in json.loads(run("list", "--json")[1])}
    assert (cards["Eve"]["stage"], cards["Eve"]["activity_count"]) == ("lead", 0)
    assert (cards["Mal"]["stage"], cards["Mal"]["activity_count"]) == ("lead", 0)
    code, _, err = run("promote", cards["Mal"]["id"])
    assert code != EXIT_OK and "The develop gate is blocked by: relationship." in err, err
    assert run("show", cards["Mal"]["id"], "--json")[1].count('"stage": "lead"') == 1

    # a JSON file's claimed count is replaced by its activity log's interactions (a note is none)
    log = [{"kind": "call", "summary": "Intro", "at": "2026-01-05T10:00:00", "by": "alice"},
           {"kind": "note", "summary": "Likes tea", "at": "2026-01-06T10:00:00", "by": "alice"}]
    (tmp_path / "logged.json").write_text(json.dumps([{"name": "Lin", "email": "lin@example.com", "stage": "lead",
                                                       **develop, "activity_count": 7, "activity_log": log}]))
    code, out, err = run("import", str(tmp_path / "logged.json"))
    assert code == EXIT_OK, err
    lin = next(card for card in json.loads(run("list", "--json")[1]) if card["name"] == "Lin")
    assert lin["activity_count"] == 1


def test_a_files_version_and_authors_are_never_taken_as_the_cards_own(run, tmp_path, board):
    """Who made and changed a card, and its version, are the database's own: a file saying
    ``created_by=mallory`` cannot put a card in someone else's name, and ``version=7`` (or one
    beyond 64 bits) is not the card's version, so the next change's conflict check is the real one."""
    path = tmp_path / "forged.csv"
    path.write_text("name,email,version,created_by,updated_by\n"
                    "Eve,eve@example.com,7,mallory,mallory\n"
                    "Mal,mal@example.com,99999999999999999999999,root,root\n", "utf-8")
    code, _, err = run("import", str(path))
    assert code == EXIT_OK, err
    cards = {card["name"]: card for card in json.loads(run("list", "--json")[1])}
    for name in ("Eve", "Mal"):
        card = cards[name]
        assert (card["version"], card["created_by"], card["updated_by"]) == (1, "alice", "alice")
    assert cards["Eve"]["extra"] == {}  # known columns: not kept as extras either
    assert cards["Mal"]["extra"] == {"version": "99999999999999999999999"}  # unreadable: kept as written
    code, _, err = run("edit", cards["Eve"]["id"], "--set", "title=CEO", "--if-version", "1")
    assert code == EXIT_OK, err
    history = run("history", cards["Eve"]["id"])[1]
    assert "mallory" not in history


def test_an_amount_in_another_currency_than_the_teams(run, tmp_path, board):
    """With the team's currency in the rules file, --set refuses an amount written in another one
    (it would be summed as if it were the team's); the team's own symbol or code is taken."""
    rules = tmp_path / "usd.toml"
    rules.write_text('currency = "USD"\n' + default_rules_text() + '\n[fields.arr]\nlabel = "ARR"\ntype = "money"\n')
    err = refused(run, tmp_path, "--rules", rules, "add", "Bob", "--set", "value=€5",
                  says="value: €5 is in EUR, not the team's USD.")
    assert err == "leadboard: value: €5 is in EUR, not the team's USD.\n"
    refused(run, tmp_path, "--rules", rules, "edit", board, "--set", "budget=BRL 300",
            says="budget: BRL 300 is in BRL, not the team's USD.")
    refused(run, tmp_path, "--rules", rules, "promote", board, "--set", "budget=£20,000",
            says="budget: £20,000 is in GBP, not the team's USD.")
    refused(run, tmp_path, "--rules", rules, "edit", board, "--set", "arr=1.200 €",
            says="arr: 1.200 € is in EUR, not the team's USD.")

    code, _, err = run("--rules", rules, "edit", board, "--set", "budget=$20,000", "--set", "value=USD 1.5k",
                         "--set", "arr=US$ 300")
    assert code == EXIT_OK, err
    [card] = json.loads(run("list", "--json")[1])
    assert (card["budget"], card["value"], card["extra"]) == ("20000", "1500", {"arr": "300"})
    brl = tmp_path / "brl.toml"
    brl.write_text('currency = "BRL"\n' + default_rules_text())
    refused(run, tmp_path, "--rules", brl, "edit", board, "--set", "value=$5",
            says="value: $5 is in dollars, not the team's BRL.")
    assert run("--rules", brl, "edit", board, "--set", "value=R$ 1.234,56")[0] == EXIT_OK
    # a team that names no currency takes an amount as typed, as before
    assert run("edit", board, "--set", "value=€5")[0] == EXIT_OK
    assert json.loads(run("list", "--json")[1])[0]["value"] == "5"


def test_a_new_card_with_the_email_another_card_has(run, tmp_path, board):
    """The same person twice, most likely: refused naming the card that has the email (in any
    case), unless --allow-duplicate says so."""
    err = refused(run, tmp_path, "add", "Ada L.", "--email", "ADA@Example.com", says="already has")
    assert err == (f"leadboard: Card {board} (Ada Lovelace) already has ada@example.com; use --allow-duplicate "
                   "to add it anyway (leadboard merge joins two cards later).\n")
    refused(run, tmp_path, "add", "Ada L.", "--set", "email=ada@example.com", says=f"Card {board} (Ada Lovelace)")

    code, out, err = run("add", "Ada L.", "--email", "ADA@Example.com", "--allow-duplicate")
    assert code == EXIT_OK, err
    cards = json.loads(run("list", "--json")[1])
    assert sorted((card["name"], card["email"].lower()) for card in cards) == [
        ("Ada L.", "ada@example.com"), ("Ada Lovelace", "ada@example.com")]
    code, out, err = run("add", "Grace Hopper", "--email", "grace@example.com")  # another email: added at once
    assert code == EXIT_OK, err
    assert json.loads(run("show", out.strip(), "--json")[1])["name"] == "Grace Hopper"
