"""Search finds a phone by its digits however they are grouped: ``4155550134``, ``415-555-0134``,
``5550134`` or ``(415) 555`` find ``+1 (415) 555-0134``, and ``415-555`` finds ``4155550134``.
A run of at least three typed digits matches when it appears in the phone's digits, spacing and
punctuation ignored.

SQLite: the card gains ``phone_tails``, a virtual generated column (computed on read, stored
nowhere) holding the phone's digits from each position to the end (``14155550134 4155550134
155550134 ...``); the FTS5 index covers it, so a prefix query on it is a substring match through
the index. Being a column of ``card``, every writer keeps the index whole: the triggers, a rebuild,
and the bulk writer that selects the indexed columns by name. The index is made again, once: about
a minute at a million cards on a loaded 2-core server, and the file grows by about 8%.

PostgreSQL: a trigram index over the phone's digits, which serves ``LIKE '%415555%'``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadboard.store.db import database, is_sqlite
from leadboard.store.migrations.steps.base import Step

if TYPE_CHECKING:  # playhouse.migrate is imported only when a step runs
    from playhouse.migrate import SchemaMigrator

#: what a phone may hold besides digits (the domain's phone rule); both engines drop exactly these
PUNCTUATION = " ()./-+"

#: a phone has at most 15 digits: its tails of three digits or more start at positions 1 to 13
_TAIL_STARTS = range(1, 14)


def _digits(column: str) -> str:
    sql = f"COALESCE({column}, '')"
    for mark in PUNCTUATION:
        sql = f"replace({sql}, '{mark}', '')"
    return sql


SQLITE_TAILS = " || ' ' || ".join(f"substr({_digits('phone')}, {start})" for start in _TAIL_STARTS)

ADD_TAILS = f"ALTER TABLE card ADD COLUMN phone_tails TEXT GENERATED ALWAYS AS ({SQLITE_TAILS}) VIRTUAL"

COLUMNS = "name, company, email, phone, phone_tails"
NEW = "new.name, new.company, new.email, new.phone, new.phone_tails"
OLD = "old.name, old.company, old.email, old.phone, old.phone_tails"

SQLITE_SEARCH = (
    f"CREATE VIRTUAL TABLE card_search USING fts5({COLUMNS}, content='card', "
    "content_rowid='id', tokenize='unicode61', prefix='1 2 3')",
    "CREATE TRIGGER card_search_ai AFTER INSERT ON card BEGIN "
    f"INSERT INTO card_search(rowid, {COLUMNS}) VALUES (new.id, {NEW}); END",
    "CREATE TRIGGER card_search_ad AFTER DELETE ON card BEGIN "
    f"INSERT INTO card_search(card_search, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD}); END",
    "CREATE TRIGGER card_search_au AFTER UPDATE OF name, company, email, phone ON card BEGIN "
    f"INSERT INTO card_search(card_search, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD}); "
    f"INSERT INTO card_search(rowid, {COLUMNS}) VALUES (new.id, {NEW}); END",
)

#: the very expression store.cards.phone_digits() builds (the planner uses the index only then)
POSTGRESQL_DIGITS = "translate(COALESCE(phone, ''), ' ()./-+', '')"


def apply(migrator: SchemaMigrator) -> None:
    if is_sqlite():
        for trigger in ("card_search_ai", "card_search_ad", "card_search_au"):
            database.execute_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        database.execute_sql("DROP TABLE IF EXISTS card_search")
        database.execute_sql(ADD_TAILS)
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
    database.execute_sql(
        f'CREATE INDEX card_phone_digits_trgm ON card USING gin (({POSTGRESQL_DIGITS}) "{row[0]}".gin_trgm_ops)'
    )
    # A search shows the newest matches: the planner walks the id index backwards when it expects
    # many, and reads the trigram index when it expects few. With the default statistics it
    # expected ~6,000 of a million phones to hold any four digits (445 did) and walked the whole
    # table (1.6 s a keystroke); a finer sample of the digits puts it right (150 ms). ANALYZE
    # gathers that sample now rather than whenever autovacuum next looks at the table.
    database.execute_sql("ALTER INDEX card_phone_digits_trgm ALTER COLUMN 1 SET STATISTICS 1000")
    database.execute_sql("ANALYZE card")


STEP = Step("search-phone-digits", apply)
