"""Search finds the same cards on SQLite (FTS5) and PostgreSQL (trigram-indexed regex): every word
typed must start a word of the name, company, email or phone, in any case; typed text is never syntax;
three or more digits typed (grouped any way) also find the phones that hold them in a row."""

from __future__ import annotations

from datetime import datetime

import pytest

from leadboard.domain.filter import CardFilter
from leadboard.domain.stages import Stage
from leadboard.service import Pipeline
from leadboard.store import cards, db
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
    assert sorted(shown(people, typed)[0]) == found  # the board's column, from the newest matches


@pytest.mark.parametrize("spelled_out_at_most", [cards.SPELLED_OUT_AT_MOST, 1])
def test_a_prefix_longer_than_the_index_keeps_finds_every_word_it_starts(
        pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, spelled_out_at_most: int) -> None:
    """Past the three letters the index keeps, SQLite spells a prefix out as the few words it starts
    (or, when there are more, leaves it to FTS5): the same cards either way, as on PostgreSQL."""
    monkeypatch.setattr(cards, "SPELLED_OUT_AT_MOST", spelled_out_at_most)
    for name, email in [("Ann Hopper", "ann@hopperton.example.com"), ("Bo Hoppers", None), ("Cy Hopkins", None),
                        ("Di O'Brien", None), ("Ed Obrienne", None)]:
        pipeline.create({"name": name, "email": email})
    assert names(pipeline, "hopp") == ["Ann Hopper", "Bo Hoppers"]
    assert names(pipeline, "HOPPER") == ["Ann Hopper", "Bo Hoppers"]
    assert names(pipeline, "hoppert") == ["Ann Hopper"]  # the word of her email
    assert names(pipeline, "hoppers") == ["Bo Hoppers"]
    assert names(pipeline, "ann hopp") == ["Ann Hopper"]
    assert names(pipeline, "o'brie") == ["Di O'Brien"]  # "o" then a word starting "brie"
    assert names(pipeline, "obrie") == ["Ed Obrienne"]
    assert names(pipeline, "hoppz") == []
    stats = pipeline.stats(CardFilter(search="hopp"))
    assert sum(s.cards for s in stats.values()) == 2


def shown(pipeline: Pipeline, text: str) -> tuple[list[str], int]:
    """The Contacts column under a search as the board reads it: its first page and its count."""
    stats, pages, _ = pipeline.overview(CardFilter(search=text), 50)
    return [card.name for card in pages[Stage.CONTACT][0]], stats[Stage.CONTACT].cards


@pytest.mark.parametrize("checked_at_most", [cards.CHECKED_AT_MOST, 1])
def test_a_common_long_prefix_shows_the_cards_whose_words_it_starts(
        pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, engine: str, checked_at_most: int) -> None:
    """A prefix past the three letters the index keeps that starts too many words to spell out:
    SQLite reads the newest cards of its first three letters and keeps those whose text has a word
    it starts (or, when plain text cannot tell, as with the folded ö of Höpper, or too few of them
    are kept, leaves it to FTS5): the same cards, newest first, either way. (SQLite's index folds
    accents, PostgreSQL's regex does not: Höpper is found by "hopp" on SQLite only.)"""
    monkeypatch.setattr(cards, "SPELLED_OUT_AT_MOST", 0)
    monkeypatch.setattr(cards, "CHECKED_AT_MOST", checked_at_most)
    for name, company, email in [
        ("Zoë Höpper", None, None), ("Ann Hopper", None, "ann@hopperton.example.com"), ("Bo Hoppers", None, None),
        ("Cy Hopkins", "Hopp-On Ltd", None), ("Di O'Brien", None, None), ("Ed Obrienne", None, None),
        ("Fay Hop", "Shopper Co", "fay@shopper.example.com"), ("Tomás Hopper", None, "tomás.hopper@example.com"),
        ("Ida Hoppé", None, None),
    ]:
        pipeline.create({"name": name, "company": company, "email": email})
    folded = ["Zoë Höpper"] if engine == "sqlite" else []
    hopp = ["Ida Hoppé", "Tomás Hopper", "Cy Hopkins", "Bo Hoppers", "Ann Hopper", *folded]
    assert shown(pipeline, "hopp") == (hopp, len(hopp))
    hoppe = (["Ida Hoppé"] if folded else []) + ["Tomás Hopper", "Bo Hoppers", "Ann Hopper", *folded]
    assert shown(pipeline, "HOPPE") == (hoppe, len(hoppe))
    assert shown(pipeline, "hoppert") == (["Ann Hopper"], 1)  # the word of her email
    assert shown(pipeline, "ann hopp") == (["Ann Hopper"], 1)
    assert shown(pipeline, "o'brie") == (["Di O'Brien"], 1)  # "o" then a word starting "brie", in one field
    assert shown(pipeline, "obrie") == (["Ed Obrienne"], 1)
    assert shown(pipeline, "shopp") == (["Fay Hop"], 1)  # "hopp" inside a word is no match
    assert shown(pipeline, "hoppz") == ([], 0)


def test_a_common_long_prefix_shows_its_newest_matches_and_says_there_are_more(
        pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    """The newest matches of a long prefix are found from the newest cards of its first letters:
    the older ones, and a card whose folded letters only FTS5 can judge, are not read at all."""
    monkeypatch.setattr(cards, "SPELLED_OUT_AT_MOST", 0)
    monkeypatch.setattr(cards, "SEARCH_LIMIT", 2)
    decided = []
    check = cards._checked_matches
    monkeypatch.setattr(cards, "_checked_matches", lambda *args: decided.append(check(*args)) or decided[-1])
    for name, company in [("Zoë Höpper", None), ("Ann Hopper", None), ("Cy Hopkins", None), ("Bo Hoppers", None),
                          ("Al Hopper", None), ("Fay Hop", "Shopper Co")]:
        pipeline.create({"name": name, "company": company})
    assert shown(pipeline, "hopp") == (["Al Hopper", "Bo Hoppers"], 2)  # not Fay: "hopp" inside a word
    assert pipeline.stats(CardFilter(search="hopp"))[Stage.CONTACT].capped
    # SQLite knew the two newest without asking FTS5 for every word "hopp" starts
    assert [matches is not None for matches in decided] == ([True, True] if engine == "sqlite" else [])


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
    assert shown(pipeline, typed) == (["Maria Lopez"], 1)


@pytest.mark.parametrize("typed", ["415-555", "415 555", "(415) 555-01", "5550134", "555-0134"])
def test_a_phone_stored_run_together_is_found_by_its_groups(pipeline: Pipeline, typed: str) -> None:
    pipeline.create({"name": "Maria Lopez", "phone": "4155550134"})
    pipeline.create({"name": "Rita Lopez", "phone": "4165550134"})
    found = names(pipeline, typed)
    assert found == (["Maria Lopez", "Rita Lopez"] if typed in ("5550134", "555-0134") else ["Maria Lopez"])
    assert sorted(shown(pipeline, typed)[0]) == found


def test_typed_digits_show_the_newest_cards_either_index_finds(
        pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    """Digits find a word they start and a phone holding them; the column shows the newest of both
    together, however many each finds."""
    monkeypatch.setattr(cards, "SEARCH_LIMIT", 2)
    pipeline.create({"name": "Ada Lovelace", "phone": "+44 20 7946 0000"})  # both, but the oldest
    pipeline.create({"name": "Cy Young", "company": "7946 Labs"})  # a word only
    pipeline.create({"name": "Bo Diddley", "phone": "0794612345"})  # the phone's digits only
    assert shown(pipeline, "7946") == (["Bo Diddley", "Cy Young"], 2)
    assert pipeline.stats(CardFilter(search="7946"))[Stage.CONTACT].capped


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
        # both full-text indexes (the words', the phone digits'), and no table read whole
        assert "SCAN card_search VIRTUAL TABLE INDEX" in plan and "SCAN card_phone_search VIRTUAL TABLE INDEX" in plan
        assert all("VIRTUAL TABLE INDEX" in line for line in plan.splitlines() if line.startswith("SCAN"))


def test_cards_written_in_bulk_are_found_by_name_and_by_phone_digits_as_one_by_one(pipeline: Pipeline) -> None:
    """The bulk writer (import, demo) fills the search indexes itself, the phone digits' included,
    with exactly what the card's own triggers would have put there; a column that no card of the
    lot fills (here title, budget) is stored empty."""
    now = datetime(2026, 3, 1, 9, 30)
    phones = ["+1 (415) 555-0134", None, "020 7946 0018", "4165550134"]
    rows = [{"stage": "contact", "rank": float(n), "version": 1, "owner": None, "created_at": now,
             "created_by": "alice", "updated_at": now, "updated_by": "alice", "name": f"Bulk Person{n}",
             "kind": "person", "company": "Bulk Co", "email": None, "phone": phone, "title": None, "budget": None,
             "amount": 0, "warnings": ""}
            for n, phone in enumerate(phones)]
    ids = db.in_transaction(lambda: cards.insert_many(rows, now))
    pipeline.create({"name": "One Byone", "phone": "+1 (415) 555-0134"})
    assert names(pipeline, "4155550134") == ["Bulk Person0", "One Byone"]
    assert names(pipeline, "7946 0018") == ["Bulk Person2"]
    assert names(pipeline, "5550134") == ["Bulk Person0", "Bulk Person3", "One Byone"]
    assert names(pipeline, "person1") == ["Bulk Person1"]
    stored = {card.id: (card.phone, card.title, card.budget) for card in Card.select().where(Card.id.in_(ids))}
    assert stored == {card_id: (phone, None, None) for card_id, phone in zip(ids, phones, strict=True)}
    if db.is_sqlite():  # the index holds exactly what the cards' columns give (FTS5 compares them)
        db.database.execute_sql("INSERT INTO card_search(card_search, rank) VALUES ('integrity-check', 1)")
        db.database.execute_sql("INSERT INTO card_phone_search(card_phone_search, rank) VALUES ('integrity-check', 1)")
