"""The plan of an import on plain rows, with no database: which rows become cards, which are a card
already there (skipped, or updated with ``--update``), which are rejected, and what is counted. The
board is two functions here: which stored card a row's keys name, and that card's fields."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal
from typing import Any

from leadboard.domain.card import Card, validate_fields
from leadboard.domain.rules import default_rules_text, parse_rules
from leadboard.domain.stages import Stage
from leadboard.service.transfer.columns import parse_stage_map, plan_columns
from leadboard.service.transfer.plan import CardIndex, Plan, Planner, Standing, survey
from leadboard.service.transfer.reading import Record
from leadboard.service.transfer.rows import Placed, Rejected, RowReader

NOW = datetime(2026, 3, 2, 9, 30)
HEADER = ["Name", "Email", "Phone", "Company", "Stage", "Amount", "Lead Source"]


def _read(rows: list[list[str]], update: bool = False, first: int = 0) -> list[Placed | Rejected | None]:
    rules = parse_rules(default_rules_text(), "rules.toml")
    reader = RowReader(plan_columns(HEADER, {}, rules), parse_stage_map(["hot=lead"]), rules, "alice", NOW,
                       NOW.date(), False, "crm.csv", keep_for_update=update)
    return [reader.read(Record(first + n, first + n + 2, cells)) for n, cells in enumerate(rows)]


def _stored(card_id: int, **fields: Any) -> Card:
    valid = validate_fields(fields).model_dump()
    return Card.model_construct(**valid, id=card_id, stage=Stage.CONTACT, version=1, created_at=NOW,
                                created_by="bob", updated_at=NOW, updated_by="bob", extra={}, source_id=None,
                                activity_count=0, warnings=[])


class Board:
    """The cards the board has, as the plan sees them: looked up by email, read by id."""

    def __init__(self, *cards: Card):
        self.cards = {card.id: card for card in cards}
        self.read_ids: list[int] = []

    def look_up(self, placed: list[Placed]) -> CardIndex:
        by_email = {card.email: card.id for card in self.cards.values() if card.email}
        return CardIndex(email={p.email_key: by_email[p.email_key] for p in placed if p.email_key in by_email})

    def read(self, card_id: int) -> Card | None:
        self.read_ids.append(card_id)
        return self.cards.get(card_id)

    def plan(self, planner: Planner, items: list[Placed | Rejected | None]) -> Plan:
        return planner.plan(items, self.look_up, self.read)


ROWS = [
    ["Ann Smith", "ann@example.com", "+44 20 7946 0000", "Acme", "hot", "$1,200.00", "Fair"],
    ["Ann Smith", "ANN@example.com", "+44 20 7946 0001", "Acme", "hot", "", ""],  # the same person again
    ["Bob Jones", "bob@example.com", "ext. 101", "", "", "", ""],  # on the board already; a phone kept as text
    ["", "", "", "", "", "", ""],  # blank
    ["", "", "", "", "lead", "", "Web"],  # nothing to call a card by
    ["Cy Young", "cy@example.com", "", "Young Ltd", "closed won", "500", ""],
]


def test_rows_become_new_cards_duplicates_skipped_and_rejects_without_a_database():
    board = Board(_stored(7, name="Bob Jones", email="bob@example.com"))

    plan = board.plan(Planner(update=False), _read(ROWS))

    assert [item.values["name"] for item in plan.new] == ["Ann Smith", "Cy Young"]
    assert [item.stage for item in plan.new] == [Stage.LEAD.value, Stage.ACCOUNT.value]
    assert plan.new[0].values["amount"] == "1200.00" and plan.new[0].values["extra"] == '{"Lead Source": "Fair"}'
    assert plan.updates == []
    assert [rejected.reason for rejected in plan.rejected] == [
        "line 6: the row has no name, company or email to call its card by"]
    tally = plan.tally
    assert (tally.imported, tally.updated, tally.skipped, tally.rejected, tally.blank) == (2, 0, 2, 1, 1)
    assert tally.stages == {"lead": 1, "account": 1}
    # accepted warnings are counted per rule, as the summary lists them
    assert tally.with_warnings == 2 and tally.warned["need"] == 2
    assert board.read_ids == []  # without --update, no stored card is read


def test_with_update_a_row_changes_its_card_or_is_counted_as_nothing_new():
    board = Board(_stored(7, name="Bob Jones", email="bob@example.com", need="CRM"),
                  _stored(8, name="Cy Young", email="cy@example.com", company="Young Ltd", value=Decimal(500)))

    plan = board.plan(Planner(update=True), _read(ROWS, update=True))

    # Ann is new, and her second row updates the card her first row makes
    assert [item.values["name"] for item in plan.new] == ["Ann Smith"]
    ann, bob = plan.updates
    assert (ann.target.card_id, ann.target.row, ann.values["phone"]) == (None, 0, "+44 20 7946 0001")
    # Bob's phone could not be read: kept as text in his extras, his need left as it was
    assert bob.target.card_id == 7
    assert (bob.values["need"], bob.values["phone"], bob.values["extra"]) == ("CRM", None, '{"Phone": "ext. 101"}')
    # Cy's row says nothing his card does not: skipped, like a duplicate
    tally = plan.tally
    assert (tally.imported, tally.updated, tally.skipped, tally.rejected) == (1, 2, 1, 1)
    assert sorted(board.read_ids) == [7, 8]


def test_an_update_the_card_s_fields_refuse_rejects_its_row():
    # a row read on its own is valid; what it gives may still not fit its card (here, as if read
    # under other rules: a budget below zero)
    board = Board(_stored(7, name="Bob Jones", email="bob@example.com"))
    [item] = _read([["Bob Jones", "bob@example.com", "", "", "", "", ""]], update=True)
    assert isinstance(item, Placed)
    item = item._replace(given={"budget": "-5"})

    plan = board.plan(Planner(update=True), [item])

    [rejected] = plan.rejected
    assert rejected.reason.startswith("line 2: updating card 7: budget")
    assert (plan.tally.updated, plan.tally.rejected) == (0, 1)


def test_an_update_of_a_card_planned_from_an_earlier_row_names_that_row_s_line_when_refused():
    first, again = _read(ROWS[:2], update=True)
    assert isinstance(again, Placed)
    again = again._replace(given={"budget": "-5"})

    plan = Board().plan(Planner(update=True), [first, again])

    [rejected] = plan.rejected
    assert rejected.reason.startswith("line 3: updating the card of line 2: budget")
    assert (plan.tally.imported, plan.tally.rejected) == (1, 1)


def test_a_dry_run_s_planner_remembers_the_cards_it_planned_and_a_real_run_s_looks_them_up():
    first, again = _read(ROWS[:1]), _read(ROWS[:1], first=10_000)
    remembering, forgetting = Planner(update=False, remember=True), Planner(update=False)
    board = Board()

    assert board.plan(remembering, first).tally.imported == 1
    assert (board.plan(remembering, again).tally.imported, board.plan(remembering, again).tally.skipped) == (0, 1)
    # the real run's planner relies on its look-ups: the writer has stored the first card by then
    board.plan(forgetting, first)
    assert board.plan(forgetting, again).tally.imported == 1


def test_a_planned_card_reads_its_fields_as_the_writer_stores_them():
    [item] = _read([["Ann Smith", "ann@example.com", "", "Acme", "hot", "$1,200.00", "Fair"]])
    assert isinstance(item, Placed)
    standing = Standing(row=item.number, item=item)
    fields = standing.fields()
    assert fields is not None
    assert (fields["value"], fields["company"], fields["owner"]) == (Decimal("1200.00"), "Acme", "alice")
    assert (standing.extra, standing.source_id) == ({"Lead Source": "Fair"}, None)


def test_the_survey_names_unknown_stages_ambiguous_date_columns_and_owners_before_any_row_is_planned():
    rules = parse_rules(default_rules_text(), "rules.toml")
    header = ["Name", "Stage", "Close Date", "Created At", "Owner"]
    reader = RowReader(plan_columns(header, {}, rules), parse_stage_map(["hot=lead"]), rules, "alice", NOW,
                       NOW.date(), False, "crm.csv")
    rows = [["Ann", "hot", "03/04/2026", "2026-01-02", "bob"],
            ["Bea", "Warm-ish", "05/06/2026", "13/01/2026", "bob"],
            ["Cy", "Warm-ish", "", "", "carol"],
            ["Dee", "Frozen", "", "", ""]]
    owners: Counter[str] = Counter()

    unknown, ambiguous = survey((Record(n, n + 2, cells) for n, cells in enumerate(rows)), reader, None, owners)

    assert unknown == Counter({"Warm-ish": 2, "Frozen": 1})
    assert ambiguous == ["Close Date"]  # no day above 12 decides it; Created At's 13/01 does
    assert owners == Counter({"bob": 2, "carol": 1})
    placed = reader.read(Record(5, 7, ["Eve", "hot", "", "03/02/2026", ""]))  # read day first, as the survey found
    assert isinstance(placed, Placed) and placed.values["created_at"].startswith("2026-02-03")
