"""What the board reads: column pages in rank order (from either end), kept totals that always
equal a recount, search, and positions."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from leadboard.domain.filter import NO_FILTER, CardFilter
from leadboard.domain.stages import Stage


def recount(pipeline, card_filter: CardFilter = NO_FILTER) -> dict[Stage, tuple[int, Decimal]]:
    """Cards and value per stage, counted the slow way from every card."""
    counted: dict[Stage, tuple[int, Decimal]] = defaultdict(lambda: (0, Decimal(0)))
    for card in pipeline.find(card_filter=card_filter):
        cards, amount = counted[card.stage]
        counted[card.stage] = (cards + 1, amount + (card.amount or Decimal(0)))
    return {stage: counted[stage] for stage in Stage}


def totals(pipeline, card_filter: CardFilter = NO_FILTER) -> dict[Stage, tuple[int, Decimal]]:
    return {stage: (s.cards, s.amount) for stage, s in pipeline.stats(card_filter).items()}


def test_column_totals_equal_a_recount_after_moves_and_edits(pipeline, bob, walk):
    grace = walk.contact("Grace Hopper", budget="1200.10")
    alan = walk.lead("Alan Turing")
    ada = walk.opportunity("Ada Lovelace")
    ken = walk.account("Ken Thompson")
    walk.contact("Barbara Liskov", budget="0.20", owner="bob")
    walk.contact("Dennis Ritchie", budget="0.10")
    assert totals(pipeline) == recount(pipeline)

    pipeline.edit(grace.id, {"budget": "999.99"})              # amount changes in place
    pipeline.edit(ada.id, {"value": "30000.05"})                # value wins over budget
    pipeline.edit(ada.id, {"value": None})                      # and budget counts again when it goes
    pipeline.reassign(alan.id, "bob")                           # owner changes
    bob.lose(alan.id, "Went silent")                            # stage changes
    pipeline.demote(ken.id, "Contract renegotiated")
    pipeline.lose(grace.id, "No budget")
    pipeline.reopen(grace.id)
    pipeline.undo()                                             # grace lost again
    pipeline.promote(ada.id, {"value": "25000", "contract_signed_on": ken.contract_signed_on,
                              "payment_terms": "Net 45"})

    assert totals(pipeline) == recount(pipeline)
    for owner in ("alice", "bob", "nobody"):
        by_owner = CardFilter(owner=owner)
        assert totals(pipeline, by_owner) == recount(pipeline, by_owner)
    searched = CardFilter(search="a")
    assert totals(pipeline, searched) == recount(pipeline, searched)


def test_weighted_value_uses_the_stage_probability(pipeline, walk):
    walk.lead("Alan Turing")  # budget 20000 from the qualify fields
    lead = pipeline.stats()[Stage.LEAD]
    assert lead.amount == Decimal(20000)
    assert lead.weighted == Decimal("4000.00")  # 20 % for leads in the default rules


@pytest.fixture
def column(pipeline, walk, fields):
    """Twenty-three contacts, some moved away and back, so ranks are not simply ids."""
    cards = [walk.contact(f"Person {n:02}") for n in range(23)]
    for card in cards[::4]:
        pipeline.promote(card.id, fields["qualify"]())
    for card in cards[::8]:
        pipeline.demote(card.id, "Back to nurture")
    return Stage.CONTACT


def test_a_new_or_moved_card_goes_to_the_top_of_its_column(pipeline, walk, fields, column):
    newest = walk.contact("Newest")
    assert pipeline.column_page(column, 0, 1)[0].id == newest.id
    moved = pipeline.promote(newest.id, fields["qualify"]())
    assert pipeline.column_page(Stage.LEAD, 0, 1)[0].id == moved.card.id


def test_pages_read_in_order_match_one_full_read(pipeline, column):
    total = pipeline.stats()[column].cards
    everything = [c.id for c in pipeline.column_page(column, 0, total + 10)]
    assert len(everything) == total == 20  # 23 made, 6 promoted, 3 of them demoted back
    paged = [c.id for offset in range(0, total, 5) for c in pipeline.column_page(column, offset, 5)]
    assert paged == everything


def test_deep_pages_read_from_the_far_end_match_a_full_read(pipeline, column):
    total = pipeline.stats()[column].cards
    everything = pipeline.column_page(column, 0, total)
    for offset in range(total + 2):
        for limit in (1, 4, 7):
            page = pipeline.column_page(column, offset, limit, total=total)
            assert page == everything[offset:offset + limit], (offset, limit)


def test_position_is_the_index_in_the_column(pipeline, column):
    everything = pipeline.column_page(column, 0, 100)
    assert [pipeline.position(c.id) for c in everything] == list(range(len(everything)))
    assert pipeline.position(999_999) is None


def test_column_pages_respect_owner_and_search(pipeline, walk):
    walk.contact("Grace Hopper", owner="bob")
    walk.contact("Grace Kelly")
    walk.contact("Alan Turing", owner="bob")
    page = pipeline.column_page(Stage.CONTACT, 0, 10, CardFilter(owner="bob", search="gra"))
    assert [c.name for c in page] == ["Grace Hopper"]


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("gra", ["Grace Hopper"]),                # name prefix
        ("HOPPER", ["Grace Hopper"]),             # any word, any case
        ("navy", ["Grace Hopper"]),               # company prefix
        ("bletch", ["Alan Turing"]),
        ("alan.t", ["Alan Turing"]),              # email prefix
        ("turing@bletchley", ["Alan Turing"]),
        ("grace navy", ["Grace Hopper"]),         # every word must match
        ("grace bletchley", []),
        ("ace", []),                              # prefixes, not the middle of words
        ('"; DROP TABLE card; --', []),           # user text is never query syntax
        ("*", []),
    ],
)
def test_search_by_name_company_or_email_prefix(pipeline, walk, search, found):
    walk.contact("Grace Hopper", company="Navy Labs", email="grace@navy.example.com")
    walk.contact("Alan Turing", company="Bletchley Park", email="alan.turing@bletchley.example.org")
    assert [c.name for c in pipeline.find(card_filter=CardFilter(search=search))] == found
    assert pipeline.card(1).name == "Grace Hopper"  # and the table is still there


def test_a_search_lists_matches_newest_first_and_its_counts_agree(pipeline, walk):
    older = walk.contact("Grace Hopper")
    newer = walk.contact("Grace Kelly")
    walk.contact("Alan Turing")
    grace = CardFilter(search="grace")
    page = pipeline.column_page(Stage.CONTACT, 0, 10, grace)
    assert [c.id for c in page] == [newer.id, older.id]
    assert [pipeline.position(c.id, grace) for c in page] == [0, 1]
    stats = pipeline.stats(grace)
    assert (stats[Stage.CONTACT].cards, stats[Stage.CONTACT].capped) == (2, False)


def test_a_broad_search_shows_only_its_newest_matches_and_says_there_are_more(pipeline, walk, monkeypatch):
    from leadboard.store import cards

    monkeypatch.setattr(cards, "SEARCH_LIMIT", 3)
    made = [walk.contact(f"Grace {n}") for n in range(5)]
    stats = pipeline.stats(CardFilter(search="grace"))
    assert (stats[Stage.CONTACT].cards, stats[Stage.CONTACT].capped) == (3, True)
    page = pipeline.column_page(Stage.CONTACT, 0, 10, CardFilter(search="grace"))
    assert [c.id for c in page][:3] == [c.id for c in reversed(made)][:3]
    unfiltered = pipeline.stats()
    assert (unfiltered[Stage.CONTACT].cards, unfiltered[Stage.CONTACT].capped) == (5, False)


@pytest.mark.parametrize("card_filter", [CardFilter(), CardFilter(owner="bob"), CardFilter(search="grace"),
                                         CardFilter(owner="bob", search="gr")])
def test_the_overview_is_the_stats_and_first_page_of_every_column(pipeline, walk, card_filter):
    walk.contact("Grace Hopper", owner="bob")
    walk.lead("Grace Kelly")
    walk.opportunity("Alan Turing", owner="bob")
    walk.account("Grace Brewster")
    kept = {Stage.CONTACT: walk.contact("Grace Newer").id, Stage.LEAD: walk.lead("Alan Kay", owner="bob").id}
    stats, pages, positions = pipeline.overview(card_filter, 2, kept)
    assert stats == pipeline.stats(card_filter)
    for stage, numbered in pages.items():
        assert numbered == {0: pipeline.column_page(stage, 0, 2, card_filter, stats[stage].cards)}
    # each column's cursor card is where the column shows it, or where it would be if it does not match
    assert positions == {stage: pipeline.position(card_id, card_filter) for stage, card_id in kept.items()}


@pytest.mark.parametrize("card_filter", [CardFilter(), CardFilter(search="grace")])
def test_the_overview_holds_the_page_a_deep_cursor_is_on(pipeline, walk, card_filter):
    """The board's cursor stays on its card when a filter changes: the overview brings the page the
    card is on along with the first, so the column can draw it at once."""
    deep = walk.contact("Grace Deep")
    for n in range(4):
        walk.contact(f"Grace {n}")
    walk.lead("Grace Kelly")
    stats, pages, positions = pipeline.overview(card_filter, 2, {Stage.CONTACT: deep.id})
    assert positions == {Stage.CONTACT: 4}
    assert pages[Stage.CONTACT] == {number: pipeline.column_page(Stage.CONTACT, number * 2, 2, card_filter,
                                                                 stats[Stage.CONTACT].cards) for number in (0, 2)}
    assert [card.name for card in pages[Stage.CONTACT][2]] == ["Grace Deep"]
    assert list(pages[Stage.LEAD]) == [0]


def test_a_column_under_a_broad_search_holds_just_the_matches_its_header_counts(pipeline, walk, monkeypatch):
    from leadboard.store import cards

    monkeypatch.setattr(cards, "SEARCH_LIMIT", 4)
    oldest, older, old = (walk.contact(f"Grace {n}") for n in range(3))
    walk.lead("Grace Kelly")
    newest = walk.contact("Grace Newest")
    grace = CardFilter(search="grace")
    stats = pipeline.stats(grace)
    assert (stats[Stage.CONTACT].cards, stats[Stage.CONTACT].capped) == (3, True)
    # the newest four matches across the board: three of them contacts, the oldest contact is not shown
    assert [c.id for c in pipeline.column_page(Stage.CONTACT, 0, 10, grace)] == [newest.id, old.id, older.id]
    assert [c.id for c in pipeline.column_page(Stage.CONTACT, 1, 10, grace)] == [old.id, older.id]
    assert [pipeline.position(c.id, grace) for c in (newest, old, older, oldest)] == [0, 1, 2, 3]


def test_search_follows_edits_and_finds_lost_cards(pipeline, walk):
    card = walk.contact("Grace Hopper")
    pipeline.edit(card.id, {"name": "Grace Brewster", "company": "Vassar"})
    assert [c.id for c in pipeline.find(card_filter=CardFilter(search="hopper"))] == []
    assert [c.id for c in pipeline.find(card_filter=CardFilter(search="brew"))] == [card.id]
    pipeline.lose(card.id, "Went silent")
    assert [c.id for c in pipeline.find(Stage.LOST, CardFilter(search="vassar"))] == [card.id]


def test_history_and_activities_are_kept_per_card(pipeline, walk):
    card = walk.opportunity()
    other = walk.lead()
    pipeline.log_activity(card.id, "note", "Prefers email")
    assert [a.kind.value for a in pipeline.activities(card.id)] == ["call", "note"]
    assert [m.to_stage for m in pipeline.history(card.id)] == [Stage.CONTACT, Stage.LEAD, Stage.OPPORTUNITY]
    assert all(m.card_id == other.id for m in pipeline.history(other.id))
