"""Stage visits: one row per card per stage entered, with when it entered and left, built here from
the history (every report reads it; ``store/visits.py`` keeps it from now on).

The history is replayed with an undone move and its undo both left out: the card never went there.
An undo with no record of what it undid (an imported one) counts as an ordinary move. An imported
card enters its stage on its ``created_at`` (the source's date when the file gave one); the import
row that follows moves carried over from an export adds no visit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from leadboard.store.db import database
from leadboard.store.migrations.steps.base import FrozenModel, Step

if TYPE_CHECKING:  # playhouse.migrate is imported only when a step runs
    from playhouse.migrate import SchemaMigrator


class Card(FrozenModel):
    class Meta:
        table_name = "card"


class StageVisit(FrozenModel):
    card = pw.ForeignKeyField(Card, backref="visits", on_delete="CASCADE")
    stage = pw.CharField(max_length=20)
    from_stage = pw.CharField(max_length=20, null=True)
    entered_at = pw.DateTimeField()
    left_at = pw.DateTimeField(null=True)
    left_to = pw.CharField(max_length=20, null=True)
    opened_by = pw.IntegerField()

    class Meta:
        indexes = (
            (("stage", "entered_at", "left_at", "card"), False),
            (("stage", "left_at"), False),
            (("card", "entered_at", "opened_by", "stage", "left_at", "from_stage"), False),
        )


BACKFILL = """INSERT INTO stage_visit (card_id, stage, from_stage, entered_at, left_at, left_to, opened_by)
SELECT card_id, to_stage, from_stage, at,
       LEAD(at) OVER (PARTITION BY card_id ORDER BY id),
       LEAD(to_stage) OVER (PARTITION BY card_id ORDER BY id),
       id
FROM (
    SELECT h.id, h.card_id, h.move, h.from_stage, h.to_stage,
           CASE WHEN h.move = 'import' THEN c.created_at ELSE h.at END AS at,
           LAG(h.to_stage) OVER (PARTITION BY h.card_id ORDER BY h.id) AS came_from
    FROM history h JOIN card c ON c.id = h.card_id
    WHERE NOT (h.move = 'undo' AND h.undoes_id IS NOT NULL)
      AND h.id NOT IN (SELECT u.undoes_id FROM history u WHERE u.undoes_id IS NOT NULL)
) replayed
WHERE NOT (move = 'import' AND came_from IS NOT NULL)
"""


def apply(migrator: SchemaMigrator) -> None:
    database.create_tables([StageVisit])
    database.execute_sql(BACKFILL)
    # the activity report reads a period's activities by time
    database.execute_sql('CREATE INDEX IF NOT EXISTS "activity_at" ON "activity" ("at")')


STEP = Step("stage-visits", apply)
