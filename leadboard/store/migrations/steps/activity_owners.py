"""Each activity carries its card's owner now (kept with the card: ``store/cards.py`` on a
reassign, ``store/removal.py`` when a merge moves it, ``store/journal.py`` when logged or bulk
written), indexed after its time and kind: the activity report counts a period's activities per
owner from that index instead of looking each one's card up (~0.45 s of 0.7 s at a million cards)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from leadboard.store.db import database
from leadboard.store.migrations.steps.base import Step

if TYPE_CHECKING:  # playhouse.migrate is imported only when a step runs
    from playhouse.migrate import SchemaMigrator


def apply(migrator: SchemaMigrator) -> None:
    from playhouse.migrate import migrate

    migrate(migrator.add_column("activity", "owner", pw.CharField(max_length=200, null=True)))
    database.execute_sql('UPDATE "activity" SET "owner" = '
                         '(SELECT c."owner" FROM "card" c WHERE c."id" = "activity"."card_id")')
    migrate(migrator.add_index("activity", ("at", "kind", "owner"), False))


STEP = Step("activity-owners", apply)
