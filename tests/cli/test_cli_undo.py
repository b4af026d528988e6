"""`leadboard undo`: says what it will undo, asks on a terminal, needs --yes in a script; --list
shows the last ten changes with their journal ids, and `undo ID` undoes one of them."""

from __future__ import annotations

from leadboard.cli import EXIT_BAD_INPUT, EXIT_OK


def test_list_shows_my_last_ten_changes_with_their_journal_ids(leadboard):
    card = leadboard("add", "Ada Lovelace", "--email", "ada@example.com").out.strip()
    for number in range(11):
        assert leadboard("edit", card, "--set", f"notes=call {number}").code == EXIT_OK
    assert leadboard("log", card, "--kind", "call", "--summary", "Intro call").code == EXIT_OK
    assert leadboard("edit", card, "--set", "company=Navy", user="bob").code == EXIT_OK  # not mine

    listed = leadboard("undo", "--list")
    assert listed.code == EXIT_OK
    lines = listed.out.splitlines()
    assert len(lines) == 10
    assert "log call “Intro call”" in lines[0] and "edit notes" in lines[1]
    ids = [int(line.split()[0]) for line in lines]
    assert ids == sorted(ids, reverse=True) and ids[0] == 12  # journal ids, newest first
    assert all(f"card {card}" in line for line in lines)


def test_a_script_must_say_yes_and_then_any_kind_of_change_is_undone(leadboard):
    card = leadboard("add", "Ada Lovelace", "--email", "ada@example.com").out.strip()
    assert leadboard("reassign", card, "--to", "bob").code == EXIT_OK

    refused = leadboard("undo")
    assert refused.code == EXIT_BAD_INPUT
    assert refused.err.count("\n") == 1 and "reassign to bob on card" in refused.err and "--yes" in refused.err
    assert leadboard("show", card, "--json").json()["owner"] == "bob"  # nothing undone

    undone = leadboard("undo", "--yes")
    assert undone.code == EXIT_OK and "Undone: reassign to bob" in undone.out
    assert leadboard("show", card, "--json").json()["owner"] == "alice"
    listed = leadboard("undo", "--list").out.splitlines()
    assert "undo of change 1" in listed[0] and "(undone by change 2)" in listed[1]


def test_undo_id_undoes_a_chosen_change_when_nothing_happened_to_the_card_since(leadboard):
    ada = leadboard("add", "Ada Lovelace", "--email", "ada@example.com").out.strip()
    grace = leadboard("add", "Grace Hopper", "--email", "grace@example.com").out.strip()
    assert leadboard("edit", ada, "--set", "company=Analytical Engines").code == EXIT_OK      # change 1
    assert leadboard("edit", grace, "--set", "company=Navy").code == EXIT_OK                 # change 2
    assert leadboard("edit", grace, "--set", "title=Rear Admiral", user="bob").code == EXIT_OK  # change 3

    built_upon = leadboard("undo", "2", "--yes")
    assert built_upon.code == EXIT_BAD_INPUT and built_upon.err.count("\n") == 1
    assert "changed by bob" in built_upon.err and "can no longer be undone" in built_upon.err
    assert leadboard("show", grace, "--json").json()["company"] == "Navy"

    assert leadboard("undo", "1", "--yes").code == EXIT_OK
    assert leadboard("show", ada, "--json").json()["company"] is None
    again = leadboard("undo", "1", "--yes")
    assert again.code == EXIT_BAD_INPUT and "undone already" in again.err
    assert leadboard("undo", "x").code == EXIT_BAD_INPUT

    history = leadboard("history", ada).out
    assert "edit" in history and "company: - → Analytical Engines" in history
    assert "undo     of change 1 (edit company)" in history
    assert "company: Analytical Engines → -" in history  # the undo, field by field


def test_on_a_terminal_it_says_what_it_will_undo_and_asks(on_a_terminal):
    run = on_a_terminal
    card = run("add", "Ada Lovelace", "--email", "ada@example.com").stdout.decode().strip()
    assert run("edit", card, "--set", "company=ACME").returncode == EXIT_OK

    kept = run("undo", answer=b"n\n")
    assert kept.returncode == EXIT_OK
    assert f"Undo edit company on card {card} (Ada Lovelace), made " in kept.stdout.decode()
    assert "Nothing undone." in kept.stdout.decode()
    assert b'"company": "ACME"' in run("show", card, "--json").stdout

    undone = run("undo", answer=b"y\n")
    assert undone.returncode == EXIT_OK and "Undone: edit company" in undone.stdout.decode()
    assert b'"company": null' in run("show", card, "--json").stdout
