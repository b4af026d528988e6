"""`leadboard report` prints the figures of the service's reports as text, JSON or CSV."""

from __future__ import annotations

import csv
import io
from datetime import date


def test_a_salesperson_reads_this_months_funnel_and_win_rate(leadboard, leadboard_many) -> None:
    for name, owner in (("Ada", "alice"), ("Grace", "alice"), ("Linus", "bob")):
        assert leadboard("add", name, "--email", f"{name.lower()}@example.com", "--owner", owner).code == 0
    assert leadboard("lose", 2, "--reason", "Went silent").code == 0
    mine, everyone, wins, lost_csv, text = leadboard_many([
        ("report", "funnel", "--json"), ("report", "funnel", "--all", "--json"),
        ("report", "winrate", "--all", "--json"), ("report", "lost", "--all", "--csv"),
        ("report", "funnel", "--owner", "bob"),
    ])
    today = date.today()
    assert mine.code == 0, mine
    data = mine.json()
    assert data["owner"] == "alice"
    assert data["period"] == {"from": today.replace(day=1).isoformat(), "to": today.isoformat(),
                              "name": "this-month"}
    contact = data["stages"][0]
    assert contact == {"stage": "contact", "entered": 2, "advanced": 0, "lost": 1, "moved_back": 0,
                       "still_there": 1, "conversion": 0.0}
    assert everyone.json()["stages"][0]["entered"] == 3
    assert everyone.json()["owner"] is None
    # nothing closed from an opportunity: no data, not zero
    assert (wins.json()["won"], wins.json()["lost"], wins.json()["rate"]) == (0, 0, None)
    rows = list(csv.reader(io.StringIO(lost_csv.out)))
    assert rows[:2] == [["reason", "times", "value"], ["Went silent", "1", "0.00"]]
    assert "Contacts" in text.out and "\n" in text.out
    assert text.out.splitlines()[2].split() == ["Contacts", "1", "0", "0", "0", "1", "0.0%"]


def test_a_bad_report_request_is_one_line_and_exit_2(leadboard, leadboard_many) -> None:
    for ran in leadboard_many([
        ("report", "funnel", "--from", "2026-13-01"),
        ("report", "funnel", "--from", "2026-03-10", "--to", "2026-03-01"),
        ("report", "funnel", "--owner", "bob", "--all"),
        ("report", "nonsense"),
        ("report", "funnel", "--period", "this-month", "--from", "2026-03-01"),
        ("--as-of", "2999-01-01"),
        ("--as-of", "yesterday"),
    ]):
        assert ran.code == 2, ran
        assert ran.err.count("\n") == 1 and "Traceback" not in ran.err, ran
