"""A realistic CSV export from "another CRM", of any size: for trying and measuring imports.

    python -m leadboard.service.transfer.sample contacts.csv --rows 1000000

The columns carry the names other tools use (First Name, Last Name, E-mail, Lifecycle Stage,
Amount, ...), so an import exercises the column matching; the cards come from the demo generator,
so each meets the gates of its stage except for what a foreign CRM cannot know (logged activities).
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import date
from pathlib import Path

from leadboard.service.demo import OWNERS, demo_card

#: CSV column -> card field (or stage / lost_reason)
COLUMNS: dict[str, str] = {
    "First Name": "first", "Last Name": "last", "Company": "company", "Job Title": "title",
    "E-mail": "email", "Phone": "phone", "Owner": "owner", "Lifecycle Stage": "stage",
    "Need": "need", "Budget": "budget", "Purchase By": "purchase_by", "Can Decide": "authority",
    "Decision Maker": "decision_maker", "Requirements": "requirements", "Current Supplier": "supplier",
    "Amount": "value", "Close Date": "close_by", "Terms": "terms", "Payment Terms": "payment_terms",
    "Contract Signed On": "contract_signed_on", "Lost From": "lost_from", "Lost Reason": "lost_reason",
}

_INITIALS = "ABCDEFGHIJKLMNOPRSTVW"
_BRANCHES = ("London", "Leeds", "Lyon", "Lisbon", "Berlin", "Bremen", "Madrid", "Malmö", "Milan",
             "Oslo", "Porto", "Prague", "Riga", "Rome", "Seville", "Turin", "Utrecht", "Vienna",
             "Warsaw", "Zürich")


def write_sample_csv(path: str | Path, rows: int, seed: int = 11, today: date | None = None) -> Path:
    """Write ``rows`` cards to ``path`` as CSV; returns the path."""
    path = Path(path)
    rng = random.Random(seed)
    today = today or date.today()
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for number in range(1, rows + 1):
            stage, fields, _ = demo_card(rng, number, today, OWNERS)
            first, _, last = fields["name"].partition(" ")
            # a middle initial and a branch keep name + company mostly unique, as in real data
            first = f"{first} {rng.choice(_INITIALS)}."
            fields["company"] = f"{fields['company']} {rng.choice(_BRANCHES)}"
            fields.update(first=first, last=last, stage=stage.title if number % 3 else stage.value)
            if fields.get("authority") is not None:
                fields["authority"] = "yes" if fields["authority"] else "no"
            writer.writerow(["" if fields.get(name) is None else str(fields[name])
                             for name in COLUMNS.values()])
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m leadboard.service.transfer.sample",
                                     description="Write a CRM-like CSV of N cards for trying imports.")
    parser.add_argument("path")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    write_sample_csv(args.path, args.rows, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
