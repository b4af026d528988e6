"""Search finds the same cards on SQLite (FTS5) and PostgreSQL (trigram-indexed regex): every word
typed must start a word of the name, company, email or phone, in any case; typed text is never syntax."""

from __future__ import annotations

import pytest

from leadboard.domain.filter import CardFilter
from leadboard.service import Pipeline
from leadboard.store import db
from leadboard.store.cards import _where
from leadboard.store.models import Card


@pytest.fixture
def people(pipeline: Pipeline) -> Pipeline:
    for name, company, email, phone in [
        ("Ada Lovelace", "Analytical Engines Ltd", "ada@engines.example.com", "+44 20 7946 0000"),
        ("Grace Hopper", "Navy Systems", "grace.hopper@navy.example.com", "(555) 010-4477"),
        ("Alan Turing", "Bletchley (Park) Co.", "alan@bletchley.example.org", None),
        ("Tomás O'Brien", "Copper Kettle", "tob@kettle.example.com", None),
    ]:
        pipeline.create({"name": name, "company": company, "email": email, "phone": phone})
    return pipeline


def names(pipeline: Pipeline, text: str) -> list[str]:
    return sorted(card.name for card in pipeline.find(card_filter=CardFilter(search=text)))


@pytest.mark.parametrize(("typed", "found"), [
    ("lov", ["Ada Lovelace"]),
    ("LOVELACE", ["Ada Lovelace"]),
    ("ada engines", ["Ada Lovelace"]),
    ("hopper navy", ["Grace Hopper"]),
    ("navy", ["Grace Hopper"]),
    ("bletchley", ["Alan Turing"]),
    ("brien", ["Tomás O'Brien"]),
    ("a", ["Ada Lovelace", "Alan Turing"]),
    ("velace", []),  # inside a word, not at its start
    ("ada grace", []),  # every word must match the same card
    ("o'brien", ["Tomás O'Brien"]),
    ("(park", ["Alan Turing"]),
    ("grace.hop", ["Grace Hopper"]),
    ("ada %", ["Ada Lovelace"]),  # a word without letters or digits is no word
    ("7946", ["Ada Lovelace"]),  # a group of a phone's digits
    ("+44 20 79", ["Ada Lovelace"]),  # the phone as written, up to where the typing stopped
    ("010-44", ["Grace Hopper"]),
    ("555", ["Grace Hopper"]),
    ("0000 ada", ["Ada Lovelace"]),
    ("46", []),  # inside a group, not at its start
])
def test_search_matches_the_start_of_words(people: Pipeline, typed: str, found: list[str]) -> None:
    assert names(people, typed) == found


@pytest.mark.parametrize(("typed", "found"), [
    ('"', []), ("%_", []), ("\\", []), ("*", []),
    ("a.*", ["Ada Lovelace", "Alan Turing"]),
    ("ada) OR (1", []),
    ("a|b", []),
    ("[lov", ["Ada Lovelace"]),
    ("NEAR(ada", []),  # one phrase: "near" then "ada"
    ('"grace" "hop', ["Grace Hopper"]),
])
def test_typed_punctuation_is_text_never_query_syntax(people: Pipeline, typed: str, found: list[str]) -> None:
    assert names(people, typed) == found


def test_search_counts_agree_with_search_results(people: Pipeline) -> None:
    stats = people.stats(CardFilter(search="a"))
    assert sum(s.cards for s in stats.values()) == len(names(people, "a"))


def test_postgresql_search_uses_the_trigram_index(people: Pipeline, engine: str) -> None:
    if engine != "postgresql":
        pytest.skip("SQLite searches through its FTS5 table")
    query = Card.select(Card.id).where(_where(None, CardFilter(search="lovelace")))
    sql, params = query.sql()
    with db.database.atomic() as transaction:
        db.database.execute_sql("SET LOCAL enable_seqscan = off")
        plan = "\n".join(row[0] for row in db.database.execute_sql("EXPLAIN " + sql, params))
        transaction.rollback()
    assert "card_search_trgm" in plan
