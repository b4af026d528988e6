"""Export, then import into an empty database: the same board, card for card."""

from __future__ import annotations

import csv
import io
import json

import pytest

from leadboard.domain.stages import Stage
from leadboard.service.demo import fill
from leadboard.service.setup import close, open_pipeline
from leadboard.service.transfer.exporter import EXPORT_COLUMNS, NEXT_STEP_COLUMNS, export_cards
from tests.service.import_helpers import as_imported_by, run_import


def _board(pipeline):
    fill(pipeline, 120, seed=3)
    odd = pipeline.create({"name": 'Zoë "the Ace" O\'Neill; CEO', "email": "zoe@example.com",
                           "notes": "line one\nline two, with a comma\n\ttabbed", "company": "Ünïcode, Ltd"})
    pipeline.lose(odd.id, "Chose a competitor")
    return pipeline


def _export(format: str, with_history: bool = False) -> str:
    out = io.StringIO()
    export_cards(out, format, with_history=with_history)
    return out.getvalue()


def _records(text: str, format: str) -> list[dict]:
    return json.loads(text) if format == "json" else list(csv.DictReader(io.StringIO(text)))


def _without_ids(text: str, format: str) -> list[dict]:
    """The cards without their ids: an imported card's source id is its id in the exported board."""
    records = _records(text, format)
    for record in records:
        record.pop("id")
        record.pop("source_id")
        if record.get("next_step"):  # the next step's id is new too: it is a planned activity's
            record["next_step"].pop("id")
    return records


@pytest.mark.parametrize("format", ["csv", "json"])
def test_export_then_import_gives_the_same_board(pipeline, tmp_path, format):
    _board(pipeline)
    before = _export(format)
    path = tmp_path / f"board.{format}"
    path.write_text(before, encoding="utf-8")
    columns_before = {stage: [c.name for c in pipeline.column_page(stage, 0, 500)] for stage in Stage}
    stats_before = pipeline.stats()
    close()

    other = open_pipeline(tmp_path / "other.db", "bob")
    summary = run_import(other, path)
    assert (summary.imported, summary.rejected, summary.skipped) == (121, 0, 0)
    after = _export(format)
    # every card comes back as it was, but for what is this database's own, never taken from the
    # file: its count of interactions (counted from the activities it comes with, none without
    # --with-history), its version (1: nothing has changed it here) and who made and changed it (bob)
    expected = _without_ids(before, format)
    assert any(str(record["activity_count"]) != "0" for record in expected)
    assert any(str(record["version"]) != "1" for record in expected)
    assert {record["created_by"] for record in expected} != {"bob"}
    assert _without_ids(after, format) == [as_imported_by(record, "bob") for record in expected]
    assert [str(r["source_id"]) for r in _records(after, format)] == [str(r["id"]) for r in _records(before, format)]
    assert {stage: [c.name for c in other.column_page(stage, 0, 500)] for stage in Stage} == columns_before
    assert other.stats() == stats_before


def test_the_export_has_every_field_of_every_card(pipeline):
    _board(pipeline)
    records = json.loads(_export("json"))
    assert len(records) == 121
    # JSON records are the cards' fields, their extras, then what is next on each (derived: import skips it)
    assert all(list(record) == [*EXPORT_COLUMNS, "extra", *NEXT_STEP_COLUMNS] for record in records)
    lost = next(r for r in records if r["email"] == "zoe@example.com")
    assert (lost["stage"], lost["lost_from"], lost["lost_reason"]) == ("lost", "contact", "Chose a competitor")


def test_history_and_activities_come_back_with_the_cards(pipeline, tmp_path):
    _board(pipeline)
    before = json.loads(_export("json", with_history=True))
    path = tmp_path / "board.json"
    path.write_text(json.dumps(before), encoding="utf-8")
    close()

    other = open_pipeline(tmp_path / "other.db", "bob")
    run_import(other, path)
    after = json.loads(_export("json", with_history=True))
    for old, new in zip(before, after, strict=True):
        assert new["history"][:-1] == old["history"]
        assert new["history"][-1]["move"] == "import" and new["history"][-1]["by"] == "bob"
        assert new["activity_log"] == old["activity_log"]
        assert new["activity_count"] == old["activity_count"]  # counted again from those activities


def test_one_stage_can_be_exported_alone(pipeline):
    _board(pipeline)
    out = io.StringIO()
    count = export_cards(out, "csv", Stage.LOST)
    stages = {row["stage"] for row in csv.DictReader(io.StringIO(out.getvalue()))}
    assert stages == {"lost"} and count == pipeline.stats()[Stage.LOST].cards


FORMULAS = {"name": "=HYPERLINK(\"http://evil.example.com\",\"Click\")", "company": "@SUM(A1:A9)",
            "phone": "+44 20 7946 0000", "title": "-2+3", "notes": "'=already quoted\nsecond line",
            "need": "''+two quotes"}


def test_a_csv_export_never_hands_a_spreadsheet_a_formula_and_imports_back_exact(pipeline, tmp_path):
    pipeline.create({**FORMULAS, "email": "formula@example.com"})
    text = _export("csv")
    row = next(csv.DictReader(io.StringIO(text)))
    assert all(row[field] == "'" + FORMULAS[field] for field in FORMULAS), row
    assert row["name"] == "'" + FORMULAS["name"] and row["need"] == "'''+two quotes"
    path = tmp_path / "board.csv"
    path.write_text(text, encoding="utf-8")
    close()

    other = open_pipeline(tmp_path / "other.db", "bob")
    assert run_import(other, path).imported == 1
    card = other.find(None)[0]
    assert {field: getattr(card, field) for field in FORMULAS} == FORMULAS
    assert _without_ids(_export("csv"), "csv") == [as_imported_by(record, "bob")
                                                   for record in _without_ids(text, "csv")]


def test_a_foreign_csv_keeps_its_leading_quotes(pipeline, tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text("Name,Email,Company\n'=1+1,q@example.com,'@home\n", encoding="utf-8")
    assert run_import(pipeline, path).imported == 1
    card = pipeline.find(None)[0]
    assert (card.name, card.company) == ("'=1+1", "'@home")
