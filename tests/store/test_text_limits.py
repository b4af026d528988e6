"""The database's column sizes agree with the one table of text limits (``domain.text.LIMITS``):
every text leadboard accepts fits its column, and no column quietly allows more or less."""

from __future__ import annotations

import peewee as pw
import pytest

from leadboard.domain.card import FIELD_NAMES, validate_fields
from leadboard.domain.errors import InvalidInput
from leadboard.domain.text import LIMITS
from leadboard.service.transfer.rows import EXTRA_LIMIT
from leadboard.store.models import (
    TABLES,
    Activity,
    Card,
    History,
    JournalEntry,
    JournalField,
    PlannedActivity,
    StageTotal,
    StageVisit,
    UserPreference,
)

#: every column holding user text -> the limit that text is held to on the way in
TEXT_COLUMNS: dict[pw.Field, int] = {
    **{getattr(Card, name): LIMITS.line for name in ("name", "company", "title", "phone", "owner",
                                                     "decision_maker", "payment_terms")},
    Card.email: LIMITS.email,
    **{getattr(Card, name): LIMITS.long_text for name in ("need", "requirements", "terms", "notes")},
    Card.lost_reason: LIMITS.reason,
    History.reason: LIMITS.reason,
    Activity.summary: LIMITS.summary,
    Card.created_by: LIMITS.user,
    Card.updated_by: LIMITS.user,
    History.by: LIMITS.user,
    JournalEntry.by: LIMITS.user,
    #: a field's value as text: any card field's, so the longest a card takes
    JournalField.old: LIMITS.long_text,
    JournalField.new: LIMITS.long_text,
    Activity.by: LIMITS.user,
    # a PostgreSQL role name (63 bytes at most there), held like any user name
    History.database_role: LIMITS.user,
    Activity.database_role: LIMITS.user,
    StageTotal.owner: LIMITS.line,
    StageVisit.owner: LIMITS.line,
    Activity.owner: LIMITS.line,
    Card.warnings: LIMITS.warnings,
    Card.source_id: LIMITS.line,
    # a JSON object of the import's extra fields, each value held to EXTRA_LIMIT
    Card.extra: EXTRA_LIMIT,
    PlannedActivity.summary: LIMITS.summary,
    PlannedActivity.outcome: LIMITS.summary,
    **{getattr(PlannedActivity, name): LIMITS.user for name in ("owner", "planned_by", "rescheduled_by",
                                                                "closed_by")},
    UserPreference.user: LIMITS.user,
}
#: text columns whose values are leadboard's own words (stages, kinds, moves), not user text
VOCABULARY = {Card.stage, Card.kind, Card.supplier, Card.lost_from, History.move, History.from_stage,
              History.to_stage, History.warnings, Activity.kind, StageTotal.stage, JournalEntry.kind,
              JournalField.field,
              StageVisit.stage, StageVisit.from_stage, StageVisit.left_to,
              PlannedActivity.kind, PlannedActivity.state, UserPreference.name, UserPreference.value}


def test_every_text_column_is_held_to_a_limit_from_the_table():
    text_columns = {field for table in TABLES for field in table._meta.sorted_fields
                    if isinstance(field, pw.CharField | pw.TextField)}
    assert text_columns - VOCABULARY == set(TEXT_COLUMNS)


@pytest.mark.parametrize("column", list(TEXT_COLUMNS), ids=lambda column: f"{column.model.__name__}.{column.name}")
def test_a_column_is_exactly_as_long_as_its_limit_or_unbounded(column):
    limit = TEXT_COLUMNS[column]
    if isinstance(column, pw.CharField):
        assert column.max_length == limit
    else:
        assert isinstance(column, pw.TextField)


@pytest.mark.parametrize("name", [name for name in FIELD_NAMES
                                  if isinstance(getattr(Card, name), pw.CharField | pw.TextField)
                                  and name not in ("kind", "supplier", "email", "phone")])
def test_a_card_field_takes_its_limit_and_refuses_one_more(name):
    limit = TEXT_COLUMNS[getattr(Card, name)]
    assert getattr(validate_fields({"name": "Ada", name: "x" * limit}), name) == "x" * limit
    with pytest.raises(InvalidInput, match=f"at most {limit} characters"):
        validate_fields({"name": "Ada", name: "x" * (limit + 1)})


def test_an_email_longer_than_its_column_is_refused_before_it_is_checked():
    with pytest.raises(InvalidInput, match=f"email: is too long \\(at most {LIMITS.email} characters\\)"):
        validate_fields({"name": "Ada", "email": "a" * LIMITS.email + "@example.com"})
