"""Planning the day from the command line: plan, done (and plan next), reschedule, cancel, today,
activities, and the next step in every JSON record of a card."""

from __future__ import annotations

import json
from datetime import date, timedelta

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def in_days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def test_a_salesperson_plans_completes_and_plans_the_next_step(leadboard):
    card = leadboard("add", "Ada Lovelace", "--email", "ada@example.com").out.strip()
    assert leadboard("show", card, "--json").json()["next_step_state"] == "none"

    planned = leadboard("plan", card, "--kind", "call", "--due", in_days(0), "--summary", "Intro call")
    assert planned.code == EXIT_OK, planned
    step = planned.out.strip()
    assert step.isdigit()
    shown = leadboard("show", card, "--json").json()
    assert shown["next_step"] == {"id": int(step), "kind": "call", "due": in_days(0), "summary": "Intro call"}
    assert shown["next_step_state"] == "today"
    assert shown["activity_count"] == 0  # planning is not contact

    done = leadboard("done", step, "--outcome", "Wants a demo", "--next-kind", "meeting",
                     "--next-due", f"{in_days(3)}T10:30", "--next-summary", "Demo")
    assert done.code == EXIT_OK, done
    shown = leadboard("show", card, "--json").json()
    assert shown["activity_count"] == 1
    assert (shown["next_step"]["kind"], shown["next_step"]["summary"]) == ("meeting", "Demo")
    assert shown["next_step"]["due"].startswith(f"{in_days(3)}T10:30")
    assert shown["next_step_state"] == "later"
    demo = shown["next_step"]["id"]

    assert leadboard("reschedule", demo, "--due", in_days(-1)).code == EXIT_OK
    assert leadboard("show", card, "--json").json()["next_step_state"] == "overdue"
    [listed] = leadboard("list", "--json").json()
    assert (listed["next_step"]["id"], listed["next_step_state"]) == (demo, "overdue")
    exported = json.loads(leadboard("export", "--format", "json").out)
    assert exported[0]["next_step"] == listed["next_step"]

    assert leadboard("cancel", demo).code == EXIT_OK
    assert leadboard("show", card, "--json").json()["next_step"] is None

    entries = leadboard("activities", card, "--json").json()
    assert [(e["state"], e["kind"]) for e in entries] == [("cancelled", "meeting"), ("done", "call")]
    assert entries[1]["outcome"] == "Wants a demo" and entries[1]["id"] == int(step)
    assert "Intro call" in leadboard("activities", card).out


def test_today_shows_my_day_someone_elses_or_everyones(leadboard):
    mine = leadboard("add", "Ada Lovelace", "--email", "ada@example.com").out.strip()
    theirs = leadboard("add", "Bob's Client", "--email", "bc@example.com", "--owner", "bob").out.strip()
    leadboard("plan", mine, "--kind", "email", "--due", in_days(-2), "--summary", "Send quote")
    leadboard("plan", mine, "--kind", "call", "--due", in_days(0), "--summary", "Call back")
    leadboard("plan", mine, "--kind", "call", "--due", in_days(5), "--summary", "Not yet")
    leadboard("plan", theirs, "--kind", "task", "--due", in_days(0), "--summary", "Bob's task")

    day = leadboard("today", "--json").json()
    assert [(d["summary"], d["next_step_state"]) for d in day["due"]] == [
        ("Send quote", "overdue"), ("Call back", "today")]
    assert [d["summary"] for d in leadboard("today", "--owner", "bob", "--json").json()["due"]] == ["Bob's task"]
    assert len(leadboard("today", "--all", "--json").json()["due"]) == 3
    text = leadboard("today").out
    assert text.index("Overdue (1)") < text.index("Send quote") < text.index("Due today (1)") < text.index("Call back")
    assert "Not yet" not in text


def test_lost_cards_and_accounts_have_no_state_unless_a_step_is_planned(leadboard):
    card = leadboard("add", "Grace Hopper", "--email", "grace@example.com").out.strip()
    leadboard("promote", card, "--set", "need=CRM", "--set", "budget=100", "--set", f"purchase_by={in_days(30)}")
    assert leadboard("lose", card, "--reason", "No budget").code == EXIT_OK
    assert leadboard("show", card, "--json").json()["next_step_state"] is None
    leadboard("plan", card, "--kind", "call", "--due", in_days(90), "--summary", "Try again in spring")
    assert leadboard("show", card, "--json").json()["next_step_state"] == "later"


def test_bad_planning_input_exits_2_with_one_line_naming_it_and_writes_nothing(leadboard, leadboard_many):
    card = leadboard("add", "Grace Hopper", "--email", "grace@example.com").out.strip()
    step = leadboard("plan", card, "--kind", "call", "--due", in_days(1), "--summary", "Call").out.strip()
    before = leadboard("activities", card, "--json").out
    runs = leadboard_many([
        ("plan", card, "--kind", "lunch", "--due", in_days(1), "--summary", "x"),
        ("plan", card, "--kind", "call", "--due", "next tuesday", "--summary", "x"),
        ("plan", card, "--kind", "call", "--due", in_days(1), "--summary", " "),
        ("plan", "999", "--kind", "call", "--due", in_days(1), "--summary", "x"),
        ("done", step, "--next-kind", "call"),
        ("reschedule", step, "--due", "2026-02-30"),
        ("cancel", "abc"),
        ("today", "--all", "--owner", "bob"),
    ])
    named = ["lunch", "due", "summary", "999", "--next-due", "due", "abc", "--owner"]
    for ran, name in zip(runs, named, strict=True):
        assert ran.code == EXIT_BAD_INPUT, ran
        assert ran.out == "" and ran.err.startswith("leadboard: ") and ran.err.count("\n") == 1, ran
        assert name in ran.err, ran
    assert leadboard("activities", card, "--json").out == before
    assert leadboard("cancel", step).code == EXIT_OK
    again = leadboard("done", step)
    assert again.code == EXIT_BAD_INPUT and "cancelled already" in again.err, again


def test_undo_takes_back_a_cancel_a_reschedule_a_completion_and_a_plan_newest_first(leadboard):
    card = leadboard("add", "Ada Lovelace", "--email", "ada@example.com").out.strip()
    step = leadboard("plan", card, "--kind", "call", "--due", in_days(2), "--summary", "Intro call").out.strip()
    assert leadboard("reschedule", step, "--due", in_days(4)).code == EXIT_OK
    assert leadboard("done", step, "--outcome", "Wants a demo").code == EXIT_OK
    assert leadboard("show", card, "--json").json()["activity_count"] == 1

    undone = leadboard("undo", "--yes")
    assert undone.code == EXIT_OK and "Undone: complete call" in undone.out
    shown = leadboard("show", card, "--json").json()
    assert shown["activity_count"] == 0 and shown["last_activity_at"] is None
    assert (shown["next_step"]["id"], shown["next_step"]["due"]) == (int(step), in_days(4))
    assert leadboard("activities", card, "--json").json()[0]["state"] == "planned"

    assert "Undone: reschedule call" in leadboard("undo", "--yes").out
    assert leadboard("show", card, "--json").json()["next_step"]["due"] == in_days(2)
    assert "Undone: plan call" in leadboard("undo", "--yes").out
    shown = leadboard("show", card, "--json").json()
    assert (shown["next_step"], shown["next_step_state"]) == (None, "none")
    assert leadboard("activities", card, "--json").json() == []

    history = leadboard("history", card).out
    assert history.count("undo     of change") == 3 and "planned.state: done → planned" in history


def test_undo_of_a_step_a_colleague_cancelled_since_is_refused(leadboard):
    card = leadboard("add", "Ada Lovelace", "--email", "ada@example.com").out.strip()
    step = leadboard("plan", card, "--kind", "call", "--due", in_days(2), "--summary", "Call").out.strip()
    assert leadboard("cancel", step, user="bob").code == EXIT_OK
    refused = leadboard("undo", "--yes")
    assert refused.code == EXIT_BAD_INPUT and refused.err.count("\n") == 1
    assert "changed by bob" in refused.err and "cancel call" in refused.err
    assert leadboard("activities", card, "--json").json()[0]["state"] == "cancelled"
