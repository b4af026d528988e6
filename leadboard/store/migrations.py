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
    # An external-content FTS5 index over the searchable columns, kept in step by triggers.
    database.execute_sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS card_search USING fts5("
        "name, company, email, content='card', content_rowid='id', tokenize='unicode61')"
    )
    for statement in SQLITE_SEARCH_TRIGGERS:
        database.execute_sql(statement)


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


def _imports(migrator: SchemaMigrator) -> None:
    # import runs (resume points) and a case-insensitive email index for finding duplicates
    create_import_tables()


MIGRATIONS: list[Callable[[SchemaMigrator], None]] = [_initial, _imports]


def migrate() -> int:
    """Bring the schema up to date; returns the schema version now in force."""
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
