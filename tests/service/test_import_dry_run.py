"""The dry run says what the real run does: for every vendor's export, and for a file with rejects,
duplicates (of each other and of cards on the board), values kept as text and stages placed by
``--stage-map``, its summary counts and says the same as the real run's, line for line, with or
without ``--update`` and gate enforcement."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from leadboard.service.transfer.columns import parse_stage_map
from leadboard.service.transfer.importer import ImportSummary
from leadboard.service.transfer.plan import Tally
from leadboard.store.models import Card as CardRow
from tests.service.import_helpers import run_import, write_csv

FILES = Path(__file__).parent / "vendor_files"
VENDOR_FILES = sorted(path.name for path in FILES.glob("*.csv"))

#: lines only one of the two runs prints: the dry run's columns, owners and first rejects; the real
#: run's extras and declared fields (the dry run says those in its columns line)
_ONE_RUN_ONLY = ("Dry run: nothing was written.", "Owners in the file:", "  line ", "Kept as extra fields",
                 "Declared fields:", "Not imported (--map")


def _what_happened(summary: ImportSummary) -> list[str]:
    """The summary's lines about what the run did, in the real run's words (the first line, with
    its timing, aside)."""
    lines = [line for line in summary.lines()[1:] if not line.startswith(_ONE_RUN_ONLY)]
    words = {"Would import ": "Imported ", " would enter ": " entered ", "Would update ": "Updated "}
    for dry, real in words.items():
        lines = [line.replace(dry, real) for line in lines]
    return [re.sub(r": see .*\.rejects(-\d+)?\.csv\.$", ".", line) for line in lines]


def _tally(summary: ImportSummary) -> Tally:
    """Every figure of the summary's tally, as one value to compare."""
    return Tally(**{each.name: getattr(summary, each.name) for each in fields(Tally)})


def _both_runs(pipeline, path: Path, **options) -> tuple[ImportSummary, ImportSummary]:
    before = CardRow.select().count()
    dry = run_import(pipeline, path, dry_run=True, **options)
    assert CardRow.select().count() == before  # nothing written
    real = run_import(pipeline, path, **options)
    assert CardRow.select().count() == before + real.imported  # and the real run did what it says
    return dry, real


@pytest.mark.parametrize("name", VENDOR_FILES)
def test_the_dry_run_of_a_vendor_export_says_what_the_import_does(pipeline, name):
    dry, real = _both_runs(pipeline, FILES / name)
    assert real.imported > 0
    assert _tally(dry) == _tally(real)
    assert _what_happened(dry) == _what_happened(real)


HEADER = ["Name", "Email", "Phone", "Company", "Stage", "Amount", "Close Date", "Need", "Lead Source"]
ROWS = [
    ["Ann Smith", "ann@example.com", "+44 20 7946 0000", "Acme", "Hot", "$1,200.00", "", "CRM", "Fair"],
    ["Ann Smith", "ANN@example.com", "+44 20 7946 0001", "Acme", "Hot", "", "", "", ""],  # again
    ["Bob Jones", "bob@example.com", "ext. 101", "", "", "", "", "Order tracking", ""],  # on the board
    ["Cy Young", "cy@example.com", "", "Young Ltd", "Closed Won", "500", "2026-01-15", "", "Web"],
    ["Cy Young", "cy@example.com", "", "Young Ltd", "Closed Won", "500", "2026-01-15", "", "Web"],  # nothing new
    ["Dee Ray", "dee@example.com", "", "", "Closed Lost", "12,500", "2026-02-01", "", ""],
    ["", "", "", "", "", "", "", "", ""],
    ["", "", "", "", "Lead", "", "", "", "Web"],  # nothing to call a card by
    ["Eve Stone", "eve@example.com", "", "", "Negotiation", "lots", "soon", "", ""],  # kept as text
    ["Eve Stone", "eve@example.com", "+1 212 555 0100", "", "Negotiation", "", "", "ERP", ""],  # again
    ["Flo Hart", "flo@example.com", "", "", "Hot", "", "", "", "", "an extra cell"],  # too many cells
]


@pytest.mark.parametrize("options", [
    {}, {"update": True}, {"enforce_gates": True},
    # a row's duplicate in a later batch: the real run finds the card it wrote, the dry run the one it planned
    {"update": True, "batch_size": 3}, {"batch_size": 3}],
    ids=["plain", "update", "enforce-gates", "update-small-batches", "small-batches"])
def test_the_dry_run_of_a_file_with_duplicates_and_rejects_says_what_the_import_does(pipeline, tmp_path, options):
    pipeline.create({"name": "Bob Jones", "email": "bob@example.com"})
    path = write_csv(tmp_path / "crm.csv", HEADER, ROWS)

    dry, real = _both_runs(pipeline, path, stage_map=parse_stage_map(["Hot=lead,Negotiation=opportunity"]),
                           **options)

    assert _tally(dry) == _tally(real)
    assert _what_happened(dry) == _what_happened(real)
    assert (real.imported, real.rejected) == (4, 2)
    assert (real.updated, real.skipped) == ((3, 1) if options.get("update") else (0, 4))
    assert real.kept_as_text == {"Amount": 1, "Close Date": 1}
    # the won deal is dated from its close date, unless its gates hold it below its stage
    assert real.dated == (0 if options.get("enforce_gates") else 1)


MOVED = [
    ["crm-1", "Ann Smith", "ann.new@example.com", ""],  # her record, with her new email
    ["", "Ann Smith", "ann.new@example.com", "+44 20 7946 0000"],  # found by the email just given
    ["", "Ann Old", "ann.old@example.com", ""],  # her old email is nobody's any more: a new card
    ["crm-2", "Bea Lee", "bea@example.com", ""],  # a new card
    ["crm-2", "Bea Lee", "bea.lee@example.com", ""],  # which changes its email
    ["", "Bea Lee", "bea.lee@example.com", "+1 212 555 0100"],  # found by the new one
    ["", "Bea L.", "bea@example.com", ""],  # not by the old one
]


@pytest.mark.parametrize("batch_size", [1000, 2, 1], ids=["one-batch", "batches-of-2", "row-by-row"])
def test_the_dry_run_finds_a_card_by_the_email_an_earlier_rows_update_gave_it(pipeline, tmp_path, batch_size):
    header = ["Record ID", "Name", "Email", "Phone"]
    run_import(pipeline, write_csv(tmp_path / "before.csv", header,
                                   [["crm-1", "Ann Smith", "ann.old@example.com", ""]]))
    [ann] = pipeline.find()
    path = write_csv(tmp_path / "crm.csv", header, MOVED)

    dry, real = _both_runs(pipeline, path, update=True, batch_size=batch_size)

    assert _tally(dry) == _tally(real)
    assert _what_happened(dry) == _what_happened(real)
    assert (real.imported, real.updated, real.skipped, real.rejected) == (3, 4, 0, 0)
    cards = sorted((c.name, c.email, c.phone, c.source_id) for c in pipeline.find())
    assert cards == [("Ann Old", "ann.old@example.com", None, None),
                     ("Ann Smith", "ann.new@example.com", "+44 20 7946 0000", "crm-1"),
                     ("Bea L.", "bea@example.com", None, None),
                     ("Bea Lee", "bea.lee@example.com", "+1 212 555 0100", "crm-2")]
    assert pipeline.card(ann.id).phone == "+44 20 7946 0000"


@pytest.mark.parametrize("batch_size", [1000, 1], ids=["one-batch", "row-by-row"])
def test_into_an_empty_board_a_card_is_found_by_the_email_an_update_gave_it(pipeline, tmp_path, batch_size):
    # into a board empty when it starts, the real run looks up only the keys it gave cards itself
    path = write_csv(tmp_path / "crm.csv", ["Record ID", "Name", "Email", "Phone"], MOVED[3:])

    dry, real = _both_runs(pipeline, path, update=True, batch_size=batch_size)

    assert _tally(dry) == _tally(real)
    assert _what_happened(dry) == _what_happened(real)
    assert (real.imported, real.updated) == (2, 2)
    assert sorted((c.name, c.email, c.phone) for c in pipeline.find()) == [
        ("Bea L.", "bea@example.com", None), ("Bea Lee", "bea.lee@example.com", "+1 212 555 0100")]


@pytest.mark.parametrize("parallel", [False, True], ids=["one-process", "reading-process"])
@pytest.mark.parametrize("batch_size", [1000, 1], ids=["one-batch", "row-by-row"])
def test_into_an_empty_board_a_row_repeating_an_earlier_one_is_its_card(pipeline, tmp_path, batch_size, parallel):
    # into a board empty when it starts, the real run looks up only the rows that repeat an earlier
    # row's key (counted where the rows are read) and those with a key an update gave a card: here
    # Ann's card takes the name of the second row and keeps her company, which no row gave together
    path = write_csv(tmp_path / "crm.csv", ["Record ID", "Name", "Company", "Email"], [
        ["crm-1", "Ann", "Acme", ""],
        ["crm-1", "Ann B", "", ""],  # her card, by its source id: renamed, still at Acme
        ["", "Ann B", "Acme", ""],  # found by the name and company the update gave it
        ["", "Bo", "", "bo@example.com"],
        ["", "Bo Lee", "", "BO@example.com"],  # Bo, by his email
        ["", "Cy", "", "cy@example.com"],
    ])

    dry, real = _both_runs(pipeline, path, update=True, batch_size=batch_size, parallel=parallel)

    assert _tally(dry) == _tally(real)
    assert _what_happened(dry) == _what_happened(real)
    assert (real.imported, real.updated, real.skipped) == (3, 2, 1)
    assert sorted((c.name, c.company, c.email, c.source_id) for c in pipeline.find()) == [
        ("Ann B", "Acme", None, "crm-1"), ("Bo Lee", None, "BO@example.com", None),
        ("Cy", None, "cy@example.com", None)]
