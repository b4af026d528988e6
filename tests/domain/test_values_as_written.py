"""Amounts and dates as people write them in spreadsheets and CRM exports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from leadboard.domain.card import validate_fields
from leadboard.domain.errors import InvalidInput
from leadboard.domain.values import DateColumn, DateOrder, read_amount, read_date, read_moment


@pytest.mark.parametrize(("text", "value", "currency"), [
    ("$22,700.00", "22700.00", "$"), ("1.234,56", "1234.56", None), ("R$ 1.234,56", "1234.56", "BRL"),
    ("12 500", "12500", None), ("12\u00a0500,50 €", "12500.50", "EUR"), ("500000.0", "500000.0", None),
    ("20k", "20000", None), ("1.5M", "1500000.0", None), ("1,5", "1.5", None), ("1.234", "1234", None),
    ("1,234,567.89", "1234567.89", None), ("EUR 1.200,00", "1200.00", "EUR"), ("0", "0", None),
])
def test_amounts_in_both_conventions_are_read_exactly(text, value, currency):
    amount = read_amount(text)
    assert amount is not None and (amount.value, amount.currency) == (Decimal(value), currency)


@pytest.mark.parametrize("text", ["lots", "-5", "1,23,4", "12.34.5", "5 to 10k", "", "1.234,56.7"])
def test_what_is_not_an_amount_is_not_read_as_one(text):
    assert read_amount(text) is None


@pytest.mark.parametrize(("text", "order", "moment"), [
    ("2026-02-24", None, datetime(2026, 2, 24)),
    ("2006-06-15T20:47:07.000Z", None, datetime(2006, 6, 15, 20, 47, 7)),
    ("2026-02-24 14:22:11+02:00", None, datetime(2026, 2, 24, 12, 22, 11)),
    ("02/24/26", DateOrder.MDY, datetime(2026, 2, 24)),
    ("02/24/2026", DateOrder.MDY, datetime(2026, 2, 24)),
    ("24/02/2026", DateOrder.DMY, datetime(2026, 2, 24)),
    ("24-02-26", DateOrder.DMY, datetime(2026, 2, 24)),
    ("24.02.2026", DateOrder.DMY, datetime(2026, 2, 24)),
    ("16 Apr, 2021 00:03:00", None, datetime(2021, 4, 16, 0, 3)),
    ("Apr 16, 2021", None, datetime(2021, 4, 16)),
    ("03/04/2026 10:30 PM", DateOrder.MDY, datetime(2026, 3, 4, 22, 30)),
    ("2026/02/24", None, datetime(2026, 2, 24)),
])
def test_dates_in_the_usual_formats_are_read(text, order, moment):
    assert read_moment(text, order) == moment


@pytest.mark.parametrize(("text", "order"), [("02/24/26", DateOrder.DMY), ("03/04/2026", None), ("soon", None),
                                             ("2026-02-30", None), ("31 Foo 2021", None)])
def test_what_is_not_a_date_in_that_order_is_not_read(text, order):
    assert read_moment(text, order) is None


def _column(*values: str) -> DateColumn:
    column = DateColumn()
    for value in values:
        column.see(value)
    return column


def test_a_day_above_twelve_decides_the_order_of_a_whole_column():
    assert _column("03/04/2026", "02/24/2026").order is DateOrder.MDY
    assert _column("03/04/2026", "24/02/2026").order is DateOrder.DMY
    assert _column("2026-03-04", "24/02/26").order is DateOrder.DMY


def test_a_column_that_no_value_decides_is_ambiguous_and_one_without_numeric_dates_is_not():
    assert _column("03/04/2026", "01/02/2026").ambiguous
    assert not _column("2026-03-04", "16 Apr, 2021").ambiguous
    assert _column("2026-03-04").order is None


def test_forms_and_set_understand_amounts_and_dates_as_people_type_them():
    fields = validate_fields({"name": "Ada", "budget": "12,500", "value": "20k", "close_by": "16 Apr 2027"})
    assert (fields.budget, fields.value, fields.close_by) == (Decimal(12500), Decimal(20000), date(2027, 4, 16))
    with pytest.raises(InvalidInput, match="decimal places"):
        validate_fields({"name": "Ada", "budget": "12.345"})
    assert read_date("2027-04-16T09:00:00") == date(2027, 4, 16)
