"""Databases made by an earlier leadboard are brought up to date on start-up, keeping their cards."""

from __future__ import annotations

import sqlite3

from leadboard.domain.filter import CardFilter
from leadboard.service.setup import close, open_pipeline


def test_an_older_search_index_gains_prefix_indexes_and_still_finds_cards(tmp_path):
    path = tmp_path / "old.db"
    pipeline = open_pipeline(path, "alice")
    card = pipeline.create({"name": "Grace Hopper", "email": "grace@example.com"})
    close()
    # make it look like a database from before migration 3: an index without prefixes
    raw = sqlite3.connect(path)
    raw.execute("DROP TABLE card_search")
    raw.execute("CREATE VIRTUAL TABLE card_search USING fts5(name, company, email, content='card', "
                "content_rowid='id', tokenize='unicode61')")
    raw.execute("INSERT INTO card_search(card_search) VALUES ('rebuild')")
    raw.execute("DELETE FROM schema_version WHERE version >= 3")
    raw.commit()
    raw.close()

    pipeline = open_pipeline(path, "alice")
    sql = sqlite3.connect(path).execute("SELECT sql FROM sqlite_master WHERE name = 'card_search'").fetchone()[0]
    assert "prefix='1 2 3'" in sql
    assert [c.id for c in pipeline.find(card_filter=CardFilter(search="gr"))] == [card.id]
    added = pipeline.create({"name": "Grace Kelly", "email": "kelly@example.com"})  # triggers still feed it
    assert {c.id for c in pipeline.find(card_filter=CardFilter(search="grace"))} == {card.id, added.id}
    close()
