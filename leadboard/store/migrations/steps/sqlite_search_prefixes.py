"""Databases made before the search index had prefix indexes get them (a rebuild: some seconds
at a million cards, once). A database made by the first step as it ships today has them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadboard.store.db import database, is_sqlite
from leadboard.store.migrations.steps.base import Step
from leadboard.store.migrations.steps.initial import SQLITE_SEARCH

if TYPE_CHECKING:  # playhouse.migrate is imported only when a step runs
    from playhouse.migrate import SchemaMigrator

PREFIXES = "prefix='1 2 3'"


def apply(migrator: SchemaMigrator) -> None:
    if not is_sqlite():
        return
    row = database.execute_sql("SELECT sql FROM sqlite_master WHERE name = 'card_search'").fetchone()
    if row is None or PREFIXES in row[0]:
        return
    database.execute_sql("DROP TABLE card_search")
    database.execute_sql(SQLITE_SEARCH[0])  # the table with prefixes; the triggers still stand
    database.execute_sql("INSERT INTO card_search(card_search) VALUES ('rebuild')")


STEP = Step("sqlite-search-prefixes", apply)
