"""Column orders: indexes that read a column by value or by expected close date as fast as by
rank, and a table of each user's board preferences (the order they chose is one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from leadboard.store.db import database
from leadboard.store.migrations.steps.base import FrozenModel, Step

if TYPE_CHECKING:  # playhouse.migrate is imported only when a step runs
    from playhouse.migrate import SchemaMigrator


class UserPreference(FrozenModel):
    user = pw.CharField(max_length=200)
    name = pw.CharField(max_length=100)
    value = pw.TextField()

    class Meta:
        indexes = ((("user", "name"), True),)


def apply(migrator: SchemaMigrator) -> None:
    from playhouse.migrate import migrate

    database.create_tables([UserPreference])
    migrate(
        migrator.add_index("card", ("stage", "amount", "rank", "id"), False),
        migrator.add_index("card", ("stage", "close_by", "rank", "id"), False),
    )


STEP = Step("column-orders", apply)
