"""What a step is, and the base of every step's frozen tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import peewee as pw

from leadboard.store.db import database

if TYPE_CHECKING:  # playhouse.migrate is imported only when a step runs
    from playhouse.migrate import SchemaMigrator


@dataclass(frozen=True)
class Step:
    #: stable and unique: recorded in the database once the step has run
    name: str
    apply: Callable[[SchemaMigrator], None]


class FrozenModel(pw.Model):
    """A table as one step knew it. Steps never import the application's models."""

    class Meta:
        database = database
        legacy_table_names = False
