"""Search finds a phone by a run of its digits as before, through an index that costs an import a
tenth of what the phone tails cost (SQLite only; PostgreSQL's trigram index over the digits stays).

The "search-phone-digits" step indexed each phone's tails (its digits from each position to the
end) in the card's FTS5 table, whose prefix indexes then held every tail's first one, two and three
digits too: some 50 index entries a card, mostly unique terms, which was a third of what writing a
card cost. Here the card's ``phone_digits`` (a virtual generated column: the phone's digits alone,
computed on read, stored nowhere) gets an FTS5 table of its own with the trigram tokenizer: a run of
three or more digits is a phrase of its trigrams, which matches exactly where the run appears in the
digits, as the tails' prefixes did. There are only a thousand trigrams of digits, so the index is
small (about 6 bytes a card) and cheap to write. The card's FTS5 table goes back to name, company,
email and phone with its prefix indexes (a typed group of a phone's digits still starts a word of
it), and ``phone_tails`` is dropped (a virtual column: dropping it rewrites nothing).

Both indexes are made again, once: 34 s at a million cards on a loaded 2-core server (the file
keeps its size; the pages the tails held are reused).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadboard.store.db import database, is_sqlite
from leadboard.store.migrations.steps.base import Step

# the phone's digits as the search-phone-digits step computes them, and the card's FTS5 table as the
# search-phones step made it (name, company, email, phone): shipped steps, so these never change
from leadboard.store.migrations.steps.search_phone_digits import _digits
from leadboard.store.migrations.steps.search_phones import SQLITE_SEARCH

if TYPE_CHECKING:  # playhouse.migrate is imported only when a step runs
    from playhouse.migrate import SchemaMigrator

ADD_DIGITS = f"ALTER TABLE card ADD COLUMN phone_digits TEXT GENERATED ALWAYS AS ({_digits('phone')}) VIRTUAL"

SQLITE_PHONE_SEARCH = (
    "CREATE VIRTUAL TABLE card_phone_search USING fts5(phone_digits, content='card', "
    "content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER card_phone_search_ai AFTER INSERT ON card BEGIN "
    "INSERT INTO card_phone_search(rowid, phone_digits) VALUES (new.id, new.phone_digits); END",
    "CREATE TRIGGER card_phone_search_ad AFTER DELETE ON card BEGIN "
    "INSERT INTO card_phone_search(card_phone_search, rowid, phone_digits) "
    "VALUES ('delete', old.id, old.phone_digits); END",
    "CREATE TRIGGER card_phone_search_au AFTER UPDATE OF phone ON card BEGIN "
    "INSERT INTO card_phone_search(card_phone_search, rowid, phone_digits) "
    "VALUES ('delete', old.id, old.phone_digits); "
    "INSERT INTO card_phone_search(rowid, phone_digits) VALUES (new.id, new.phone_digits); END",
)


def apply(migrator: SchemaMigrator) -> None:
    if not is_sqlite():
        return
    for trigger in ("card_search_ai", "card_search_ad", "card_search_au"):
        database.execute_sql(f"DROP TRIGGER IF EXISTS {trigger}")
    database.execute_sql("DROP TABLE IF EXISTS card_search")
    columns = {row[1] for row in database.execute_sql("PRAGMA table_xinfo(card)").fetchall()}
    if "phone_tails" in columns:
        database.execute_sql("ALTER TABLE card DROP COLUMN phone_tails")
    database.execute_sql(ADD_DIGITS)
    for statement in SQLITE_SEARCH + SQLITE_PHONE_SEARCH:
        database.execute_sql(statement)
    database.execute_sql("INSERT INTO card_search(card_search) VALUES ('rebuild')")
    database.execute_sql("INSERT INTO card_phone_search(card_phone_search) VALUES ('rebuild')")


STEP = Step("search-phone-trigrams", apply)
