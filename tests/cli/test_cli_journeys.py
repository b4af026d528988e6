"""The real ``leadboard`` command, run the way a salesperson or a script runs it."""

from __future__ import annotations

from datetime import date, timedelta

from leadboard.domain.rules import default_rules_text
from leadboard.domain.stages import Stage

#: the field names the issue makes public (CLI, JSON and CSV all use them)
PUBLIC_FIELDS = {
    "id", "stage", "name", "kind", "company", "title", "email", "phone", "owner", "need", "budget",
    "purchase_by", "decision_maker", "requirements", "supplier", "value", "close_by", "terms",
    "payment_terms", "contract_signed_on", "notes",
}
EXIT_OK, EXIT_BAD_INPUT, EXIT_BLOCKED = 0, 2, 3


def in_days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def rule_ids(stderr: str) -> list[str]:
    """The rule ids a blocked promotion printed, one `rule-id: message` line each."""
    return [line.split(":", 1)[0] for line in stderr.splitlines()[1:]]


def test_contact_walks_to_account_with_each_gate_refusing_until_its_fields_are_filled(leadboard):
    added = leadboard("add", "Ada Lovelace", "--company", "Analytical Engines Ltd",
                      "--email", "ada@example.com")
    assert added.code == EXIT_OK, added
    card = added.out.strip()
    assert card.isdigit()

    # qualify: contact -> lead
    blocked = leadboard("promote", card)
    assert blocked.code == EXIT_BLOCKED, blocked
    assert rule_ids(blocked.err) == ["need", "budget", "timeline", "authority"]
    assert "authority: " in blocked.err and "(warning)" in blocked.err
    assert blocked.out == ""
    assert leadboard("edit", card, "--set", "need=Order tracking", "--set", "budget=20000",
                     "--set", f"purchase_by={in_days(120)}", "--set", "authority=yes").code == EXIT_OK
    promoted = leadboard("promote", card)
    assert promoted.code == EXIT_OK, promoted
    assert "contact → lead" in promoted.out

    # develop: lead -> opportunity
    blocked = leadboard("promote", card)
    assert blocked.code == EXIT_BLOCKED, blocked
    assert rule_ids(blocked.err) == ["relationship", "requirements", "supplier", "terms", "decision_maker"]
    assert leadboard("log", card, "--kind", "call", "--summary", "Discovery call").code == EXIT_OK
    assert leadboard("edit", card, "--set", "requirements=SSO, EU hosting", "--set", "supplier=dropped",
                     "--set", "value=18000.50", "--set", f"close_by={in_days(30)}",
                     "--set", "terms=Annual licence, net 30").code == EXIT_OK
    promoted = leadboard("promote", card)
    assert promoted.code == EXIT_OK, promoted
    assert "lead → opportunity" in promoted.out
    assert "warning accepted: decision_maker: " in promoted.out

    # win: opportunity -> account, filling the fields in the promote itself
    blocked = leadboard("promote", card)
    assert blocked.code == EXIT_BLOCKED, blocked
    assert rule_ids(blocked.err) == ["contract", "payment_terms"]
    promoted = leadboard("promote", card, "--set", f"contract_signed_on={date.today()}",
                         "--set", "payment_terms=Net 30")
    assert promoted.code == EXIT_OK, promoted

    shown = leadboard("show", card, "--json").json()
    assert set(shown) >= PUBLIC_FIELDS
    assert shown["id"] == int(card)
    assert shown["stage"] == "account"
    assert (shown["name"], shown["company"], shown["email"]) == (
        "Ada Lovelace", "Analytical Engines Ltd", "ada@example.com",
    )
    # amounts are exact strings, as export writes them: no cent lost to a float
    assert (shown["budget"], shown["value"], shown["supplier"]) == ("20000", "18000.5", "dropped")
    assert shown["contract_signed_on"] == date.today().isoformat()
    assert shown["owner"] == "alice"

    history = leadboard("history", card, "--json").json()
    # the edits and the call are in the history too, each with what it changed
    assert [(m["change"], m["move"]) for m in history if m["move"] is None] == [
        ("edit", None), ("activity", None), ("edit", None)]
    edits = [m for m in history if m["change"] == "edit"]
    assert {"field": "supplier", "old": None, "new": "dropped"} in edits[1]["changes"]
    history = [m for m in history if m["move"]]
    assert [(m["move"], m["from"], m["to"], m["by"]) for m in history] == [
        ("create", None, "contact", "alice"),
        ("promote", "contact", "lead", "alice"),
        ("promote", "lead", "opportunity", "alice"),
        ("promote", "opportunity", "account", "alice"),
    ]
    assert history[2]["warnings"][0].startswith("decision_maker: ")
    assert {"id", "card", "at", "reason", "undoes"} <= set(history[0])

    [listed] = leadboard("list", "--stage", "account", "--json").json()
    assert listed == shown


def test_moving_back_losing_reopening_and_undoing(leadboard):
    card = leadboard("add", "Grace Hopper", "--phone", "+1 555 0100 200", "--set", "need=Telematics",
                     "--set", "budget=5000", "--set", f"purchase_by={in_days(10)}").out.strip()
    assert leadboard("promote", card).code == EXIT_OK

    no_reason = leadboard("demote", card)
    assert no_reason.code == EXIT_BAD_INPUT and "--reason" in no_reason.err
    assert leadboard("demote", card, "--reason", "Budget frozen").code == EXIT_OK
    asked = leadboard("undo")  # a script must say --yes: nobody is there to answer
    assert asked.code == EXIT_BAD_INPUT and "--yes" in asked.err and "demote lead → contact" in asked.err
    undone = leadboard("undo", "--yes")
    assert undone.code == EXIT_OK and "back in lead" in undone.out

    blank_reason = leadboard("lose", card, "--reason", "  ")
    assert blank_reason.code == EXIT_BAD_INPUT and "reason" in blank_reason.err
    assert leadboard("lose", card, "--reason", "Chose a competitor").code == EXIT_OK
    lost = leadboard("show", card, "--json").json()
    assert (lost["stage"], lost["lost_from"], lost["lost_reason"]) == ("lost", "lead", "Chose a competitor")
    assert leadboard("reopen", card).code == EXIT_OK

    history = [m for m in leadboard("history", card, "--json").json() if m["move"]]
    assert [(m["move"], m["to"], m["reason"]) for m in history] == [
        ("create", "contact", None),
        ("promote", "lead", None),
        ("demote", "contact", "Budget frozen"),
        ("undo", "lead", "undo demote"),
        ("lose", "lost", "Chose a competitor"),
        ("reopen", "lead", "Chose a competitor"),
    ]
    assert history[3]["undoes"] == history[2]["id"]


def test_bad_input_exits_2_with_one_line_and_writes_nothing(leadboard, leadboard_many, tmp_path):
    card = leadboard("add", "Grace Hopper", "--email", "grace@example.com").out.strip()
    listed_before = leadboard("list", "--json")
    history_before = leadboard("history", card, "--json")

    runs = leadboard_many([
        ("add", "  "),
        ("add", "Bad Email", "--email", "grace.example.com"),
        ("add", "Typo", "--email", "t@example.com", "--set", "colour=red"),
        ("edit", card, "--set", "purchase_by=2025-02-30"),
        ("edit", card, "--set", "budget"),
        ("promote", card, "--set", "budget=-5"),
        ("promote", "999"),
        ("show", "abc"),
        ("log", card, "--kind", "lunch", "--summary", "x"),
        ("--rules", str(tmp_path / "missing.toml"), "list"),
    ])
    for ran in runs:
        assert ran.code == EXIT_BAD_INPUT, ran
        assert ran.out == "", ran
        assert ran.err.startswith("leadboard: ") and ran.err.count("\n") == 1, ran
        assert "Traceback" not in ran.err, ran
    # the line names the field or argument at fault
    named = ["name", "email", "colour", "purchase_by", "FIELD=VALUE", "budget", "999", "abc", "lunch",
             "missing.toml"]
    for ran, name in zip(runs, named, strict=True):
        assert name in ran.err, ran

    assert leadboard("list", "--json").stdout == listed_before.stdout
    assert leadboard("history", card, "--json").stdout == history_before.stdout


def test_rules_are_printed_checked_and_a_teams_own_file_is_used(leadboard, tmp_path):
    shown = leadboard("rules")
    assert shown.code == EXIT_OK and shown.out == default_rules_text()

    team = tmp_path / "team.toml"
    team.write_text(default_rules_text().replace(
        'id = "budget"\nseverity = "block"', 'id = "budget"\nseverity = "warn"'), "utf-8")
    checked = leadboard("rules", "--check", team)
    assert checked.code == EXIT_OK and "ok" in checked.out

    bad = tmp_path / "bad.toml"
    bad.write_text(default_rules_text().replace('field = "need"', 'field = "wants"'), "utf-8")
    refused = leadboard("rules", "--check", bad)
    assert refused.code == EXIT_BAD_INPUT
    assert str(bad) in refused.err and "rule need" in refused.err and "'wants'" in refused.err
    assert refused.err.count("\n") == 1

    # with the team's file a missing budget only warns
    card = leadboard("add", "Alan Turing", "--email", "alan@example.com", "--set", "need=Bombe parts",
                     "--set", f"purchase_by={in_days(5)}", "--set", "authority=yes").out.strip()
    promoted = leadboard("--rules", team, "promote", card)
    assert promoted.code == EXIT_OK, promoted
    assert "warning accepted: budget: " in promoted.out


def test_a_rules_files_messages_never_reach_the_terminal_as_escapes(leadboard, tmp_path):
    rules = tmp_path / "sneaky.toml"
    rules.write_text(default_rules_text().replace(
        'message = "Write down what they need from us."',
        'message = "\\u001b]0;owned\\u0007Write down\\u009b2J what they need\\u202e."'), "utf-8")
    card = leadboard("add", "Ada", "--email", "ada@example.com").out.strip()
    blocked = leadboard("--rules", rules, "promote", card)
    assert blocked.code == EXIT_BLOCKED, blocked
    assert "need: ]0;ownedWrite down2J what they need." in blocked.err
    for control in TERMINAL_CONTROLS:
        assert control not in blocked.stderr, blocked


def test_demo_fills_every_stage(leadboard):
    made = leadboard("demo", "--cards", "50")
    assert made.code == EXIT_OK, made
    cards = leadboard("list", "--json").json()
    assert len(cards) == 50
    assert {card["stage"] for card in cards} == {stage.value for stage in Stage}
    assert all(card["lost_from"] for card in cards if card["stage"] == "lost")


def test_a_long_list_gives_every_card_once_in_board_order(leadboard):
    """``list`` reads a screenful first, then larger pages: no card is lost or repeated where
    they meet, in JSON or as text."""
    made = leadboard("demo", "--cards", "700").out  # "Added 700 demo cards: 330 contact, ..."
    contacts = int(made.split(": ")[1].split(" contact")[0])
    as_json = [card["id"] for card in leadboard("list", "--stage", "contact", "--json").json()]
    as_text = [int(line.split()[0]) for line in leadboard("list", "--stage", "contact").out.splitlines()]
    assert contacts > 60 and len(as_json) == len(set(as_json)) == contacts
    assert as_text == as_json
    assert as_json == sorted(as_json, reverse=True)  # the demo's newest cards head the column


#: what must never reach a terminal: ESC, BEL, the 8-bit CSI and the bidi controls, as UTF-8
TERMINAL_CONTROLS = [b"\x1b", b"\x07", "\x9b".encode(), "\u202e".encode(), "\u2066".encode()]


def test_markup_and_escapes_in_user_text_are_printed_literally(leadboard, leadboard_many):
    name = "[bold red]Evil[/] Corp \x1b[2J\x07\x9b2J\u202e"
    sneaky_user = "eve\x1b]0;owned\x07"
    card = leadboard("add", name, "--email", "evil@example.com", user=sneaky_user).out.strip()
    lost = leadboard("lose", card, "--reason", "\x1b[31mred reason\u2066", user=sneaky_user)
    assert lost.code == EXIT_OK, lost
    runs = [lost, *leadboard_many([("list",), ("show", card), ("history", card), ("show", card, "\x1b[31m")])]
    # text is cleaned on the way in, so even a pipe (which gets the data exact) never carries the
    # controls; the refused argument is echoed exact to a pipe, escaped on a terminal
    # (tests/cli/test_terminal_output.py)
    for ran in runs[:4]:
        for control in TERMINAL_CONTROLS:
            assert control not in ran.stdout, ran
            assert control not in ran.stderr, ran
    assert "[bold red]Evil[/] Corp" in runs[1].out
    assert "[bold red]Evil[/] Corp" in runs[2].out
    assert runs[4].code == EXIT_BAD_INPUT and "unrecognized arguments: \x1b[31m" in runs[4].err


def test_a_database_from_a_newer_leadboard_is_refused_in_one_line(leadboard, db):
    from leadboard.service.setup import close, open_pipeline
    from leadboard.store.migrations import STEPS, AppliedStep

    assert leadboard("add", "Ada Lovelace", "--email", "ada@example.com").code == EXIT_OK
    open_pipeline(db, "alice")
    AppliedStep.create(name="a-step-from-the-future", applied_at="2030-01-01 00:00:00")
    close()
    refused = leadboard("list")
    assert refused.code == EXIT_BAD_INPUT, refused
    assert refused.out == "" and len(refused.err.splitlines()) == 1
    assert f"version {len(STEPS) + 1}" in refused.err and f"(version {len(STEPS)};" in refused.err
