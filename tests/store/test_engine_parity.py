"""A card reads back the same from SQLite and PostgreSQL: money in cents, dates as dates, times to
the microsecond, and column totals to the cent however many amounts were summed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from leadboard.domain.stages import Stage
from leadboard.service import Pipeline


def test_fields_come_back_as_they_went_in(pipeline: Pipeline) -> None:
    purchase = date.today() + timedelta(days=45)
    card = pipeline.create({
        "name": "Ada Lovelace", "email": "ada@example.com", "budget": "1234.5", "purchase_by": purchase,
        "authority": False, "notes": "line one\nline two", "company": "Ünïcödé GmbH",
    })
    again = pipeline.card(card.id)
    assert again.budget == Decimal("1234.50") and str(again.budget) == "1234.50"
    assert again.value is None
    assert again.purchase_by == purchase and type(again.purchase_by) is date
    assert again.authority is False
    assert again.notes == "line one\nline two" and again.company == "Ünïcödé GmbH"
    assert type(again.created_at) is datetime and again.created_at.microsecond == card.created_at.microsecond


def test_column_totals_add_up_to_the_cent(pipeline: Pipeline) -> None:
    for n, amount in enumerate(("0.10", "0.20", "1234567.89", "0.01")):
        pipeline.create({"name": f"Buyer {n}", "email": f"buyer{n}@example.com", "budget": amount})
    stats = pipeline.stats()[Stage.CONTACT]
    assert (stats.cards, stats.amount) == (4, Decimal("1234568.20"))
    assert str(stats.amount) == "1234568.20"
    page = pipeline.column_page(Stage.CONTACT, 0, 10)
    assert sorted(str(summary.amount) for summary in page) == ["0.01", "0.10", "0.20", "1234567.89"]
