"""Every change is journaled with its old and new values, and undo reverses any of them — an edit,
a reassign, a logged activity, a planned step planned, rescheduled, completed or cancelled —
unless the card has been changed since."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from leadboard.domain.errors import GateBlocked, NothingToUndo, UndoRefused
from leadboard.domain.history import ChangeKind, FieldChange
from leadboard.domain.stages import Move, Stage
from leadboard.service.pipeline import Pipeline


def test_an_edit_is_journaled_field_by_field_and_undone_completely(pipeline, walk):
    card = walk.contact("Ada", company="Old Co", phone="+44 20 7946 0000")
    pipeline.edit(card.id, {"company": "New Co", "phone": None, "budget": "1200.50"})

    [edit] = [c for c in pipeline.journal(card.id) if c.kind is ChangeKind.EDIT]
    assert edit.by == "alice"
    assert set(edit.changes) == {FieldChange("company", "Old Co", "New Co"),
                                 FieldChange("phone", "+44 20 7946 0000", None),
                                 FieldChange("budget", None, "1200.5")}

    result = pipeline.undo()
    assert result.undone.id == edit.id and result.record is None
    back = pipeline.card(card.id)
    assert (back.company, back.phone, back.budget) == ("Old Co", "+44 20 7946 0000", None)
    assert back.version == 3  # the undo is a write like any other
    undo = pipeline.journal(card.id)[-1]
    assert (undo.kind, undo.undoes, undo.by) == (ChangeKind.UNDO, edit.id, "alice")
    assert FieldChange("company", "New Co", "Old Co") in undo.changes
    assert pipeline.change(edit.id).undone_by == undo.id


def test_undoing_a_reassign_gives_the_card_back_and_fixes_the_totals(pipeline, walk):
    card = walk.contact("Ada", budget="500")
    pipeline.reassign(card.id, "bob")
    [reassign] = [c for c in pipeline.journal(card.id) if c.kind is ChangeKind.REASSIGN]
    assert reassign.describe() == "reassign to bob"
    assert pipeline.undo().card.owner == "alice"
    from leadboard.domain.filter import CardFilter
    assert pipeline.stats(CardFilter(owner="alice"))[Stage.CONTACT].amount == Decimal("500.00")
    assert pipeline.stats(CardFilter(owner="bob"))[Stage.CONTACT].cards == 0


def test_undoing_a_logged_call_takes_it_back_and_the_gate_asks_for_one_again(pipeline, walk, fields):
    lead = walk.lead()
    pipeline.log_activity(lead.id, "call", "Intro call")
    [logged] = [c for c in pipeline.journal(lead.id) if c.kind is ChangeKind.ACTIVITY]
    assert logged.describe() == "log call “Intro call”"

    card = pipeline.undo().card
    assert (card.activity_count, card.last_activity_at) == (0, None)
    assert pipeline.activities(lead.id) == []
    with pytest.raises(GateBlocked, match="relationship"):
        pipeline.promote(lead.id, fields["develop"]())
    # the journal still says what was logged, and that it was taken back
    undo = pipeline.journal(lead.id)[-1]
    assert FieldChange("activity.summary", "Intro call", None) in undo.changes


def test_a_change_a_colleague_has_built_upon_says_so_and_is_not_undone(pipeline, bob, walk, database_state):
    card = walk.contact("Ada")
    pipeline.edit(card.id, {"company": "ACME"})
    bob.edit(card.id, {"phone": "+1 555 0100"})
    before = database_state()
    with pytest.raises(UndoRefused, match=r"changed by bob at .* \(edit phone\) since your change .*edit company"):
        pipeline.undo()
    assert database_state() == before


def test_a_colleague_change_that_was_undone_since_is_no_obstacle(pipeline, bob, walk):
    card = walk.contact("Ada")
    pipeline.edit(card.id, {"company": "ACME"})
    bob.edit(card.id, {"phone": "+1 555 0100"})
    bob.undo()
    assert pipeline.undo().card.company is None


def test_undo_by_id_needs_nothing_to_have_happened_to_the_card_since(pipeline, walk):
    ada, grace = walk.contact("Ada"), walk.contact("Grace")
    pipeline.edit(ada.id, {"company": "ACME"})
    pipeline.edit(grace.id, {"company": "Navy"})
    first = pipeline.my_changes()[1]
    assert first.card_id == ada.id
    assert pipeline.undo(first.id).card.company is None  # Grace's edit is on another card
    assert pipeline.card(grace.id).company == "Navy"

    pipeline.edit(ada.id, {"title": "Countess"})
    pipeline.edit(ada.id, {"company": "Babbage & Co"})
    older = pipeline.my_changes()[1]
    with pytest.raises(UndoRefused, match="changed by you"):
        pipeline.undo(older.id)
    with pytest.raises(UndoRefused, match="undone already"):
        pipeline.undo(first.id)
    with pytest.raises(NothingToUndo, match="no change 999"):
        pipeline.undo(999)


def test_nobody_undoes_a_colleagues_change(pipeline, bob, walk):
    card = walk.contact("Ada")
    bob.edit(card.id, {"company": "ACME"})
    [edit] = bob.my_changes()
    with pytest.raises(UndoRefused, match="made by bob"):
        pipeline.undo(edit.id)


def test_a_sessions_undo_sees_only_what_that_session_did(pipeline, walk):
    card = walk.contact("Ada")
    pipeline.edit(card.id, {"company": "ACME"})
    pipeline.begin_session()
    with pytest.raises(NothingToUndo, match="in this session"):
        pipeline.undo(in_session=True)
    pipeline.log_activity(card.id, "note", "Met at a fair")
    assert pipeline.last_change(in_session=True).kind is ChangeKind.ACTIVITY
    pipeline.undo(in_session=True)
    with pytest.raises(NothingToUndo):
        pipeline.undo(in_session=True)
    assert pipeline.undo().card.company is None  # anywhere: the edit before the session


def test_undoing_a_move_is_in_the_history_as_before_and_in_the_journal(pipeline, walk, fields):
    lead = walk.contact()
    pipeline.promote(lead.id, fields["qualify"]())  # filled in and moved in one step
    pipeline.undo()
    moves = pipeline.history(lead.id)
    assert [m.move for m in moves] == [Move.CREATE, Move.PROMOTE, Move.UNDO]
    journal = pipeline.journal(lead.id)
    assert [c.kind for c in journal] == [ChangeKind.MOVE, ChangeKind.UNDO]
    assert journal[0].move == moves[1] and journal[1].move == moves[2]
    assert FieldChange("stage", "contact", "lead") in journal[0].changes
    assert FieldChange("need", None, "Order tracking for three warehouses") in journal[0].changes


def test_a_cards_fields_can_be_read_as_they_stood_at_any_time(pipeline, fields):
    now = [datetime(2026, 11, 2, 9, 0)]
    alice = Pipeline(pipeline.rules, "alice", clock=lambda: now[0])

    def later(minutes: int) -> datetime:
        now[0] += timedelta(minutes=minutes)
        return now[0]

    card = alice.create({"name": "Ada", "email": "ada@example.com", "company": "Old Co"})
    created = now[0]
    later(10)
    alice.edit(card.id, {"company": "New Co", "budget": "100"})
    edited = now[0]
    later(10)
    alice.promote(card.id, fields["qualify"]() | {"budget": "200"})
    promoted = now[0]
    later(10)
    alice.reassign(card.id, "bob")

    assert alice.as_of(card.id, created - timedelta(seconds=1)) is None
    at_start = alice.as_of(card.id, created + timedelta(minutes=1))
    assert (at_start["company"], at_start["budget"], at_start["stage"]) == ("Old Co", None, Stage.CONTACT)
    after_edit = alice.as_of(card.id, edited)
    assert (after_edit["company"], after_edit["budget"]) == ("New Co", Decimal("100"))
    after_promote = alice.as_of(card.id, promoted + timedelta(minutes=1))
    assert (after_promote["stage"], after_promote["budget"], after_promote["owner"]) == (
        Stage.LEAD, Decimal("200"), "alice")
    assert after_promote["purchase_by"] == fields["qualify"]()["purchase_by"]
    assert alice.as_of(card.id, now[0])["owner"] == "bob"


def test_a_change_to_an_activity_already_there_is_undone_by_writing_its_old_values_back(pipeline, walk):
    """The hook a change to a planned activity (done, rescheduled) uses: journal each activity
    column it changes as ``activity.<column>``; undo writes the old values back and keeps it."""
    from leadboard.store import journal
    from leadboard.store.db import in_transaction
    from leadboard.store.models import Activity

    card = walk.contact("Ada")
    logged = pipeline.log_activity(card.id, "call", "Intro call")

    def reworded() -> int:
        Activity.update(summary="Intro call, 30 min").where(Activity.id == logged.id).execute()
        now = pipeline.card(card.id)
        return journal.record_change(ChangeKind.ACTIVITY, now, now, "alice", datetime.now(), (),
                                     activity_id=logged.id,
                                     extra=[FieldChange("activity.summary", "Intro call", "Intro call, 30 min")])

    change_id = in_transaction(reworded)
    assert pipeline.change(change_id).describe() == "change activity summary"
    assert pipeline.undo().undone.id == change_id
    [activity] = pipeline.activities(card.id)
    assert activity.summary == "Intro call"
    assert pipeline.card(card.id).activity_count == 1


def test_planning_rescheduling_completing_and_cancelling_are_journaled(pipeline, walk):
    card = walk.contact("Ada")
    step = pipeline.plan(card.id, "call", "2030-01-02", "Call about the budget")
    pipeline.reschedule(step.id, "2030-01-03")
    pipeline.complete(step.id, "Budget agreed")
    other = pipeline.plan(card.id, "task", "2030-01-04", "Write the quote")
    pipeline.cancel(other.id)
    changes = [c for c in pipeline.journal(card.id) if c.kind is ChangeKind.ACTIVITY]
    assert [c.describe() for c in changes] == [
        "plan call “Call about the budget” due 2030-01-02", "reschedule call to 2030-01-03", "complete call",
        "plan task “Write the quote” due 2030-01-04", "cancel task"]
    assert {c.planned_id for c in changes} == {step.id, other.id} and all(c.by == "alice" for c in changes)
    done = changes[2]
    assert FieldChange("planned.state", "planned", "done") in done.changes
    assert FieldChange("activity_count", "0", "1") in done.changes  # the call joined the log


def _next(pipeline, card_id):
    """The card's next step as the board reads it with the card: (its id, its due key)."""
    from leadboard.store.cards import as_datetime
    from leadboard.store.models import Card as CardRow

    row = CardRow.get_by_id(card_id)
    return row.next_step_id, as_datetime(row.next_due) if row.next_due else None


def test_undoing_a_plan_takes_the_step_back_and_the_card_has_no_next_step_again(pipeline, walk):
    card = walk.contact("Ada")
    version = pipeline.card(card.id).version
    step = pipeline.plan(card.id, "call", "2030-01-02", "Call about the budget")
    assert _next(pipeline, card.id)[0] == step.id

    result = pipeline.undo()
    assert result.undone.describe() == "plan call “Call about the budget” due 2030-01-02"
    assert pipeline.planned_of(card.id) == []
    assert _next(pipeline, card.id) == (None, None)
    assert pipeline.card(card.id).version == version  # planning bumps no version, nor does its undo
    undo = pipeline.journal(card.id)[-1]
    assert (undo.kind, undo.undoes, undo.by) == (ChangeKind.UNDO, result.undone.id, "alice")
    assert FieldChange("planned.state", "planned", None) in undo.changes
    with pytest.raises(NothingToUndo):
        pipeline.undo()


def test_undoing_a_reschedule_makes_the_step_due_when_it_was(pipeline, walk):
    card = walk.contact("Ada")
    first = pipeline.plan(card.id, "call", "2030-01-02T14:30", "Call")
    later = pipeline.plan(card.id, "email", "2030-01-05", "Send the quote")
    pipeline.reschedule(first.id, "2030-01-09")
    assert _next(pipeline, card.id)[0] == later.id  # the email comes first now

    assert pipeline.undo().undone.describe().startswith("reschedule call to 2030-01-09")
    back = pipeline.planned(first.id)
    assert back.due == first.due and back.due.text() == "2030-01-02T14:30"
    assert back.state.value == "planned"
    assert _next(pipeline, card.id) == (first.id, first.due.key)


def test_undoing_a_completion_plans_the_step_again_and_takes_the_call_out_of_the_log(pipeline, walk, fields):
    lead = walk.lead()
    before = pipeline.card(lead.id)
    step = pipeline.plan(lead.id, "call", "2030-01-02", "Intro call")
    pipeline.complete(step.id, "They want a demo")
    done = pipeline.card(lead.id)
    assert done.activity_count == before.activity_count + 1 and done.last_activity_at is not None
    assert _next(pipeline, lead.id) == (None, None)

    result = pipeline.undo()
    assert result.undone.describe() == "complete call"
    card = result.card
    assert (card.activity_count, card.last_activity_at) == (before.activity_count, before.last_activity_at)
    assert pipeline.activities(lead.id) == []
    again = pipeline.planned(step.id)
    assert (again.state.value, again.closed_by, again.closed_at, again.outcome, again.activity_id) == (
        "planned", None, None, None, None)
    assert _next(pipeline, lead.id) == (step.id, step.due.key)
    with pytest.raises(GateBlocked, match="relationship"):  # the call no longer counts
        pipeline.promote(lead.id, fields["develop"]())


def test_done_and_plan_next_is_undone_in_two_steps_newest_first(pipeline, walk):
    from leadboard.service.planning import NextPlan

    card = walk.contact("Ada")
    step = pipeline.plan(card.id, "call", "2030-01-02", "Call")
    then = pipeline.parse_plan("meeting", "2030-01-09", "Demo")
    completed = pipeline.complete(step.id, "Went well", then)
    assert isinstance(then, NextPlan) and completed.next is not None
    # the completion is built upon by the step planned after it: undoing it alone is refused
    complete_id = next(c.id for c in pipeline.journal(card.id) if c.describe() == "complete call")
    with pytest.raises(UndoRefused, match="since your change"):
        pipeline.undo(complete_id)

    assert pipeline.undo().undone.describe().startswith("plan meeting")
    assert [s.id for s in pipeline.planned_of(card.id)] == [step.id]
    assert pipeline.undo().undone.id == complete_id
    assert pipeline.planned(step.id).state.value == "planned"
    assert _next(pipeline, card.id)[0] == step.id and pipeline.activities(card.id) == []


def test_undoing_a_cancel_plans_the_step_again(pipeline, walk):
    card = walk.contact("Ada")
    step = pipeline.plan(card.id, "task", "2030-01-04", "Write the quote")
    pipeline.cancel(step.id)
    assert _next(pipeline, card.id) == (None, None)

    assert pipeline.undo().undone.describe() == "cancel task"
    again = pipeline.planned(step.id)
    assert (again.state.value, again.closed_by, again.closed_at) == ("planned", None, None)
    assert _next(pipeline, card.id) == (step.id, step.due.key)


def test_a_step_a_colleague_has_completed_since_is_not_taken_back(pipeline, bob, walk):
    card = walk.contact("Ada")
    step = pipeline.plan(card.id, "call", "2030-01-02", "Call")
    bob.complete(step.id, "Done it for you")
    with pytest.raises(UndoRefused, match=r"changed by bob .*complete call"):
        pipeline.undo()
    done = pipeline.planned(step.id)
    assert (done.state.value, done.closed_by) == ("done", "bob")
    assert len(pipeline.activities(card.id)) == 1


def test_a_reschedule_a_colleague_rescheduled_again_is_not_undone(pipeline, bob, walk):
    card = walk.contact("Ada")
    step = pipeline.plan(card.id, "call", "2030-01-02", "Call")
    pipeline.reschedule(step.id, "2030-01-03")
    bob.reschedule(step.id, "2030-01-04")
    with pytest.raises(UndoRefused, match="changed by bob"):
        pipeline.undo()
    assert pipeline.planned(step.id).due.text() == "2030-01-04"


def test_a_step_removed_behind_the_journal_is_refused_in_one_sentence(pipeline, walk):
    from leadboard.store.models import PlannedActivity

    card = walk.contact("Ada")
    step = pipeline.plan(card.id, "call", "2030-01-02", "Call")
    pipeline.cancel(step.id)
    PlannedActivity.delete().where(PlannedActivity.id == step.id).execute()
    with pytest.raises(UndoRefused, match=f"Planned activity {step.id} is gone since your change"):
        pipeline.undo()


def test_undoing_a_reassign_hands_the_open_steps_back(pipeline, walk):
    card = walk.contact("Ada")
    step = pipeline.plan(card.id, "call", "2030-01-02", "Call")
    pipeline.reassign(card.id, "bob")
    assert pipeline.planned(step.id).owner == "bob"
    pipeline.undo()
    assert pipeline.planned(step.id).owner == "alice"
