"""PostgreSQL has no FTS5: index the text search reads with trigrams, which serve its case-blind
word-prefix regular expressions. Without the pg_trgm extension (a role that may not create it)
search still works, by scanning; SQLite has its index from the first step."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from leadboard.store.db import database, is_sqlite
from leadboard.store.migrations.steps.base import Step

if TYPE_CHECKING:  # playhouse.migrate is imported only when a step runs
    from playhouse.migrate import SchemaMigrator


def apply(migrator: SchemaMigrator) -> None:
    if is_sqlite():
        return
    try:
        with database.atomic():  # a savepoint: a refused CREATE EXTENSION must not end the step
            database.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except pw.DatabaseError:
        return
    schema = database.execute_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    ).fetchone()[0]
    # the very expression store.cards.search_text() builds, or the planner will not use the
    # index (tests/store/test_search_engines.py checks that it does)
    database.execute_sql(
        "CREATE INDEX IF NOT EXISTS card_search_trgm ON card USING gin (("
        "COALESCE(name, '') || ' ' || COALESCE(company, '') || ' ' || COALESCE(email, '')"
        f') "{schema}".gin_trgm_ops)'
    )


STEP = Step("postgresql-search-index", apply)
