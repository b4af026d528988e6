"""Everyone's day: an index on open planned activities by due date whoever owns them, so the Today
view's "everyone" reads the earliest due steps along an index at any size."""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadboard.store.migrations.steps.base import Step

if TYPE_CHECKING:  # playhouse.migrate is imported only when a step runs
    from playhouse.migrate import SchemaMigrator


def apply(migrator: SchemaMigrator) -> None:
    from playhouse.migrate import migrate

    migrate(migrator.add_index("planned_activity", ("state", "due_key", "id"), False))


STEP = Step("planned-activity-due-index", apply)
