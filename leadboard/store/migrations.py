"""Schema migrations, applied in order on start-up. Each runs in its own transaction.

To change the schema, append a function to ``MIGRATIONS``; never edit one that has shipped.
Use ``playhouse.migrate`` operations (``migrator`` is passed in) so they run on every engine.
"""

from __future__ import annotations

from collections.abc import Callable

import peewee as pw
from playhouse.migrate import PostgresqlMigrator, SchemaMigrator, SqliteMigrator

from leadboard.store.db import database, is_sqlite
from leadboard.store.imports import create_import_tables
from leadboard.store.models import TABLES, BaseModel


class SchemaVersion(BaseModel):
    version = pw.IntegerField()


def _initial(migrator: SchemaMigrator) -> None:
    database.create_tables(TABLES)
    if is_sqlite():
        _create_sqlite_search()


def _create_sqlite_search() -> None:
    # An external-content FTS5 index over the searchable columns, kept in step by triggers. The
    # prefix indexes make the first keystrokes of a search (one to three letters, which match
    # a large share of a million cards) read one doclist instead of merging hundreds.
    database.execute_sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS card_search USING fts5("
        f"name, company, email, content='card', content_rowid='id', tokenize='unicode61', {SEARCH_PREFIXES})"
    )
    for statement in SQLITE_SEARCH_TRIGGERS:
        database.execute_sql(statement)


SEARCH_PREFIXES = "prefix='1 2 3'"

SQLITE_SEARCH_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS card_search_ai AFTER INSERT ON card BEGIN "
    "INSERT INTO card_search(rowid, name, company, email) VALUES (new.id, new.name, new.company, new.email); END",
    "CREATE TRIGGER IF NOT EXISTS card_search_ad AFTER DELETE ON card BEGIN "
    "INSERT INTO card_search(card_search, rowid, name, company, email) "
    "VALUES ('delete', old.id, old.name, old.company, old.email); END",
    "CREATE TRIGGER IF NOT EXISTS card_search_au AFTER UPDATE OF name, company, email ON card BEGIN "
    "INSERT INTO card_search(card_search, rowid, name, company, email) "
    "VALUES ('delete', old.id, old.name, old.company, old.email); "
    "INSERT INTO card_search(rowid, name, company, email) VALUES (new.id, new.name, new.company, new.email); END",
)

def _postgresql_search_index(migrator: SchemaMigrator) -> None:
    """PostgreSQL has no FTS5: index the text search reads (cards.search_text) with trigrams, which
    serve its case-blind word-prefix regular expressions. Without the pg_trgm extension (a role
    that may not create it) search still works, by scanning; SQLite has its index already."""
    if is_sqlite():
        return
    try:
        with database.atomic():  # a savepoint: a refused CREATE EXTENSION must not end the migration
            database.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except pw.DatabaseError:
        return
    schema = database.execute_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    ).fetchone()[0]
    # the very expression cards.search_text() builds, or the planner will not use the index
    # (tests/store/test_search_engines.py checks that it does)
    database.execute_sql(
        "CREATE INDEX IF NOT EXISTS card_search_trgm ON card USING gin (("
        "COALESCE(name, '') || ' ' || COALESCE(company, '') || ' ' || COALESCE(email, '')"
        f') "{schema}".gin_trgm_ops)'
    )


def _sqlite_search_prefixes(migrator: SchemaMigrator) -> None:
    """Databases made before the search index had prefix indexes get them (a rebuild: some
    seconds at a million cards, once)."""
    if not is_sqlite():
        return
    row = database.execute_sql("SELECT sql FROM sqlite_master WHERE name = 'card_search'").fetchone()
    if row is None or SEARCH_PREFIXES in row[0]:
        return
    database.execute_sql("DROP TABLE card_search")
    _create_sqlite_search()
    database.execute_sql("INSERT INTO card_search(card_search) VALUES ('rebuild')")


def _imports(migrator: SchemaMigrator) -> None:
    # import runs (resume points) and a case-insensitive email index for finding duplicates
    create_import_tables()


MIGRATIONS: list[Callable[[SchemaMigrator], None]] = [
    _initial, _postgresql_search_index, _sqlite_search_prefixes, _imports,
]

#: any fixed number: the PostgreSQL advisory lock that lets one process at a time migrate
_MIGRATION_LOCK = 0x6C656164626F6172  # "leadboar"


def migrate() -> int:
    """Bring the schema up to date; returns the schema version now in force."""
    if is_sqlite():
        return _migrate()
    # PostgreSQL's transactions take no database-wide write lock at BEGIN the way SQLite's do:
    # two processes starting at once would both create the tables. An advisory lock queues them.
    database.execute_sql("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
    try:
        return _migrate()
    finally:
        database.execute_sql("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))


def _migrate() -> int:
    database.create_tables([SchemaVersion])
    migrator: SchemaMigrator = SqliteMigrator(database.obj) if is_sqlite() else PostgresqlMigrator(database.obj)
    with database.atomic():
        row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
        current = row.version if row else 0
    for number, step in enumerate(MIGRATIONS[current:], start=current + 1):
        with database.atomic():
            # re-read under the write lock: another process may have migrated meanwhile
            row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
            if row and row.version >= number:
                continue
            step(migrator)
            SchemaVersion.create(version=number)
    return len(MIGRATIONS)
