"""Importing a spreadsheet: where each card lands, what is refused and why, duplicates, dry runs."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest

from leadboard.domain.card import validate_fields
from leadboard.domain.errors import InvalidInput
from leadboard.domain.stages import Move, Stage
from leadboard.domain.text import LIMITS
from leadboard.service.transfer.columns import BadImportFile
from leadboard.service.transfer.importer import REJECT_COLUMN
from leadboard.store.models import Card as CardRow
from leadboard.store.models import History, StageTotal
from tests.service.import_helpers import only_card, run_import, write_csv

SOON = (date.today() + timedelta(days=60)).isoformat()
HEADER = ["Name", "Company", "E-mail", "Stage", "Need", "Budget", "Purchase By", "Can Decide"]


def _rejects(summary) -> list[list[str]]:
    with open(summary.rejects_path, newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def qualified(name: str = "Ada Lovelace", email: str = "ada@example.com") -> list[str]:
    return [name, "Analytical Engines", email, "Lead", "Order tracking", "20000", SOON, "yes"]


def test_rows_without_a_stage_become_contacts_owned_by_the_importer(pipeline, tmp_path):
    path = write_csv(tmp_path / "people.csv", ["Full Name", "E-mail"], [["Ada Lovelace", "ada@example.com"]])
    summary = run_import(pipeline, path)
    card = pipeline.card(only_card().id)
    assert (card.stage, card.name, card.email, card.owner) == (Stage.CONTACT, "Ada Lovelace",
                                                               "ada@example.com", "alice")
    assert summary.imported == 1 and summary.rejected == 0


def test_the_import_is_in_each_cards_history(pipeline, tmp_path):
    path = write_csv(tmp_path / "people.csv", HEADER, [qualified()])
    run_import(pipeline, path)
    [move] = pipeline.history(only_card().id)
    assert (move.move, move.from_stage, move.to_stage, move.by) == (Move.IMPORT, None, Stage.LEAD, "alice")
    assert move.reason == "imported from people.csv"


def test_a_lead_failing_its_gate_keeps_its_stage_with_the_failed_rules_as_warnings(pipeline, tmp_path):
    no_budget = qualified()
    no_budget[5] = ""
    path = write_csv(tmp_path / "crm.csv", HEADER, [no_budget])
    summary = run_import(pipeline, path)
    card = pipeline.card(only_card().id)
    assert card.stage is Stage.LEAD
    assert card.warnings == ["budget"]
    [move] = pipeline.history(card.id)
    assert move.warnings == ("budget: Record a budget above zero: can they pay?",)
    assert summary.with_warnings == 1 and summary.warned == {"budget": 1}


def test_with_enforce_gates_a_lead_failing_its_gate_is_placed_as_a_contact(pipeline, tmp_path):
    no_budget = qualified()
    no_budget[5] = ""
    path = write_csv(tmp_path / "crm.csv", HEADER, [no_budget, qualified("Grace Hopper", "grace@example.com")])
    summary = run_import(pipeline, path, enforce_gates=True)
    stages = {row.name: row.stage for row in CardRow.select()}
    assert stages == {"Ada Lovelace": "contact", "Grace Hopper": "lead"}
    assert summary.placed_lower == 1 and summary.blocked_by == {"budget": 1}
    ada = CardRow.get(CardRow.name == "Ada Lovelace")
    [move] = pipeline.history(ada.id)
    assert move.to_stage is Stage.CONTACT
    assert "placed in contact instead of lead: the qualify gate is blocked by budget" in move.reason
    assert "blocked by budget 1" in "\n".join(summary.lines())


def test_an_opportunity_from_another_crm_has_no_logged_calls_and_says_so(pipeline, tmp_path):
    header = [*HEADER, "Requirements", "Supplier", "Amount", "Close Date", "Terms", "Decision Maker"]
    row = qualified()
    row[3] = "opportunity"
    path = write_csv(tmp_path / "crm.csv", header, [[*row, "SSO", "none", "9000", SOON, "net 30", "Ada"]])
    run_import(pipeline, path)
    card = pipeline.card(only_card().id)
    assert (card.stage, card.warnings, card.amount) == (Stage.OPPORTUNITY, ["relationship"], 9000)


def test_stage_values_go_through_the_stage_map(pipeline, tmp_path):
    from leadboard.service.transfer.columns import parse_stage_map

    rows = [[f"P{n}", f"p{n}@example.com", value] for n, value in enumerate(["Prospecting", "Won", "Closed Lost"])]
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Deal Stage"], rows)
    run_import(pipeline, path, stage_map=parse_stage_map(["Prospecting=contact,Won=account"]))
    assert {row.name: row.stage for row in CardRow.select()} == {"P0": "contact", "P1": "account", "P2": "lost"}


def test_an_unknown_stage_value_stops_the_import_with_the_map_that_would_fix_it(pipeline, tmp_path):
    rows = [["Ada", "ada@example.com", "Negotiation"], ["Grace", "grace@example.com", "lead"],
            ["Alan", "alan@example.com", "Negotiation"], ["Linus", "linus@example.com", "Haggling"]]
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Status"], rows)
    with pytest.raises(BadImportFile) as refused:
        run_import(pipeline, path)
    assert "'Negotiation' (2 rows), 'Haggling' (1 row); nothing was imported" in str(refused.value)
    assert "--stage-map 'Haggling=lead,Negotiation=lead'" in str(refused.value)
    assert CardRow.select().count() == 0 and not (tmp_path / "crm.csv.rejects.csv").exists()
    dry = run_import(pipeline, path, dry_run=True)
    assert dry.unknown_stages == {"Negotiation": 2, "Haggling": 1}
    assert "--stage-map 'Haggling=lead,Negotiation=lead'" in "\n".join(dry.lines())


def test_lost_rows_keep_what_they_were_lost_from_and_why(pipeline, tmp_path):
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Stage", "Lost From", "Lost Reason"],
                     [["Ada", "ada@example.com", "lost", "lead", "Went silent"]])
    run_import(pipeline, path)
    card = pipeline.card(only_card().id)
    assert (card.stage, card.lost_from, card.lost_reason) == (Stage.LOST, Stage.LEAD, "Went silent")
    assert card.warnings == ["need", "budget", "timeline", "authority"]
    assert pipeline.reopen(card.id).card.stage is Stage.LEAD


def test_an_imported_lost_reason_is_cleaned_and_held_to_the_limit_a_typed_one_is(pipeline, tmp_path):
    header = ["Name", "Email", "Stage", "Lost From", "Lost Reason"]
    rows = [["Ada", "ada@example.com", "lost", "lead", "Went\x1b]52;c;cm0gLXJm\x07 silent\u202e"],
            ["Grace", "grace@example.com", "lost", "lead", "x" * LIMITS.reason],
            ["Alan", "alan@example.com", "lost", "lead", "x" * (LIMITS.reason + 1)]]
    summary = run_import(pipeline, write_csv(tmp_path / "crm.csv", header, rows))
    assert (summary.imported, summary.rejected, summary.kept_as_text) == (3, 0, {"Lost Reason": 1})
    reasons = {card.name: card.lost_reason for card in pipeline.find(Stage.LOST)}
    assert reasons == {"Ada": "Went]52;c;cm0gLXJm silent", "Grace": "x" * LIMITS.reason, "Alan": None}
    alan = pipeline.card(CardRow.get(CardRow.name == "Alan").id)
    assert alan.extra == {"Lost Reason": "x" * (LIMITS.reason + 1)}
    typed = pipeline.create({"name": "Linus", "email": "linus@example.com"})
    with pytest.raises(InvalidInput) as caught:
        pipeline.lose(typed.id, "x" * (LIMITS.reason + 1))
    too_long = f"is too long (at most {LIMITS.reason} characters)"
    assert str(caught.value) == f"reason: {too_long}"
    assert "Lost Reason: 1 value could not be read into its field and is kept as text" in "\n".join(summary.lines())


def test_rows_that_cannot_become_a_card_go_unchanged_to_the_rejects_file_with_the_reason(pipeline, tmp_path):
    rows = [["", "", "12"], ["x" * 201, "grace@example.com", "5"], ["Linus", "linus@example.com", "1000"]]
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Budget"], rows, delimiter=";")
    summary = run_import(pipeline, path)
    assert (summary.imported, summary.rejected) == (1, 2)
    assert summary.rejects_path == tmp_path / "crm.csv.rejects.csv"
    with open(summary.rejects_path, newline="", encoding="utf-8") as file:
        rejected = list(csv.reader(file, delimiter=";"))
    assert rejected[0] == ["Name", "Email", "Budget", REJECT_COLUMN]
    assert [row[:3] for row in rejected[1:]] == rows[:2]
    assert rejected[1][3] == "line 2: the row has no name, company or email to call its card by"
    assert rejected[2][3] == "line 3: name: is too long (at most 200 characters)"
    assert f"rejected 2: see {summary.rejects_path}" in "\n".join(summary.lines())


@pytest.mark.parametrize(("field", "bad"), [
    ("email", "not-an-email"), ("phone", "call me"), ("budget", "lots"), ("purchase_by", "next week"),
    ("authority", "perhaps"), ("supplier", "acme"), ("kind", "robot"), ("value", "12.3456"),
    ("close_by", "1850-01-01"), ("budget", "-5"), ("phone", "ext. 101"), ("email", "a@example.com, b@example.com"),
])
def test_a_value_a_manual_edit_would_refuse_is_kept_as_text_and_the_card_imported(pipeline, tmp_path, field, bad):
    data = {"Name": "Ada", "Notes": "met at the fair", field: bad}
    with pytest.raises(InvalidInput):
        validate_fields({"name": "Ada", field: bad})
    path = write_csv(tmp_path / "crm.csv", list(data), [list(data.values())])
    summary = run_import(pipeline, path)
    assert (summary.imported, summary.rejected, summary.kept_as_text) == (1, 0, {field: 1})
    card = pipeline.card(only_card().id)
    assert getattr(card, field) is None or field == "kind"
    assert (card.name, card.notes, card.extra) == ("Ada", "met at the fair", {field: bad})
    assert f"{field}: 1 value could not be read into its field and is kept as text" in "\n".join(summary.lines())


def test_a_row_with_the_wrong_number_of_cells_is_rejected_and_blank_rows_are_skipped(pipeline, tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text("Name,Email,Phone\nAda,ada@example.com\n,,\n\nGrace,grace@example.com,,extra\n"
                    "Alan,alan@example.com,,\n")
    summary = run_import(pipeline, path)
    assert (summary.imported, summary.rejected, summary.blank) == (1, 2, 2)
    reasons = [row[-1] for row in _rejects(summary)][1:]
    assert reasons == ["line 2: it has 2 values but the header has 3 columns",
                       "line 5: it has 4 values but the header has 3 columns"]


def test_a_duplicate_by_email_in_any_case_is_skipped_and_counted(pipeline, tmp_path):
    pipeline.create({"name": "Ada Lovelace", "email": "Ada@Example.com"})
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Title"],
                     [["Ada L.", "ada@example.com", "Countess"], ["Ada again", "ADA@example.com", "x"]])
    summary = run_import(pipeline, path)
    assert (summary.imported, summary.skipped) == (0, 2)
    assert only_card().title is None
    assert "use --update" in "\n".join(summary.lines())


def test_a_duplicate_by_name_and_company_is_skipped_when_neither_has_an_email(pipeline, tmp_path):
    pipeline.create({"name": "Ada Lovelace", "company": "Engines", "phone": "+44 20 7946 0958"})
    path = write_csv(tmp_path / "crm.csv", ["Name", "Company", "Phone"],
                     [["Ada Lovelace", "Engines", "+44 20 7946 0959"], ["Ada Lovelace", "Other", ""]])
    summary = run_import(pipeline, path)
    assert (summary.imported, summary.skipped) == (1, 1)


def test_two_people_of_one_name_at_one_company_with_different_emails_stay_two_cards(pipeline, tmp_path):
    pipeline.create({"name": "John Smith", "company": "Acme", "email": "john.smith@example.com"})
    path = write_csv(tmp_path / "crm.csv", ["Name", "Company", "Email", "Title"],
                     [["John Smith", "Acme", "jsmith2@example.com", "Buyer"],
                      ["John Smith", "Acme", "js3@example.com", "Engineer"]])
    summary = run_import(pipeline, path, update=True)
    assert (summary.imported, summary.updated, summary.skipped) == (2, 0, 0)
    emails = {row.email: row.title for row in CardRow.select()}
    assert emails == {"john.smith@example.com": None, "jsmith2@example.com": "Buyer", "js3@example.com": "Engineer"}


def test_with_update_a_duplicate_is_updated_through_a_versioned_write(pipeline, tmp_path):
    card = pipeline.create({"name": "Ada Lovelace", "email": "ada@example.com", "title": "Countess"})
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Title", "Budget", "Stage"],
                     [["Ada Lovelace", "ADA@example.com", "", "5000", "lead"]])
    summary = run_import(pipeline, path, update=True)
    after = pipeline.card(card.id)
    assert (summary.updated, summary.imported) == (1, 0)
    assert (after.budget, after.title, after.stage, after.version) == (5000, "Countess", Stage.CONTACT, 2)
    # journaled like an edit: the budget before the import can still be read, and the update undone
    [edit] = pipeline.journal(card.id)
    assert [(c.field, c.old, c.new) for c in edit.changes] == [
        ("email", "ada@example.com", "ADA@example.com"), ("budget", None, "5000")]
    assert pipeline.as_of(card.id, edit.at - timedelta(microseconds=1))["budget"] is None
    assert pipeline.undo().card.budget is None


def test_a_repeated_row_inside_the_file_is_a_duplicate_too(pipeline, tmp_path):
    rows = [["Ada", "ada@example.com", ""], ["Ada", "ada@example.com", "Countess"]]
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Title"], rows)
    assert run_import(pipeline, path).skipped == 1
    assert only_card().title is None
    CardRow.delete().execute()
    summary = run_import(pipeline, path, update=True)
    assert (summary.imported, summary.updated) == (1, 1)
    assert only_card().title == "Countess"


def test_a_row_repeating_one_from_an_earlier_batch_is_a_duplicate(pipeline, tmp_path):
    rows = [["Ada", "ada@example.com", ""], ["Grace", "grace@example.com", ""],
            ["Linus", "linus@example.com", ""], ["Ada", "ADA@example.com", "Countess"]]
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Title"], rows)
    assert run_import(pipeline, path, batch_size=2).skipped == 1
    CardRow.delete().execute()
    summary = run_import(pipeline, path, batch_size=2, update=True)
    assert (summary.imported, summary.updated) == (3, 1)
    assert CardRow.get(CardRow.name == "Ada").title == "Countess"


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(pipeline, tmp_path):
    pipeline.create({"name": "Ada", "email": "ada@example.com"})
    no_budget = qualified("Grace", "grace@example.com")
    no_budget[5] = ""
    rows = [qualified(), no_budget, ["Bad", "", "bad-email", "", "", "", "", ""], ["", "", "", "", "", "9", "", ""]]
    path = write_csv(tmp_path / "crm.csv", HEADER, rows)
    summary = run_import(pipeline, path, dry_run=True, enforce_gates=True)
    assert (summary.imported, summary.placed_lower, summary.skipped, summary.rejected) == (2, 1, 1, 1)
    assert summary.kept_as_text == {"E-mail": 1}
    assert CardRow.select().count() == 1
    assert not (tmp_path / "crm.csv.rejects.csv").exists()
    text = "\n".join(summary.lines())
    assert "Dry run: nothing was written" in text and "Would import 2 cards" in text
    assert "E-mail: 1 value could not be read into its field and is kept as text" in text
    assert "line 5: the row has no name, company or email to call its card by" in text


def test_kept_totals_match_the_imported_cards(pipeline, tmp_path):
    rows = [qualified(f"P{n}", f"p{n}@example.com") for n in range(7)]
    run_import(pipeline, write_csv(tmp_path / "crm.csv", HEADER, rows), batch_size=3)
    totals = {(t.stage, t.owner): (t.cards, t.amount) for t in StageTotal.select()}
    assert totals == {("lead", "alice"): (7, 140000)}
    assert History.select().count() == 7


def test_imported_cards_keep_the_files_order_at_the_top_of_their_column(pipeline, tmp_path):
    pipeline.create({"name": "Already here", "email": "here@example.com"})
    rows = [[f"P{n}", f"p{n}@example.com"] for n in range(5)]
    run_import(pipeline, write_csv(tmp_path / "crm.csv", ["Name", "Email"], rows), batch_size=2)
    column = [summary.name for summary in pipeline.column_page(Stage.CONTACT, 0, 10)]
    assert column == ["P0", "P1", "P2", "P3", "P4", "Already here"]


def test_imported_cards_are_found_by_search(pipeline, tmp_path):
    from leadboard.domain.filter import CardFilter

    run_import(pipeline, write_csv(tmp_path / "crm.csv", ["Name", "Email"], [["Zoë Quist", "zq@example.com"]]))
    assert [c.name for c in pipeline.find(card_filter=CardFilter(search="quist"))] == ["Zoë Quist"]


def test_cards_added_after_an_import_are_still_found_by_search(pipeline, tmp_path):
    from leadboard.domain.filter import CardFilter

    run_import(pipeline, write_csv(tmp_path / "crm.csv", ["Name", "Email"], [["Zoë Quist", "zq@example.com"]]))
    pipeline.create({"name": "Yusuf Quist", "email": "yq@example.com"})
    found = {c.name for c in pipeline.find(card_filter=CardFilter(search="quist"))}
    assert found == {"Zoë Quist", "Yusuf Quist"}


def test_a_rejects_file_that_cannot_be_written_stops_the_import_with_one_sentence(pipeline, tmp_path, monkeypatch):
    import errno

    from leadboard.service.transfer.columns import BadImportFile
    from leadboard.store import files

    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Notes"],
                     [["", "", "a note about nobody"], ["Grace", "grace@example.com", ""]])

    def full(where):
        raise OSError(errno.ENOSPC, "No space left on device", str(where))

    monkeypatch.setattr(files, "open_made", full)  # the disk fills as the batch's rejects are written
    with pytest.raises(BadImportFile, match=r"Cannot write the rejects file .*\(the disk is full\)"):
        run_import(pipeline, path)
    # the batch had committed (its rejects are written after it, never before): it stays, and the
    # same command run again once there is room writes its rejects and finishes
    assert [card.name for card in CardRow.select()] == ["Grace"]
    monkeypatch.undo()
    summary = run_import(pipeline, path)
    assert (summary.resumed_at, summary.imported, summary.rejected) == (2, 1, 1)
    rejects = (tmp_path / "crm.csv.rejects.csv").read_text().splitlines()
    assert len(rejects) == 2 and rejects[1].startswith(",,a note about nobody,")
    assert CardRow.select().count() == 1


def test_a_rejects_file_never_goes_through_a_symlink_or_over_a_file_already_there(pipeline, tmp_path):
    rows = [["", "", "a note"], ["Grace", "grace@example.com", ""]]  # the first has nothing to call it by
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Notes"], rows)
    victim = tmp_path / "precious.txt"
    victim.write_text("mine")
    (tmp_path / "crm.csv.rejects.csv").symlink_to(victim)  # planted where the rejects would go
    (tmp_path / "crm.csv.rejects-2.csv").write_text("the user's own notes")
    summary = run_import(pipeline, path)
    assert summary.rejects_path == tmp_path / "crm.csv.rejects-3.csv"
    assert f"rejected 1: see {tmp_path / 'crm.csv.rejects-3.csv'}" in "\n".join(summary.lines())
    assert ",,a note," in summary.rejects_path.read_text()
    assert victim.read_text() == "mine" and (tmp_path / "crm.csv.rejects.csv").is_symlink()
    assert (tmp_path / "crm.csv.rejects-2.csv").read_text() == "the user's own notes"


def test_a_second_run_keeps_the_first_runs_rejects_and_writes_its_own(pipeline, tmp_path):
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Notes"], [["", "", "a note"]])  # nothing to call it by
    first = run_import(pipeline, path)
    assert first.rejects_path == tmp_path / "crm.csv.rejects.csv"
    kept = first.rejects_path.read_bytes()
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email", "Notes"],
                     [["", "", "also-bad"], ["Eve", "eve@example.com", ""]])
    second = run_import(pipeline, path)
    assert second.rejects_path == tmp_path / "crm.csv.rejects-2.csv"
    assert f"see {second.rejects_path}" in "\n".join(second.lines())
    assert first.rejects_path.read_bytes() == kept
    assert "also-bad" in second.rejects_path.read_text()
    # a run with no rejects leaves no file of its own, and never removes another's
    path = write_csv(tmp_path / "crm.csv", ["Name", "Email"], [["Zed", "zed@example.com"]])
    assert run_import(pipeline, path).rejects_path is None
    assert sorted(p.name for p in tmp_path.glob("crm.csv.rejects*")) == ["crm.csv.rejects-2.csv", "crm.csv.rejects.csv"]


def test_imported_contacts_are_in_their_stage_since_their_import_as_their_history_replayed_says(
        pipeline, tmp_path):
    """The bulk writer opens each new card's stage visit from what it wrote (its created time,
    owner and amount, its import row), exactly as replaying the card's history makes it."""
    from leadboard.store import visits
    from leadboard.store.db import in_transaction
    from leadboard.store.models import StageVisit

    path = write_csv(tmp_path / "contacts.csv", ["Name", "Email", "Owner", "Budget"],
                     [["Ada Lovelace", "ada@example.com", "alice", "12500.50"],
                      ["Grace Hopper", "grace@example.com", "", ""],
                      ["Alan Turing", "alan@example.com", "bob", "900"]])
    run_import(pipeline, path)

    def stored() -> list[tuple]:
        return [(v.card_id, v.stage, v.from_stage, v.entered_at, v.left_at, v.opened_by, v.owner, v.amount)
                for v in StageVisit.select().order_by(StageVisit.card, StageVisit.id)]

    written = stored()
    assert [(card, stage, owner, float(amount)) for card, stage, _, _, _, _, owner, amount in written] == [
        (1, "contact", "alice", 12500.5), (2, "contact", pipeline.user, 0.0), (3, "contact", "bob", 900.0)]
    in_transaction(lambda: visits.rebuild([card for card, *_ in written]))
    assert stored() == written
