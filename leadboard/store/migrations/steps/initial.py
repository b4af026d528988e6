"""The first schema: cards, their history and activities, the change feed, the column totals,
and on SQLite a full-text index over name, company and email."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from leadboard.store.db import database, is_sqlite
from leadboard.store.migrations.steps.base import FrozenModel, Step

if TYPE_CHECKING:  # playhouse.migrate is imported only when a step runs
    from playhouse.migrate import SchemaMigrator


def _money() -> pw.DecimalField:
    return pw.DecimalField(max_digits=16, decimal_places=2, auto_round=True, null=True)


class Card(FrozenModel):
    stage = pw.CharField(max_length=20)
    rank = pw.DoubleField()
    version = pw.IntegerField(default=1)
    owner = pw.CharField(max_length=200, null=True)
    created_at = pw.DateTimeField()
    created_by = pw.CharField(max_length=200)
    updated_at = pw.DateTimeField()
    updated_by = pw.CharField(max_length=200)
    name = pw.CharField(max_length=200)
    kind = pw.CharField(max_length=10, default="person")
    company = pw.CharField(max_length=200, null=True)
    title = pw.CharField(max_length=200, null=True)
    email = pw.CharField(max_length=320, null=True)
    phone = pw.CharField(max_length=200, null=True)
    need = pw.TextField(null=True)
    budget = _money()
    purchase_by = pw.DateField(null=True)
    authority = pw.BooleanField(null=True)
    decision_maker = pw.CharField(max_length=200, null=True)
    requirements = pw.TextField(null=True)
    supplier = pw.CharField(max_length=10, null=True)
    value = _money()
    close_by = pw.DateField(null=True)
    terms = pw.TextField(null=True)
    payment_terms = pw.CharField(max_length=200, null=True)
    contract_signed_on = pw.DateField(null=True)
    notes = pw.TextField(null=True)
    amount = pw.DecimalField(max_digits=16, decimal_places=2, auto_round=True, default=0)
    lost_from = pw.CharField(max_length=20, null=True)
    lost_reason = pw.TextField(null=True)
    last_activity_at = pw.DateTimeField(null=True)
    activity_count = pw.IntegerField(default=0)
    warnings = pw.CharField(max_length=500, default="")

    class Meta:
        indexes = (
            (("stage", "rank", "id"), False),
            (("stage", "owner", "rank", "id"), False),
            (("email",), False),
            (("name", "company"), False),
        )


class History(FrozenModel):
    card = pw.ForeignKeyField(Card, on_delete="CASCADE")
    move = pw.CharField(max_length=10)
    from_stage = pw.CharField(max_length=20, null=True)
    to_stage = pw.CharField(max_length=20)
    by = pw.CharField(max_length=200)
    at = pw.DateTimeField()
    reason = pw.TextField(null=True)
    warnings = pw.TextField(default="")
    undoes = pw.ForeignKeyField("self", null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("card", "id"), False), (("by", "id"), False))


class Activity(FrozenModel):
    card = pw.ForeignKeyField(Card, on_delete="CASCADE")
    kind = pw.CharField(max_length=10)
    summary = pw.TextField()
    at = pw.DateTimeField()
    by = pw.CharField(max_length=200)

    class Meta:
        indexes = ((("card", "id"), False),)


class Change(FrozenModel):
    card_id = pw.IntegerField(null=True)
    at = pw.DateTimeField()


class StageTotal(FrozenModel):
    stage = pw.CharField(max_length=20)
    owner = pw.CharField(max_length=200)
    cards = pw.IntegerField(default=0)
    amount = pw.DecimalField(max_digits=20, decimal_places=2, auto_round=True, default=0)

    class Meta:
        indexes = ((("stage", "owner"), True),)


# An external-content FTS5 index over the searchable columns, kept in step by triggers. The
# prefix indexes make the first keystrokes of a search (one to three letters, which match a
# large share of a million cards) read one doclist instead of merging hundreds.
SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE card_search USING fts5(name, company, email, content='card', "
    "content_rowid='id', tokenize='unicode61', prefix='1 2 3')",
    "CREATE TRIGGER card_search_ai AFTER INSERT ON card BEGIN "
    "INSERT INTO card_search(rowid, name, company, email) VALUES (new.id, new.name, new.company, new.email); END",
    "CREATE TRIGGER card_search_ad AFTER DELETE ON card BEGIN "
    "INSERT INTO card_search(card_search, rowid, name, company, email) "
    "VALUES ('delete', old.id, old.name, old.company, old.email); END",
    "CREATE TRIGGER card_search_au AFTER UPDATE OF name, company, email ON card BEGIN "
    "INSERT INTO card_search(card_search, rowid, name, company, email) "
    "VALUES ('delete', old.id, old.name, old.company, old.email); "
    "INSERT INTO card_search(rowid, name, company, email) VALUES (new.id, new.name, new.company, new.email); END",
)


def apply(migrator: SchemaMigrator) -> None:
    database.create_tables([Card, History, Activity, Change, StageTotal])
    if is_sqlite():
        for statement in SQLITE_SEARCH:
            database.execute_sql(statement)


STEP = Step("initial", apply)
