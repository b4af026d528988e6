"""Planned activities: a card's next steps (call, meeting, email, task) with due dates, and on the
card its next step and that step's due key, indexed so a column reads in urgency order, and the
Today view reads one owner's due steps, along an index at any size."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from leadboard.store.db import database
from leadboard.store.migrations.steps.base import FrozenModel, Step

if TYPE_CHECKING:  # playhouse.migrate is imported only when a step runs
    from playhouse.migrate import SchemaMigrator


class Card(FrozenModel):
    """Only the key: what the new table refers to."""


class PlannedActivity(FrozenModel):
    card = pw.ForeignKeyField(Card, on_delete="CASCADE", index=False)  # the (card, state, ...) index serves
    kind = pw.CharField(max_length=10)
    summary = pw.TextField()
    owner = pw.CharField(max_length=200)
    state = pw.CharField(max_length=10, default="planned")
    due_on = pw.DateField(null=True)
    due_at = pw.DateTimeField(null=True)
    due_key = pw.DateTimeField()
    planned_by = pw.CharField(max_length=200)
    planned_at = pw.DateTimeField()
    rescheduled_by = pw.CharField(max_length=200, null=True)
    rescheduled_at = pw.DateTimeField(null=True)
    closed_by = pw.CharField(max_length=200, null=True)
    closed_at = pw.DateTimeField(null=True)
    outcome = pw.TextField(null=True)
    activity_id = pw.IntegerField(null=True)

    class Meta:
        indexes = (
            (("card", "state", "due_key", "id"), False),
            (("owner", "state", "due_key", "id"), False),
        )


def apply(migrator: SchemaMigrator) -> None:
    from playhouse.migrate import migrate

    database.create_tables([PlannedActivity])
    migrate(
        migrator.add_column("card", "next_step_id", pw.IntegerField(null=True)),
        migrator.add_column("card", "next_due", pw.DateTimeField(null=True)),
        migrator.add_index("card", ("stage", "next_due", "rank", "id"), False),
        migrator.add_index("card", ("stage", "owner", "next_due", "rank", "id"), False),
    )


STEP = Step("planned-activities", apply)
