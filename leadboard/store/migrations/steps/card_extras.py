"""Cards keep what an imported file had beyond leadboard's fields, and where they came from:

- ``extra``: every column of an imported file that matched no field (and every value that could
  not be read into its field), as one JSON object of column name -> text; NULL when there is none.
  One column on the card, not a side table: a card's extras are read and written with the card,
  and an import writes them in the same row insert, so a million cards cost no second table.
- ``source_id``: the record's id in the system the card was imported from (Salesforce's ``Id``,
  HubSpot's ``Record ID``, Odoo's external id, ...), so importing the same file again finds the
  same cards; indexed for that lookup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from leadboard.store.db import database
from leadboard.store.migrations.steps.base import Step

if TYPE_CHECKING:  # playhouse.migrate is imported only when a step runs
    from playhouse.migrate import SchemaMigrator


def apply(migrator: SchemaMigrator) -> None:
    from playhouse.migrate import migrate

    migrate(
        migrator.add_column("card", "extra", pw.TextField(null=True)),
        migrator.add_column("card", "source_id", pw.CharField(max_length=200, null=True)),
    )
    database.execute_sql("CREATE INDEX IF NOT EXISTS card_source_id ON card (source_id)")


STEP = Step("card-extras", apply)
