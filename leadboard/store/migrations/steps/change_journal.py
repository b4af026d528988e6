"""The change journal: one entry per change a person makes to a card (a move, an edit, a reassign,
an activity logged, an undo), each with who and when, and one row per card field it changed with
the old and the new value as text. Moves keep their own rows in ``history``, read as before; a
move's entry points at its row there. Moves made before this step get an entry each, so they can be
listed and undone like new ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from leadboard.store.db import database
from leadboard.store.migrations.steps.base import FrozenModel, Step

if TYPE_CHECKING:  # playhouse.migrate is imported only when a step runs
    from playhouse.migrate import SchemaMigrator


class Card(FrozenModel):
    pass


class History(FrozenModel):
    pass


class JournalEntry(FrozenModel):
    card = pw.ForeignKeyField(Card, on_delete="CASCADE")
    kind = pw.CharField(max_length=20)
    by = pw.CharField(max_length=200)
    at = pw.DateTimeField()
    move = pw.ForeignKeyField(History, null=True, on_delete="CASCADE")
    activity_id = pw.IntegerField(null=True)
    undoes = pw.ForeignKeyField("self", null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("card", "id"), False), (("by", "id"), False), (("undoes",), False))


class JournalField(FrozenModel):
    entry = pw.ForeignKeyField(JournalEntry, on_delete="CASCADE")
    field = pw.CharField(max_length=40)
    old = pw.TextField(null=True)
    new = pw.TextField(null=True)

    class Meta:
        indexes = ((("entry", "field"), False),)


def apply(migrator: SchemaMigrator) -> None:
    database.create_tables([JournalEntry, JournalField])
    # every move a person made so far (not creations and imports), in the order they were made
    database.execute_sql(
        'INSERT INTO "journal_entry" ("card_id", "kind", "by", "at", "move_id") '
        "SELECT \"card_id\", CASE WHEN \"move\" = 'undo' THEN 'undo' ELSE 'move' END, \"by\", \"at\", \"id\" "
        "FROM \"history\" WHERE \"move\" NOT IN ('create', 'import') ORDER BY \"id\""
    )
    database.execute_sql(
        'UPDATE "journal_entry" SET "undoes_id" = (SELECT "undone"."id" FROM "journal_entry" AS "undone" '
        'JOIN "history" AS "h" ON "h"."undoes_id" = "undone"."move_id" '
        'WHERE "h"."id" = "journal_entry"."move_id") '
        "WHERE \"kind\" = 'undo'"
    )
    # what each of those moves changed: the stage, and for a loss or a reopen the lost state
    for field, old, new, moves in (
        ("stage", '"h"."from_stage"', '"h"."to_stage"', None),
        ("lost_from", "NULL", '"h"."from_stage"', "lose"),
        ("lost_reason", "NULL", '"h"."reason"', "lose"),
        ("lost_from", '"h"."to_stage"', "NULL", "reopen"),
        ("lost_reason", '"h"."reason"', "NULL", "reopen"),
    ):
        only = f"WHERE \"h\".\"move\" = '{moves}'" if moves else ""
        database.execute_sql(
            f'INSERT INTO "journal_field" ("entry_id", "field", "old", "new") '
            f"SELECT \"j\".\"id\", '{field}', {old}, {new} FROM \"journal_entry\" AS \"j\" "
            f'JOIN "history" AS "h" ON "h"."id" = "j"."move_id" {only} ORDER BY "j"."id"'
        )


STEP = Step("change-journal", apply)
