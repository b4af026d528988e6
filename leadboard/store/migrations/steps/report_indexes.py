"""Indexes for the reports and the board as of a day, at a million cards.

- the change journal by time (``journal_entry.at``): what a card was worth on a past day is read
  back through the edits since that day;
- the history by move (``history.move, at``): the imports after a day;
- stage visits by when they were left, carrying when they were entered and the card (replaces
  ``(stage, left_at)``): the visits that spanned a day and the stays that ended in a period are
  read from the index alone;
- the activity log by time, carrying kind and card (replaces ``(at)``): a period's activities are
  counted from the index alone;
- the cards of a stage by their last activity (or creation): the stale cards of the activity
  report are a range of one index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadboard.store.db import database
from leadboard.store.migrations.steps.base import Step

if TYPE_CHECKING:  # playhouse.migrate is imported only when a step runs
    from playhouse.migrate import SchemaMigrator

#: the expression the stale-cards query counts by (written the same way there)
ACTIVE_AT = "COALESCE(last_activity_at, created_at)"


def apply(migrator: SchemaMigrator) -> None:
    from playhouse.migrate import migrate

    migrate(
        migrator.add_index("journal_entry", ("at", "card_id"), False),
        migrator.add_index("history", ("move", "at", "card_id"), False),
        migrator.drop_index("stage_visit", "stage_visit_stage_left_at"),
        migrator.add_index("stage_visit", ("stage", "left_at", "entered_at", "card_id"), False),
        migrator.drop_index("activity", "activity_at"),
        migrator.add_index("activity", ("at", "kind", "card_id"), False),
    )
    database.execute_sql(f'CREATE INDEX "card_stage_active_at" ON "card" ("stage", ({ACTIVE_AT}))')


STEP = Step("report-indexes", apply)
