"""`leadboard delete ID` takes a card off the board (`leadboard undo` brings it back); `delete --erase`
removes what is known of the person for good, asking first on a terminal and needing --yes in a
script; `leadboard merge KEEP OTHER` makes one card of two of the same person."""

from __future__ import annotations

from leadboard.cli import EXIT_BAD_INPUT, EXIT_CONFLICT, EXIT_OK


def test_a_deleted_card_is_gone_from_list_show_and_export_until_undone(leadboard):
    ada = leadboard("add", "Ada Lovelace", "--email", "ada@example.com").out.strip()
    grace = leadboard("add", "Grace Hopper", "--email", "grace@example.com").out.strip()

    deleted = leadboard("delete", ada)

    assert deleted.code == EXIT_OK, deleted
    assert deleted.out == f"Card {ada} (Ada Lovelace) deleted; `leadboard undo` brings it back.\n"
    shown = leadboard("show", ada)
    assert shown.code == EXIT_BAD_INPUT and shown.out == ""
    assert shown.err.startswith(f"leadboard: Card {ada} was deleted by alice at ") and shown.err.count("\n") == 1
    assert [card["id"] for card in leadboard("list", "--json").json()] == [int(grace)]
    assert leadboard("list", "--search", "lovelace").out == ""
    assert "Ada Lovelace" not in leadboard("export").out

    undone = leadboard("undo", "--yes")

    assert undone.code == EXIT_OK, undone
    assert undone.out == f"Undone: delete card on card {ada} (Ada Lovelace); it is back in contact.\n"
    assert leadboard("show", ada, "--json").json()["email"] == "ada@example.com"
    assert len(leadboard("list", "--json").json()) == 2


def test_deleting_a_stale_version_is_a_conflict_in_one_sentence(leadboard):
    ada = leadboard("add", "Ada Lovelace").out.strip()
    assert leadboard("edit", ada, "--set", "company=ACME", user="bob").code == EXIT_OK

    refused = leadboard("delete", ada, "--if-version", "1")

    assert refused.code == EXIT_CONFLICT
    assert refused.err.count("\n") == 1 and f"Card {ada} was changed by bob" in refused.err
    assert leadboard("show", ada, "--json").json()["company"] == "ACME"


def test_an_erasure_needs_yes_in_a_script_and_leaves_only_who_and_when(leadboard):
    ada = leadboard("add", "Ada Lovelace", "--email", "ada@example.com").out.strip()
    assert leadboard("log", ada, "--kind", "call", "--summary", "Intro call").code == EXIT_OK

    refused = leadboard("delete", ada, "--erase")
    assert refused.code == EXIT_BAD_INPUT
    assert refused.err == (f"leadboard: Not erased: card {ada} (Ada Lovelace); standard input is not a "
                           "terminal, so say --yes to erase it.\n")
    assert leadboard("show", ada, "--json").json()["name"] == "Ada Lovelace"

    erased = leadboard("delete", ada, "--erase", "--yes")

    assert erased.code == EXIT_OK
    assert erased.out == f"Card {ada} erased; all that is kept is who erased it and when.\n"
    assert leadboard("show", ada).err.startswith(f"leadboard: Card {ada} was erased by alice at ")
    assert leadboard("history", ada).code == EXIT_BAD_INPUT
    listed = leadboard("undo", "--list").out.splitlines()
    assert "erase card" in listed[0] and "Intro call" not in "".join(listed)
    nothing = leadboard("undo", "--yes")  # nothing of hers is left to undo
    assert nothing.code == EXIT_BAD_INPUT and "You have made no change that can be undone." in nothing.err


def test_on_a_terminal_an_erasure_asks_first(on_a_terminal):
    run = on_a_terminal
    card = run("add", "Ada Lovelace").stdout.decode().strip()

    kept = run("delete", card, "--erase", answer=b"n\n")
    assert kept.returncode == EXIT_OK
    assert kept.stdout.decode().startswith(f"Erase card {card} (Ada Lovelace) for good")
    assert "Nothing erased." in kept.stdout.decode()
    assert b'"name": "Ada Lovelace"' in run("show", card, "--json").stdout

    erased = run("delete", card, "--erase", answer=b"y\n")
    assert erased.returncode == EXIT_OK and f"Card {card} erased" in erased.stdout.decode()
    assert b"was erased by alice" in run("show", card).stderr


def test_merge_makes_one_card_of_two_and_undo_splits_them(leadboard):
    ada = leadboard("add", "Ada Lovelace", "--email", "ada@example.com").out.strip()
    deal = leadboard("add", "Ada L.", "--company", "Analytical Engines",
                     "--email", "ada@engines.example.com").out.strip()
    assert leadboard("log", deal, "--kind", "call", "--summary", "Call about the deal").code == EXIT_OK

    merged = leadboard("merge", ada, deal)

    assert merged.code == EXIT_OK, merged
    assert merged.out == (f"Card {deal} (Ada L.) merged into card {ada} (Ada Lovelace): filled company from it; "
                          "kept as extras: merged.name, merged.email. `leadboard undo` splits them again.\n")
    card = leadboard("show", ada, "--json").json()
    assert (card["company"], card["email"], card["activity_count"]) == ("Analytical Engines", "ada@example.com", 1)
    assert card["extra"] == {"merged.name": "Ada L.", "merged.email": "ada@engines.example.com"}
    assert [c["id"] for c in leadboard("list", "--json").json()] == [int(ada)]
    assert "Call about the deal" in leadboard("activities", ada).out
    assert "was merged into another card" in leadboard("show", deal).err

    undone = leadboard("undo", "--yes")

    assert undone.code == EXIT_OK and undone.out.startswith(f"Undone: merge in card {deal} on card {ada} ")
    assert leadboard("show", deal, "--json").json()["email"] == "ada@engines.example.com"
    assert leadboard("show", ada, "--json").json()["company"] is None
    assert "Call about the deal" in leadboard("activities", deal).out


def test_a_merge_reads_as_one_line_in_the_history_and_erasing_the_merged_card_leaves_none_of_it(leadboard):
    ada = leadboard("add", "Ada Lovelace", "--email", "ada@example.com").out.strip()
    deal = leadboard("add", "Augusta Qzxjwv", "--company", "Analytical Engines",
                     "--email", "augusta@qzxjwv.example.com").out.strip()
    assert leadboard("merge", ada, deal).code == EXIT_OK

    history = leadboard("history", ada)

    assert history.code == EXIT_OK, history
    [line] = [line for line in history.out.splitlines() if "merge " in line]
    assert line.endswith(f"merge    merged card {deal} (Augusta Qzxjwv) into this one")
    assert "company: - → Analytical Engines" in history.out  # what it filled
    assert "merge.history" not in history.out and "other." not in history.out

    erased = leadboard("delete", deal, "--erase", "--yes")

    assert erased.code == EXIT_OK, erased
    after = leadboard("history", ada)
    assert f"merged card {deal} into this one" in after.out and "Qzxjwv" not in after.out
    assert "Qzxjwv" not in leadboard("history", ada, "--json").out
    assert leadboard("show", ada, "--json").json()["extra"] == {}
    assert "nothing to split" in leadboard("undo", "--yes").err


def test_merging_a_card_that_is_not_there_says_so(leadboard):
    ada = leadboard("add", "Ada Lovelace").out.strip()

    refused = leadboard("merge", ada, "999")

    assert refused.code == EXIT_BAD_INPUT and refused.err == "leadboard: There is no card 999.\n"


def test_erasing_a_card_says_which_cards_merged_into_it_were_erased_with_it(leadboard, on_a_terminal):
    ada = leadboard("add", "Ada Lovelace", "--email", "ada@example.com").out.strip()
    deal = leadboard("add", "Ada L.", "--company", "Analytical Engines").out.strip()
    old = leadboard("add", "A. Lovelace", "--phone", "+44 20 7946 0958").out.strip()
    assert leadboard("merge", deal, old).code == EXIT_OK
    assert leadboard("merge", ada, deal).code == EXIT_OK

    kept = on_a_terminal("delete", ada, "--erase", answer=b"n\n")
    assert kept.stdout.decode().startswith(
        f"Erase card {ada} (Ada Lovelace) for good, with cards {deal} and {old} merged into it: ")
    assert leadboard("show", ada, "--json").json()["phone"] == "+44 20 7946 0958"

    erased = leadboard("delete", ada, "--erase", "--yes")

    assert erased.code == EXIT_OK, erased
    assert erased.out == (f"Card {ada} erased, with cards {deal} and {old} merged into it; all that is kept is "
                          "who erased each and when.\n")
    for card in (ada, deal, old):
        assert leadboard("show", card).err.startswith(f"leadboard: Card {card} was erased by alice at ")
    assert leadboard("list", "--json").json() == []
