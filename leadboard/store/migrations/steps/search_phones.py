"""Search finds phone numbers too: the search index covers the phone beside name, company and
email, so typing a group of its digits (``7946``, ``+44 20 7946``) finds the card. On SQLite the
FTS5 table and its triggers are made again with the phone column (a rebuild: some seconds at a
million cards, once); on PostgreSQL the trigram index is made again over the longer text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadboard.store.db import database, is_sqlite
from leadboard.store.migrations.steps.base import Step

if TYPE_CHECKING:  # playhouse.migrate is imported only when a step runs
    from playhouse.migrate import SchemaMigrator

COLUMNS = "name, company, email, phone"
NEW = "new.name, new.company, new.email, new.phone"
OLD = "old.name, old.company, old.email, old.phone"

SQLITE_SEARCH = (
    f"CREATE VIRTUAL TABLE card_search USING fts5({COLUMNS}, content='card', "
    "content_rowid='id', tokenize='unicode61', prefix='1 2 3')",
    "CREATE TRIGGER card_search_ai AFTER INSERT ON card BEGIN "
    f"INSERT INTO card_search(rowid, {COLUMNS}) VALUES (new.id, {NEW}); END",
    "CREATE TRIGGER card_search_ad AFTER DELETE ON card BEGIN "
    f"INSERT INTO card_search(card_search, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD}); END",
    f"CREATE TRIGGER card_search_au AFTER UPDATE OF {COLUMNS} ON card BEGIN "
    f"INSERT INTO card_search(card_search, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD}); "
    f"INSERT INTO card_search(rowid, {COLUMNS}) VALUES (new.id, {NEW}); END",
)

#: the very expression store.cards.search_text() builds (the planner uses the index only then)
POSTGRESQL_TEXT = ("COALESCE(name, '') || ' ' || COALESCE(company, '') || ' ' || COALESCE(email, '')"
                   " || ' ' || COALESCE(phone, '')")


def apply(migrator: SchemaMigrator) -> None:
    if is_sqlite():
        for trigger in ("card_search_ai", "card_search_ad", "card_search_au"):
            database.execute_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        database.execute_sql("DROP TABLE IF EXISTS card_search")
        for statement in SQLITE_SEARCH:
            database.execute_sql(statement)
        database.execute_sql("INSERT INTO card_search(card_search) VALUES ('rebuild')")
        return
    row = database.execute_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    ).fetchone()
    if row is None:
        return  # no trigram extension: search scans, as before
    database.execute_sql("DROP INDEX IF EXISTS card_search_trgm")
    database.execute_sql(
        f'CREATE INDEX card_search_trgm ON card USING gin (({POSTGRESQL_TEXT}) "{row[0]}".gin_trgm_ops)'
    )


STEP = Step("search-phones", apply)
