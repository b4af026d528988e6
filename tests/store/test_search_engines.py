"""Search finds the same cards on SQLite (FTS5) and PostgreSQL (trigram-indexed regex): every word
typed must start a word of the name, company, email or phone, in any case; typed text is never syntax;
three or more digits typed (grouped any way) also find the phones that hold them in a row."""

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
    ("946", ["Ada Lovelace"]),  # three digits or more: anywhere in the phone's digits
    ("2079460", ["Ada Lovelace"]),  # the digits run together across groups
    ("ada 946", []),  # not a phone: words must start words
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


@pytest.mark.parametrize("typed", [
    "4155550134", "415 555 0134", "415-555-0134", "555-0134", "5550134", "(415) 555", "+1 415 555 0134",
    "14155550134",
])
def test_a_phone_is_found_by_its_digits_however_they_are_grouped(pipeline: Pipeline, typed: str) -> None:
    pipeline.create({"name": "Maria Lopez", "phone": "+1 (415) 555-0134"})
    pipeline.create({"name": "Rita Lopez", "phone": "+1 (415) 556-0134"})
    assert names(pipeline, typed) == ["Maria Lopez"]


@pytest.mark.parametrize("typed", ["415-555", "415 555", "(415) 555-01", "5550134", "555-0134"])
def test_a_phone_stored_run_together_is_found_by_its_groups(pipeline: Pipeline, typed: str) -> None:
    pipeline.create({"name": "Maria Lopez", "phone": "4155550134"})
    pipeline.create({"name": "Rita Lopez", "phone": "4165550134"})
    found = names(pipeline, typed)
    assert found == (["Maria Lopez", "Rita Lopez"] if typed in ("5550134", "555-0134") else ["Maria Lopez"])


def test_a_phone_edited_or_removed_is_found_by_its_new_digits_only(pipeline: Pipeline) -> None:
    card = pipeline.create({"name": "Maria Lopez", "phone": "+1 (415) 555-0134"})
    card = pipeline.edit(card.id, {"phone": "020 7946 0018"}, version=card.version)
    assert names(pipeline, "4155550134") == []
    assert names(pipeline, "2079460018") == ["Maria Lopez"]
    pipeline.edit(card.id, {"phone": None}, version=card.version)
    assert names(pipeline, "2079460018") == []


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


def test_phone_digits_search_uses_the_index_on_both_engines(people: Pipeline, engine: str) -> None:
    """A digit search is a keystroke too: at a million cards it must read an index, never scan."""
    query = Card.select(Card.id).where(_where(None, CardFilter(search="415-555")))
    sql, params = query.sql()
    with db.database.atomic() as transaction:
        if engine == "postgresql":
            db.database.execute_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(row[0] for row in db.database.execute_sql("EXPLAIN " + sql, params))
        else:
            plan = "\n".join(row[-1] for row in db.database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
        transaction.rollback()
    if engine == "postgresql":
        assert "card_phone_digits_trgm" in plan and "card_search_trgm" in plan
    else:
        assert "VIRTUAL TABLE INDEX" in plan and "SCAN card" not in plan.replace("SCAN card_search", "")
