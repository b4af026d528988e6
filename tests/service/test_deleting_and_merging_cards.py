"""A salesperson deletes a card they should not have had (a test entry, a duplicate): it leaves every
view, and undo brings it back as it was. An erasure request (GDPR, LGPD) removes what is known of
the person for good, leaving only who erased which card and when."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from leadboard.domain.card import Card
from leadboard.domain.errors import CardNotFound, CardRemoved, Conflict, InvalidInput, UndoRefused
from leadboard.domain.filter import CardFilter
from leadboard.domain.history import ChangeKind
from leadboard.domain.planned import PlannedRecord
from leadboard.domain.rules import default_rules_text, parse_rules
from leadboard.domain.stages import Stage
from leadboard.service.pipeline import Pipeline
from leadboard.service.reports import period
from leadboard.service.transfer.exporter import export_cards
from leadboard.store.models import (
    Activity,
    Change,
    History,
    JournalEntry,
    JournalField,
    PlannedActivity,
    StageVisit,
)
from leadboard.store.models import Card as CardRow
from tests.service.import_helpers import run_import, write_csv


def _visible(pipeline: Pipeline, card_id: int) -> dict[str, bool]:
    """Where a card shows, view by view."""
    month = period("this-month", date.today())
    exported = io.StringIO()
    export_cards(exported, "json")
    reports = pipeline.reports()
    return {
        "column": any(c.id == card_id for stage in Stage for c in pipeline.column_page(stage, 0, 100)),
        "list": any(c.id == card_id for c in pipeline.find()),
        "search": any(c.id == card_id for c in pipeline.overview(CardFilter(search="lovelace"), 50)[1][Stage.LEAD][0]),
        "export": any(record["id"] == card_id for record in json.loads(exported.getvalue())),
        "today": any(due.card.id == card_id for due in pipeline.today_view(None).due),
        "funnel": reports.funnel(month).stages[0].entered > 1,
        "activity report": reports.activity(month).kinds.get("meeting", 0) > 0,
    }


def test_a_deleted_card_leaves_every_view_and_undo_brings_it_back_whole(pipeline, walk):
    other = walk.contact("Grace Hopper")
    ada = walk.lead("Ada Lovelace", company="Analytical Engines", phone="+44 20 7946 0958")
    pipeline.edit(ada.id, {"notes": "met at the fair"})
    pipeline.log_activity(ada.id, "meeting", "Demo")
    step = pipeline.plan(ada.id, "call", date.today().isoformat(), "Call about the budget")
    before = pipeline.card(ada.id)
    stats = pipeline.stats()
    assert all(_visible(pipeline, ada.id).values())

    removed = pipeline.delete(ada.id)

    assert removed.name == "Ada Lovelace"
    assert not any(_visible(pipeline, ada.id).values()), _visible(pipeline, ada.id)
    after = pipeline.stats()
    assert after[Stage.LEAD].cards == stats[Stage.LEAD].cards - 1
    assert after[Stage.LEAD].amount == stats[Stage.LEAD].amount - Decimal("20000")
    with pytest.raises(CardRemoved, match=rf"^Card {ada.id} was deleted by alice at .*; undo brings it back\.$"):
        pipeline.card(ada.id)
    assert pipeline.card(other.id).name == "Grace Hopper"  # the others stay as they were
    [deletion] = [c for c in pipeline.my_changes(1)]
    assert deletion.kind is ChangeKind.DELETE and deletion.describe() == "delete card"

    result = pipeline.undo()

    assert result.undone.id == deletion.id
    back = pipeline.card(ada.id)
    assert back.fields() == before.fields() and back.stage is Stage.LEAD
    assert (back.extra, back.source_id, back.activity_count) == (before.extra, before.source_id, 1)
    assert pipeline.stats()[Stage.LEAD] == stats[Stage.LEAD]
    assert all(_visible(pipeline, ada.id).values())
    assert pipeline.next_step(ada.id).id == step.id
    assert [a.summary for a in pipeline.activities(ada.id)] == ["Demo"]


def test_an_imported_cards_extras_and_source_id_come_back_with_it(pipeline, tmp_path: Path):
    source = write_csv(tmp_path / "contacts.csv", ["Record ID", "Name", "Email", "Industry"],
                       [["hs-1", "Ada Lovelace", "ada@example.com", "Computing"]])
    run_import(pipeline, source)
    [card] = pipeline.find()
    pipeline.delete(card.id)
    assert pipeline.find() == []

    pipeline.undo()

    back = pipeline.card(card.id)
    assert (back.extra, back.source_id, back.email) == ({"Industry": "Computing"}, "hs-1", "ada@example.com")
    assert run_import(pipeline, source).skipped == 1  # found again by its source id


def test_an_import_does_not_take_a_row_for_a_deleted_card(pipeline, walk, tmp_path: Path):
    ada = walk.contact("Ada Lovelace", email="ada@example.com")
    pipeline.delete(ada.id)
    source = write_csv(tmp_path / "contacts.csv", ["Name", "Email"], [["Ada Lovelace", "ada@example.com"]])

    summary = run_import(pipeline, source)

    assert (summary.imported, summary.skipped) == (1, 0)
    [new] = pipeline.find()
    assert new.id != ada.id and new.email == "ada@example.com"


def test_deleting_a_card_changed_since_it_was_read_is_a_conflict(pipeline, walk, bob):
    ada = walk.contact("Ada Lovelace")
    bob.edit(ada.id, {"company": "ACME"})

    with pytest.raises(Conflict, match=rf"^Card {ada.id} was changed by bob .* your change was not saved\.$"):
        pipeline.delete(ada.id, version=ada.version)

    assert pipeline.card(ada.id).company == "ACME"


def test_a_deleted_card_cannot_be_changed_and_a_colleague_cannot_undo_its_deletion(pipeline, walk, bob):
    ada = walk.contact("Ada Lovelace")
    pipeline.delete(ada.id)

    with pytest.raises(CardRemoved):
        bob.edit(ada.id, {"company": "ACME"})
    with pytest.raises(UndoRefused, match="only they can undo it"):
        bob.undo(pipeline.my_changes(1)[0].id)
    with pytest.raises(CardRemoved):
        pipeline.delete(ada.id)


def test_an_erasure_keeps_nothing_of_the_person_but_who_erased_the_card_and_when(pipeline, walk, db_target, engine):
    ada = walk.lead("Ada Zyxwvuts", company="Qwertyuiop Ltd", phone="+44 20 7946 0958")
    pipeline.edit(ada.id, {"notes": "met at the fair"})
    pipeline.log_activity(ada.id, "meeting", "Demo")
    pipeline.plan(ada.id, "call", date.today().isoformat(), "Call Ada Zyxwvuts back")
    pipeline.delete(ada.id)  # deleted first: the deletion's journal holds her name too
    grace = walk.contact("Grace Hopper")
    stats = pipeline.stats()

    pipeline.erase(ada.id)

    for table in (History, Activity, PlannedActivity, StageVisit):
        assert table.select().where(table.card == ada.id).count() == 0, table
    [entry] = list(JournalEntry.select().where(JournalEntry.card == ada.id))
    assert (entry.kind, entry.by) == ("erasure", "alice")
    assert JournalField.select().where(JournalField.entry == entry.id).count() == 0
    row = CardRow.get_by_id(ada.id)
    kept = {name: getattr(row, name) for name in ("name", "company", "email", "phone", "notes", "need", "budget",
                                                 "owner", "extra", "source_id", "lost_reason")}
    assert kept == {"name": "", "company": None, "email": None, "phone": None, "notes": None, "need": None,
                    "budget": None, "owner": None, "extra": None, "source_id": None, "lost_reason": None}
    assert pipeline.stats() == stats  # it was off the board already
    with pytest.raises(CardRemoved, match=rf"^Card {ada.id} was erased by alice at [^;]*\.$"):
        pipeline.card(ada.id)
    assert pipeline.card(grace.id).name == "Grace Hopper"
    assert pipeline.overview(CardFilter(search="zyxwvuts"), 50)[0][Stage.LEAD].cards == 0
    if engine == "sqlite":  # nothing left in the file either: overwritten, and the log emptied
        stored = Path(db_target).read_bytes() + (Path(db_target + "-wal").read_bytes()
                                                 if Path(db_target + "-wal").exists() else b"")
        assert b"Zyxwvuts" not in stored and b"Qwertyuiop" not in stored and b"met at the fair" not in stored


def test_an_erasure_cannot_be_undone_and_a_card_on_the_board_can_be_erased_at_once(pipeline, walk):
    ada = walk.lead("Ada Lovelace")
    before = pipeline.stats()[Stage.LEAD].cards

    pipeline.erase(ada.id)

    assert pipeline.stats()[Stage.LEAD].cards == before - 1
    erasure = pipeline.my_changes(1)[0]
    assert erasure.kind is ChangeKind.ERASURE and erasure.describe() == "erase card"
    with pytest.raises(UndoRefused, match="nothing of it is left"):
        pipeline.undo(erasure.id)
    with pytest.raises(CardRemoved, match="erased"):
        pipeline.erase(ada.id)
    with pytest.raises(CardNotFound, match=r"^There is no card 999\.$"):
        pipeline.erase(999)


# ---- merging two cards of one person ---------------------------------------------------------------


def test_a_merge_keeps_one_card_with_both_histories_activities_steps_and_extras(pipeline, walk, tmp_path: Path):
    source = write_csv(tmp_path / "deals.csv", ["Record ID", "Name", "Email", "Company", "Phone", "Industry"],
                       [["deal-7", "Ada L.", "ada@engines.example.com", "Analytical Engines",
                         "+44 20 7946 0958", "Computing"]])
    run_import(pipeline, source)
    [deal] = pipeline.find()
    pipeline.log_activity(deal.id, "meeting", "Demo on the deal")
    step = pipeline.plan(deal.id, "call", date.today().isoformat(), "Call about the deal")
    ada = walk.lead("Ada Lovelace", email="ada@example.com")
    pipeline.log_activity(ada.id, "call", "Intro call")
    stats = pipeline.stats()

    result = pipeline.merge(ada.id, deal.id)

    kept = pipeline.card(ada.id)
    assert result.card == kept and result.other.name == "Ada L."
    assert (kept.name, kept.email, kept.stage) == ("Ada Lovelace", "ada@example.com", Stage.LEAD)  # its own stay
    assert (kept.company, kept.phone) == ("Analytical Engines", "+44 20 7946 0958")  # what it lacked, filled
    assert kept.extra == {"Industry": "Computing", "merged.name": "Ada L.", "merged.email": "ada@engines.example.com"}
    assert result.filled == ["company", "phone"]
    assert sorted(a.summary for a in pipeline.activities(ada.id)) == ["Demo on the deal", "Intro call"]
    assert kept.activity_count == 2
    assert [m.to_stage for m in pipeline.history(ada.id)].count(Stage.CONTACT) == 2  # both creations
    assert pipeline.next_step(ada.id).id == step.id
    with pytest.raises(CardRemoved, match=rf"^Card {deal.id} was merged into another card by alice at "):
        pipeline.card(deal.id)
    after = pipeline.stats()
    assert after[Stage.CONTACT].cards == stats[Stage.CONTACT].cards - 1
    assert after[Stage.LEAD].cards == stats[Stage.LEAD].cards
    [merge] = pipeline.my_changes(1)
    assert merge.kind is ChangeKind.MERGE and merge.describe() == f"merge in card {deal.id}"

    pipeline.undo()

    back, split = pipeline.card(ada.id), pipeline.card(deal.id)
    assert (back.company, back.phone, back.extra, back.activity_count) == (None, None, {}, 1)
    assert (split.name, split.email, split.source_id, split.extra) == (
        "Ada L.", "ada@engines.example.com", "deal-7", {"Industry": "Computing"})
    assert [a.summary for a in pipeline.activities(deal.id)] == ["Demo on the deal"]
    assert [a.summary for a in pipeline.activities(ada.id)] == ["Intro call"]
    assert pipeline.next_step(deal.id).id == step.id and pipeline.next_step(ada.id) is None
    assert pipeline.stats() == stats
    assert run_import(pipeline, source).skipped == 1  # the deal is found by its record id again


def test_a_card_is_not_merged_into_itself_or_into_a_deleted_one(pipeline, walk):
    ada, grace = walk.contact("Ada Lovelace"), walk.contact("Grace Hopper")

    with pytest.raises(InvalidInput, match=rf"^Card {ada.id} cannot be merged into itself\.$"):
        pipeline.merge(ada.id, ada.id)
    pipeline.delete(grace.id)
    with pytest.raises(CardRemoved):
        pipeline.merge(ada.id, grace.id)
    assert pipeline.card(ada.id) == ada


def test_a_deleted_cards_planned_step_cannot_be_done_until_the_card_is_back(pipeline, walk):
    ada = walk.contact("Ada Lovelace")
    step = pipeline.plan(ada.id, "call", date.today().isoformat(), "Call back")
    pipeline.delete(ada.id)

    with pytest.raises(CardRemoved, match=rf"^Card {ada.id} was deleted by alice"):
        pipeline.complete(step.id, "Spoke to her")

    pipeline.undo()
    pipeline.complete(step.id, "Spoke to her")
    assert [a.summary for a in pipeline.activities(ada.id)] == ["Call back — Spoke to her"]


def test_erasing_a_card_merged_into_another_takes_its_values_off_that_card_and_the_merges_journal(
        pipeline, walk, tmp_path: Path, db_target, engine):
    source = write_csv(tmp_path / "crm.csv", ["Record ID", "Name", "Email", "Company", "Industry", "Team"],
                       [["c-1", "Ada Lovelace", "ada@example.com", "", "", "Engines"],
                        ["deal-9", "Augusta Qzxjwv", "augusta@qzxjwv.example.com", "Analytical Engines",
                         "Vbnmkl looms", ""]])
    run_import(pipeline, source)
    ada, deal = sorted(pipeline.find(), key=lambda card: card.id)
    pipeline.merge(ada.id, deal.id)
    assert pipeline.card(ada.id).extra == {"Team": "Engines", "Industry": "Vbnmkl looms",
                                           "merged.name": "Augusta Qzxjwv",
                                           "merged.email": "augusta@qzxjwv.example.com"}
    [merge] = pipeline.my_changes(1)

    pipeline.erase(deal.id)

    kept = pipeline.card(ada.id)
    # what the merge copied from the erased card is gone (the company it filled in too); the kept
    # card's own values stay
    assert kept.extra == {"Team": "Engines"}
    assert (kept.name, kept.email, kept.company, kept.source_id) == ("Ada Lovelace", "ada@example.com", None, "c-1")
    # the merge's entry says a merge of that card happened, with none of its values
    entry = pipeline.change(merge.id)
    assert entry.describe() == f"merge in card {deal.id}"
    assert {c.field for c in entry.changes} == {"merge.other", "merge.history"}
    assert all(c.old is None and c.new is not None and "Qzxjwv" not in c.new for c in entry.changes)
    with pytest.raises(UndoRefused):  # nothing is left to split it back into
        pipeline.undo(merge.id)
    assert pipeline.card(ada.id).extra == {"Team": "Engines"}
    if engine == "sqlite":  # nothing left in the file either
        stored = Path(db_target).read_bytes() + (Path(db_target + "-wal").read_bytes()
                                                 if Path(db_target + "-wal").exists() else b"")
        assert b"Qzxjwv" not in stored and b"qzxjwv" not in stored and b"Vbnmkl" not in stored


def test_erasing_a_merged_card_keeps_the_kept_cards_own_value_a_merge_set_aside(pipeline, walk):
    ada = walk.lead("Ada Lovelace", email="ada@example.com")
    other = walk.contact("Ada L.", email="ada@engines.example.com")
    pipeline.merge(ada.id, other.id, take=["email"])  # the other's email chosen: the kept one's set aside
    assert pipeline.card(ada.id).extra == {"merged.email": "ada@example.com", "merged.name": "Ada L."}

    pipeline.erase(other.id)

    kept = pipeline.card(ada.id)  # her own email is back on the card, no longer set aside
    assert (kept.email, kept.extra) == ("ada@example.com", {})


def _stored(db_target: str) -> bytes:
    """The SQLite database file and its write-ahead log, as bytes."""
    wal = Path(db_target + "-wal")
    return Path(db_target).read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_erasing_a_merged_card_takes_off_the_kept_card_all_the_merge_brought_from_it(
        pipeline, walk, db_target, engine):
    ada = walk.contact("Ada Lovelace", email=None, phone="+44 20 7946 0958")
    pipeline.log_activity(ada.id, "call", "Intro call")
    own_step = pipeline.plan(ada.id, "email", (date.today() + timedelta(days=9)).isoformat(), "Send the brochure")
    ada = pipeline.card(ada.id)
    stats, own_history = pipeline.stats(), pipeline.history(ada.id)
    other = walk.lead("Augusta Qzxjwv", email="augusta@qzxjwv.example.com", company="Qzxjwv Looms",
                      notes="met at the Qzxjwv fair")
    pipeline.demote(other.id, "Qzxjwv budget frozen")
    pipeline.log_activity(other.id, "meeting", "Demo of the Qzxjwv loom")
    step = pipeline.plan(other.id, "call", date.today().isoformat(), "Call Augusta about Qzxjwv")
    pipeline.merge(ada.id, other.id)
    merged = pipeline.card(ada.id)
    assert (merged.email, merged.company, merged.activity_count) == ("augusta@qzxjwv.example.com", "Qzxjwv Looms", 2)
    assert merged.budget == Decimal("20000") and pipeline.next_step(ada.id).id == step.id
    pipeline.edit(ada.id, {"company": "Analytical Engines"})  # changed since: the kept card's own now
    pipeline.complete(step.id, "Spoke to Qzxjwv's office")  # her step, done on the kept card
    [merge] = [c for c in pipeline.journal(ada.id) if c.kind is ChangeKind.MERGE]
    feed = pipeline.latest_change()

    pipeline.erase(other.id)

    kept = pipeline.card(ada.id)
    assert (kept.name, kept.phone, kept.company) == ("Ada Lovelace", "+44 20 7946 0958", "Analytical Engines")
    assert (kept.email, kept.notes, kept.need, kept.budget, kept.purchase_by, kept.extra) == (
        None, None, None, None, None, {})
    assert [a.summary for a in pipeline.activities(ada.id)] == ["Intro call"]
    assert kept.activity_count == 1
    assert kept.last_activity_at == pipeline.activities(ada.id)[0].at
    assert pipeline.next_step(ada.id).id == own_step.id
    assert [s.id for s in pipeline.planned_of(ada.id)] == [own_step.id]
    assert pipeline.history(ada.id) == own_history
    assert pipeline.stats() == stats  # her budget no longer counts in the contacts' total
    assert pipeline.overview(CardFilter(search="qzxjwv"), 50)[0][Stage.CONTACT].cards == 0
    assert pipeline.overview(CardFilter(search="lovelace"), 50)[0][Stage.CONTACT].cards == 1
    assert Change.select().where((Change.card_id == ada.id) & (Change.id > feed)).exists()
    # no journal entry of the kept card holds her values: the merge's keeps the ids it moved, the
    # edit since the merge its new value only, the completed step's entry is gone
    texts = [(c.old or "") + (c.new or "") for entry in pipeline.journal(ada.id) for c in entry.changes]
    assert not any("qzxjwv" in text.lower() for text in texts), texts
    edit = next(e for e in pipeline.journal(ada.id) if e.kind is ChangeKind.EDIT)
    assert [(c.field, c.old, c.new) for c in edit.changes] == [("company", None, "Analytical Engines")]
    assert JournalField.select().where(JournalField.old.contains("zxjwv") | JournalField.new.contains("zxjwv")
                                       ).count() == 0
    [erasure] = list(JournalEntry.select().where(JournalEntry.card == other.id))
    assert (erasure.kind, erasure.by) == ("erasure", "alice")
    with pytest.raises(UndoRefused):
        pipeline.undo(merge.id)
    if engine == "sqlite":  # nothing of her notes, history, activities or email left in the file
        stored = _stored(db_target)
        for text in (b"Qzxjwv", b"qzxjwv", b"Demo of the", b"budget frozen", b"Call Augusta", b"augusta@"):
            assert text not in stored, text


def test_erasing_a_merged_card_after_the_merge_was_undone_erases_only_its_own(pipeline, walk):
    ada = walk.contact("Ada Lovelace", email=None)
    other = walk.contact("Augusta", email="augusta@example.com", company="Looms")
    pipeline.log_activity(other.id, "call", "Her call")
    pipeline.merge(ada.id, other.id)
    pipeline.undo()
    pipeline.edit(ada.id, {"company": "Looms"})  # her company typed in by hand since: the kept card's own

    pipeline.erase(other.id)

    kept = pipeline.card(ada.id)
    assert (kept.email, kept.company, kept.activity_count) == (None, "Looms", 0)
    assert pipeline.activities(ada.id) == []
    edit = next(e for e in pipeline.journal(ada.id) if e.kind is ChangeKind.EDIT)  # her own edit's journal stays
    assert [(c.field, c.old, c.new) for c in edit.changes] == [("company", None, "Looms")]


def test_erasing_a_card_merged_into_one_deleted_since_leaves_nothing_of_it_for_an_undo_to_bring_back(
        pipeline, walk, db_target, engine):
    ada = walk.contact("Ada Lovelace", email=None)
    other = walk.contact("Augusta Qzxjwv", email="augusta@qzxjwv.example.com", notes="met at the Qzxjwv fair",
                         budget="900")
    pipeline.log_activity(other.id, "call", "Qzxjwv intro call")
    pipeline.merge(ada.id, other.id)
    pipeline.delete(ada.id)  # its deletion's journal holds the email it took from her
    [deletion] = pipeline.my_changes(1)

    pipeline.erase(other.id)
    pipeline.undo(deletion.id)

    back = pipeline.card(ada.id)
    assert (back.name, back.email, back.notes, back.budget, back.extra, back.activity_count) == (
        "Ada Lovelace", None, None, None, {}, 0)
    assert pipeline.activities(ada.id) == []
    assert (pipeline.stats()[Stage.CONTACT].cards, pipeline.stats()[Stage.CONTACT].amount) == (1, 0)
    if engine == "sqlite":
        stored = _stored(db_target)
        assert b"Qzxjwv" not in stored and b"qzxjwv" not in stored


# ---- erasing along a chain of merges ----------------------------------------------------------------

TEAM = default_rules_text() + '\n[fields.industry]\nlabel = "Industry"\ntype = "text"\n'


@pytest.fixture
def team(pipeline: Pipeline) -> Pipeline:
    """Alice, on a team that declares an Industry field (kept in the card's extras)."""
    return Pipeline(parse_rules(TEAM, "team.toml"), "alice")


def _nothing_of_augusta(pipeline: Pipeline, db_target: str, engine: str) -> None:
    """No card, search row, journal line or (on SQLite) byte of the database holds Augusta's data."""
    assert pipeline.overview(CardFilter(search="qzxjwv"), 50)[0][Stage.CONTACT].cards == 0
    lines = JournalField.select().where(JournalField.old.contains("zxjwv") | JournalField.new.contains("zxjwv")
                                        | JournalField.old.contains("Vbnmkl") | JournalField.new.contains("Vbnmkl"))
    assert [(line.field, line.old, line.new) for line in lines] == []
    rows = [row.__data__ for row in CardRow.select()]
    assert not any("zxjwv" in str(row).lower() or "vbnmkl" in str(row).lower() for row in rows), rows
    assert not any("zxjwv" in row.summary.lower() for row in PlannedActivity.select())
    assert not any("zxjwv" in row.summary.lower() for row in Activity.select())
    assert not any("zxjwv" in (row.reason or "").lower() for row in History.select())
    if engine == "sqlite":  # nothing left in the file or its log either
        stored = _stored(db_target)
        for text in (b"Qzxjwv", b"qzxjwv", b"Vbnmkl", b"Demo of the", b"budget frozen", b"Call Augusta"):
            assert text not in stored, text


def _chain(team: Pipeline) -> tuple[Card, Card, Card, PlannedRecord]:
    """Augusta's card merged into Ada's, and Ada's later into Grace's: (augusta, ada, grace, the
    step Augusta planned)."""
    grace = team.create({"name": "Grace Hopper", "email": "grace@example.com"})
    team.log_activity(grace.id, "email", "Sent the agenda")
    ada = team.create({"name": "Ada Lovelace", "phone": "+44 20 7946 0958"})
    team.log_activity(ada.id, "call", "Intro call")
    augusta = team.create({"name": "Augusta Qzxjwv", "email": "augusta@qzxjwv.example.com",
                           "company": "Qzxjwv Looms", "notes": "met at the Qzxjwv fair", "budget": "900",
                           "industry": "Vbnmkl looms"})
    team.log_activity(augusta.id, "meeting", "Demo of the Qzxjwv loom")
    step = team.plan(augusta.id, "call", date.today().isoformat(), "Call Augusta about Qzxjwv")
    team.merge(ada.id, augusta.id)
    assert team.card(ada.id).extra == {"industry": "Vbnmkl looms", "merged.name": "Augusta Qzxjwv"}
    team.merge(grace.id, ada.id)
    return augusta, ada, grace, step


def test_erasing_a_card_takes_what_it_brought_off_the_card_its_card_was_merged_into_later(
        team, db_target, engine):
    augusta, ada, grace, step = _chain(team)
    merged = team.card(grace.id)
    assert (merged.email, merged.company, merged.phone, merged.budget) == (
        "grace@example.com", "Qzxjwv Looms", "+44 20 7946 0958", Decimal("900"))
    assert merged.extra == {"industry": "Vbnmkl looms", "merged.name": "Ada Lovelace",
                            "merged.merged.name": "Augusta Qzxjwv", "merged.email": "augusta@qzxjwv.example.com"}
    assert (merged.activity_count, team.next_step(grace.id).id) == (3, step.id)
    team.complete(step.id, "Spoke to Qzxjwv's office")  # her step, done on Grace's card
    team.edit(grace.id, {"industry": "Computing"})  # her industry, changed since: Grace's own now
    [merge] = [c for c in team.journal(grace.id) if c.kind is ChangeKind.MERGE]
    feed = team.latest_change()

    assert team.erase(augusta.id) == []  # nothing was merged into hers

    kept = team.card(grace.id)
    assert (kept.name, kept.email, kept.phone) == ("Grace Hopper", "grace@example.com", "+44 20 7946 0958")
    assert (kept.company, kept.notes, kept.budget) == (None, None, None)
    assert kept.extra == {"industry": "Computing", "merged.name": "Ada Lovelace"}
    assert sorted(a.summary for a in team.activities(grace.id)) == ["Intro call", "Sent the agenda"]
    assert kept.activity_count == 2 and team.next_step(grace.id) is None
    assert (team.stats()[Stage.CONTACT].cards, team.stats()[Stage.CONTACT].amount) == (1, 0)
    assert Change.select().where((Change.card_id == grace.id) & (Change.id > feed)).exists()
    edit = next(e for e in team.journal(grace.id) if e.kind is ChangeKind.EDIT)
    assert [(c.field, c.old, c.new) for c in edit.changes] == [("extra.industry", None, "Computing")]
    _nothing_of_augusta(team, db_target, engine)

    team.undo(edit.id)  # her industry is no longer what the edit took back: there is none
    assert team.card(grace.id).extra == {"merged.name": "Ada Lovelace"}
    team.undo(merge.id)  # Ada's card split off Grace's again: with only what was Ada's own

    back, grace_alone = team.card(ada.id), team.card(grace.id)
    assert (back.name, back.phone, back.email, back.company, back.notes, back.budget, back.extra) == (
        "Ada Lovelace", "+44 20 7946 0958", None, None, None, None, {})
    assert [a.summary for a in team.activities(ada.id)] == ["Intro call"] and back.activity_count == 1
    assert back.last_activity_at == team.activities(ada.id)[0].at
    assert (grace_alone.phone, grace_alone.extra, grace_alone.activity_count) == (None, {}, 1)
    _nothing_of_augusta(team, db_target, engine)


def test_erasing_the_card_at_the_end_of_a_chain_of_merges_erases_every_card_merged_into_it(
        team, db_target, engine):
    augusta, ada, grace, _ = _chain(team)
    other = team.create({"name": "Alan Turing"})
    assert team.merged_into(grace.id) == [ada.id, augusta.id]

    assert team.erase(grace.id) == [ada.id, augusta.id]

    for card_id in (augusta.id, ada.id, grace.id):
        with pytest.raises(CardRemoved, match=rf"^Card {card_id} was erased by alice at [^;]*\.$"):
            team.card(card_id)
        [entry] = list(JournalEntry.select().where(JournalEntry.card == card_id))
        assert (entry.kind, JournalField.select().where(JournalField.entry == entry.id).count()) == ("erasure", 0)
    assert [c.name for c in team.find()] == ["Alan Turing"] and team.card(other.id).name == "Alan Turing"
    assert Activity.select().count() == PlannedActivity.select().count() == 0
    assert team.overview(CardFilter(search="lovelace"), 50)[0][Stage.CONTACT].cards == 0
    _nothing_of_augusta(team, db_target, engine)
    if engine == "sqlite":
        assert b"Lovelace" not in _stored(db_target) and b"Grace Hopper" not in _stored(db_target)


def test_erasing_the_card_in_the_middle_of_a_chain_erases_what_was_merged_into_it_and_takes_off_the_rest(
        team, db_target, engine):
    augusta, ada, grace, _ = _chain(team)

    assert team.erase(ada.id) == [augusta.id]

    with pytest.raises(CardRemoved, match="erased"):
        team.card(augusta.id)
    kept = team.card(grace.id)
    assert (kept.name, kept.email, kept.phone, kept.company, kept.budget, kept.extra) == (
        "Grace Hopper", "grace@example.com", None, None, None, {})
    assert [a.summary for a in team.activities(grace.id)] == ["Sent the agenda"] and kept.activity_count == 1
    _nothing_of_augusta(team, db_target, engine)
    if engine == "sqlite":
        assert b"Lovelace" not in _stored(db_target) and b"7946" not in _stored(db_target)


def test_erasing_a_merged_card_clears_its_extra_from_the_journal_of_an_edit_made_since(team, db_target, engine):
    ada = team.create({"name": "Ada Lovelace"})
    augusta = team.create({"name": "Augusta Qzxjwv", "industry": "Vbnmkl looms"})
    team.merge(ada.id, augusta.id)
    team.edit(ada.id, {"industry": "Computing"})
    [edit] = team.my_changes(1)
    assert [(c.field, c.old, c.new) for c in edit.changes] == [("extra.industry", "Vbnmkl looms", "Computing")]

    team.erase(augusta.id)

    assert team.card(ada.id).extra == {"industry": "Computing"}
    assert [(c.field, c.old, c.new) for c in team.change(edit.id).changes] == [("extra.industry", None, "Computing")]
    _nothing_of_augusta(team, db_target, engine)


def test_erasing_a_card_whose_chain_ends_in_a_deleted_card_leaves_nothing_of_it_for_an_undo_to_bring_back(
        team, db_target, engine):
    augusta, _, grace, _ = _chain(team)
    team.delete(grace.id)  # its deletion's journal holds the email, company and extras it took from her
    [deletion] = team.my_changes(1)

    team.erase(augusta.id)
    team.undo(deletion.id)

    back = team.card(grace.id)
    assert (back.name, back.email, back.phone, back.company, back.notes, back.budget) == (
        "Grace Hopper", "grace@example.com", "+44 20 7946 0958", None, None, None)
    assert back.extra == {"merged.name": "Ada Lovelace"}
    assert sorted(a.summary for a in team.activities(grace.id)) == ["Intro call", "Sent the agenda"]
    assert back.activity_count == 2 and team.next_step(grace.id) is None
    assert (team.stats()[Stage.CONTACT].cards, team.stats()[Stage.CONTACT].amount) == (1, 0)
    _nothing_of_augusta(team, db_target, engine)


def test_erasing_a_card_gives_back_a_value_a_later_merge_set_aside_for_its_own(team, db_target, engine):
    grace = team.create({"name": "Grace Hopper", "email": "grace@example.com"})
    ada = team.create({"name": "Ada Lovelace"})
    augusta = team.create({"name": "Augusta Qzxjwv", "email": "augusta@qzxjwv.example.com"})
    team.merge(ada.id, augusta.id)
    team.merge(grace.id, ada.id, take=["email"])  # her email, come through Ada's card, chosen over Grace's
    assert (team.card(grace.id).email, team.card(grace.id).extra) == (
        "augusta@qzxjwv.example.com",
        {"merged.email": "grace@example.com", "merged.name": "Ada Lovelace", "merged.merged.name": "Augusta Qzxjwv"})

    team.erase(augusta.id)

    kept = team.card(grace.id)
    assert (kept.email, kept.extra) == ("grace@example.com", {"merged.name": "Ada Lovelace"})
    assert team.overview(CardFilter(search="grace@example.com"), 50)[0][Stage.CONTACT].cards == 1
    _nothing_of_augusta(team, db_target, engine)


def test_erasing_a_card_follows_a_chain_of_three_merges(team, db_target, engine):
    augusta, _, grace, step = _chain(team)
    alan = team.create({"name": "Alan Turing", "email": "alan@example.com", "company": "Bletchley"})
    team.merge(alan.id, grace.id)
    assert team.card(alan.id).extra["merged.merged.merged.name"] == "Augusta Qzxjwv"
    assert team.next_step(alan.id).id == step.id

    team.erase(augusta.id)

    kept = team.card(alan.id)
    assert (kept.email, kept.company, kept.phone, kept.budget, kept.notes) == (
        "alan@example.com", "Bletchley", "+44 20 7946 0958", None, None)
    assert kept.extra == {"merged.name": "Grace Hopper", "merged.email": "grace@example.com",
                          "merged.merged.name": "Ada Lovelace"}
    assert sorted(a.summary for a in team.activities(alan.id)) == ["Intro call", "Sent the agenda"]
    assert kept.activity_count == 2 and team.next_step(alan.id) is None
    _nothing_of_augusta(team, db_target, engine)


def test_a_merge_undone_hands_nothing_of_the_erased_card_down_the_chain(pipeline, walk):
    grace = walk.contact("Grace Hopper", email="grace@example.com")
    ada = walk.contact("Ada Lovelace", email=None)
    other = walk.contact("Augusta", email="augusta@example.com", company="Looms")
    pipeline.merge(ada.id, other.id)
    pipeline.undo()
    pipeline.edit(ada.id, {"company": "Looms"})  # the same text, typed in by hand: Ada's own
    pipeline.merge(grace.id, ada.id)

    pipeline.erase(other.id)

    kept = pipeline.card(grace.id)
    assert (kept.email, kept.company, kept.extra) == ("grace@example.com", "Looms", {"merged.name": "Ada Lovelace"})


def test_a_card_erased_with_the_one_it_was_merged_into_leaves_nothing_in_a_merge_it_had_undone(
        pipeline, walk, db_target, engine):
    grace = walk.contact("Grace Hopper", email="grace@example.com")
    ada = walk.contact("Ada Lovelace", email=None)
    augusta = walk.contact("Augusta Qzxjwv", email="augusta@qzxjwv.example.com", notes="met at the Qzxjwv fair")
    pipeline.merge(grace.id, augusta.id)
    pipeline.undo()  # merged into Grace's card by mistake: Grace's journal still tells of it
    pipeline.merge(ada.id, augusta.id)

    assert pipeline.erase(ada.id) == [augusta.id]

    kept = pipeline.card(grace.id)
    assert (kept.name, kept.email, kept.notes, kept.extra) == ("Grace Hopper", "grace@example.com", None, {})
    merge, undo = [c for c in pipeline.journal(grace.id) if c.kind in (ChangeKind.MERGE, ChangeKind.UNDO)]
    assert merge.describe() == f"merge in card {augusta.id}" and undo.undoes == merge.id
    _nothing_of_augusta(pipeline, db_target, engine)
