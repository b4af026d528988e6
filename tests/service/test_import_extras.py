"""Nothing a file had is dropped: columns without a field, second phones and emails, a deal's title
beside its person, and values that could not be read are kept on the card as extra fields, shown
with it, exported under their column names and read back."""

from __future__ import annotations

import csv
import io
import json

import pytest

from leadboard.service.setup import close, open_pipeline
from leadboard.service.transfer.exporter import card_record, export_cards
from leadboard.store.models import Card as CardRow
from tests.service.import_helpers import as_imported_by, only_card, run_import, write_csv

HEADER = ["Name", "Email", "Phone", "Mobile", "Lead Source", "Industry", "Deal Name", "Budget"]
ROW = ["Ada Lovelace", "ada@example.com", "+44 20 7946 0958", "+44 7700 900123", "Trade fair", "Engines",
       "Ada - 40 looms", "null"]
EXTRA = {"Lead Source": "Trade fair", "Industry": "Engines", "Mobile": "+44 7700 900123",
         "Deal Name": "Ada - 40 looms", "Budget": "null"}


def test_every_column_without_a_field_is_kept_on_the_card_under_its_name(pipeline, tmp_path):
    summary = run_import(pipeline, write_csv(tmp_path / "crm.csv", HEADER, [ROW]))
    card = pipeline.card(only_card().id)
    assert (card.name, card.phone, card.budget) == ("Ada Lovelace", "+44 20 7946 0958", None)
    assert card.extra == EXTRA
    assert card_record(card)["extra"] == EXTRA and "Industry" not in card_record(card)
    assert summary.kept_as_text == {"Budget": 1}
    assert "Kept as extra fields (no matching field; see --map): Lead Source, Industry." in summary.lines()
    assert ("Phone and Mobile both give phone: the first one with a value fills it, and the others' values are "
            "kept as extra fields.") in summary.lines()


def test_a_dry_run_says_which_columns_become_extra_fields(pipeline, tmp_path):
    summary = run_import(pipeline, write_csv(tmp_path / "crm.csv", HEADER, [ROW]), dry_run=True)
    text = "\n".join(summary.lines())
    assert "Lead Source -> extra; Industry -> extra" in text and "Mobile -> phone" in text


@pytest.mark.parametrize("format", ["csv", "json"])
def test_extra_fields_are_exported_under_their_names_and_come_back_on_another_board(pipeline, tmp_path, format):
    run_import(pipeline, write_csv(tmp_path / "crm.csv", HEADER, [ROW, ["Grace", "grace@example.com", "", "", "",
                                                                         "Navy", "", ""]]))
    out = io.StringIO()
    export_cards(out, format)
    exported = out.getvalue()
    if format == "csv":
        header = exported.splitlines()[0].split(",")
        assert header[-5:] == ["Lead Source", "Industry", "Mobile", "Deal Name", "Budget"]
    else:
        assert json.loads(exported)[0]["extra"] == EXTRA
    (tmp_path / f"board.{format}").write_text(exported, encoding="utf-8")
    close()
    other = open_pipeline(tmp_path / "other.db", "bob")
    summary = run_import(other, tmp_path / f"board.{format}")
    assert (summary.imported, summary.rejected, summary.kept_as_text) == (2, 0, {})
    cards = {row.name: other.card(row.id) for row in CardRow.select()}
    assert cards["Ada Lovelace"].extra == EXTRA
    assert cards["Grace"].extra == {"Industry": "Navy"}
    again = io.StringIO()
    export_cards(again, format)
    assert _without_ids(again.getvalue(), format) == [as_imported_by(record, "bob")
                                                       for record in _without_ids(exported, format)]


def _without_ids(text: str, format: str) -> list[dict]:
    records = json.loads(text) if format == "json" else list(csv.DictReader(io.StringIO(text)))
    return [{key: value for key, value in record.items() if key not in ("id", "source_id")} for record in records]


def test_a_file_of_thousands_of_columns_keeps_them_all_but_its_summary_names_a_few(pipeline, tmp_path):
    header = ["Name", "Email"] + [f"Custom field {n}" for n in range(9_000)]
    row = ["Ada Lovelace", "ada@example.com"] + [f"value {n}" for n in range(9_000)]
    path = write_csv(tmp_path / "crm.csv", header, [row])
    summary = run_import(pipeline, path)
    kept = next(line for line in summary.lines() if line.startswith("Kept as extra fields"))
    assert kept == ("Kept as extra fields (no matching field; see --map): "
                    + ", ".join(f"Custom field {n}" for n in range(10)) + " and 8,990 more.")
    extra = pipeline.card(only_card().id).extra
    assert len(extra) == 9_000 and extra["Custom field 8999"] == "value 8999"
    assert max(len(line) for line in summary.lines()) < 1_000

    dry = run_import(pipeline, path, dry_run=True).lines()
    columns = next(line for line in dry if line.startswith("Dry run"))
    assert columns.startswith("Dry run: nothing was written. Columns: Name -> name; Email -> email; "
                              "Custom field 0 -> extra; ")
    assert columns.endswith(" and 8,990 more.") and len(columns) < 1_000


def test_a_long_column_name_is_cut_short_in_the_summary(pipeline, tmp_path):
    path = write_csv(tmp_path / "crm.csv", ["Name", "Notes " + "n" * 200], [["Ada", "a note"]])
    kept = next(line for line in run_import(pipeline, path).lines() if line.startswith("Kept as extra fields"))
    assert kept == "Kept as extra fields (no matching field; see --map): Notes " + "n" * 53 + "…."
