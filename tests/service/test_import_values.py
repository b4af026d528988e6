"""Amounts and dates in an imported file, as the CRM or spreadsheet wrote them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from leadboard.domain.values import DateOrder
from leadboard.service.transfer.columns import BadImportFile
from leadboard.store.models import Card as CardRow
from tests.service.import_helpers import run_import, write_csv


def _cards(pipeline):
    return {row.name: pipeline.card(row.id) for row in CardRow.select()}


def test_amounts_and_dates_in_a_column_are_read_in_the_format_the_column_uses(pipeline, tmp_path):
    rows = [["Ada", "$22,700.00", "02/24/27", "2006-06-15T20:47:07.000Z"],
            ["Grace", "1.234,56", "03/04/2027", "16 Apr, 2021 00:03:00"],
            ["Alan", "20k", "12/31/2027", "2026-02-24 14:22:11+02:00"]]
    path = write_csv(tmp_path / "deals.csv", ["Name", "Amount", "Close Date", "Created At"], rows)
    summary = run_import(pipeline, path)
    assert (summary.imported, summary.rejected) == (3, 0)
    cards = _cards(pipeline)
    assert {name: card.value for name, card in cards.items()} == {
        "Ada": Decimal("22700"), "Grace": Decimal("1234.56"), "Alan": Decimal(20000)}
    assert {name: card.close_by for name, card in cards.items()} == {
        "Ada": date(2027, 2, 24), "Grace": date(2027, 3, 4), "Alan": date(2027, 12, 31)}
    assert cards["Ada"].created_at == datetime(2006, 6, 15, 20, 47, 7)
    assert cards["Grace"].created_at == datetime(2021, 4, 16, 0, 3)


def test_a_date_column_no_value_decides_stops_the_import_until_date_order_says(pipeline, tmp_path):
    rows = [["Ada", "03/04/2027"], ["Grace", "01/02/2027"]]
    path = write_csv(tmp_path / "people.csv", ["Name", "Purchase By"], rows)
    with pytest.raises(BadImportFile, match=r"'Purchase By' could be day/month or month/day.*--date-order dmy"):
        run_import(pipeline, path)
    assert CardRow.select().count() == 0
    assert run_import(pipeline, path, dry_run=True).ambiguous_dates == ["Purchase By"]
    run_import(pipeline, path, date_order=DateOrder.DMY)
    assert {name: card.purchase_by for name, card in _cards(pipeline).items()} == {
        "Ada": date(2027, 4, 3), "Grace": date(2027, 2, 1)}
