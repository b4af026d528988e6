"""A team's own fields in the rules file: how they are declared, refused, read and gated on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from leadboard.domain.card import Card
from leadboard.domain.errors import RulesFileError
from leadboard.domain.rules import default_rules_text, parse_rules
from leadboard.domain.stages import Stage

TODAY = date(2026, 6, 1)

FIELDS = """
[fields.industry]
label = "Industry"
type = "choice"
choices = ["Retail", "Banking"]

[fields.seats]
label = "Seats"
type = "number"

[fields.arr]
label = "Yearly revenue"
type = "money"

[fields.renewal]
label = "Renewal date"
type = "date"

[fields.nda]
label = "NDA signed"
type = "yes/no"

[fields.region]
label = "Region"
"""

GATED = """
[[gates.qualify]]
id = "industry"
severity = "block"
message = "Say which industry they are in."
checks = [{ kind = "one_of", field = "industry", values = ["Retail"] }]

[[gates.qualify]]
id = "arr"
severity = "block"
message = "Record their yearly revenue."
checks = [{ kind = "positive", field = "arr" }]

[[gates.qualify]]
id = "renewal"
severity = "block"
message = "Renewal within a year."
checks = [{ kind = "date_within", field = "renewal", min_days = 0, max_days = 365 }]

[[gates.qualify]]
id = "nda"
severity = "warn"
message = "Get the NDA signed."
checks = [{ kind = "set", field = "nda" }]
"""


def rules_with(extra: str):
    return parse_rules(default_rules_text() + extra, "team.toml")


def test_declared_fields_are_read_from_the_rules_file_with_their_labels_and_types():
    rules = rules_with(FIELDS)
    assert {name: (field.label, field.type) for name, field in rules.fields.items()} == {
        "industry": ("Industry", "choice"), "seats": ("Seats", "number"), "arr": ("Yearly revenue", "money"),
        "renewal": ("Renewal date", "date"), "nda": ("NDA signed", "yes/no"), "region": ("Region", "text"),
    }
    assert rules.fields["industry"].choices == ["Retail", "Banking"]
    assert rules.currency is None
    assert parse_rules('currency = "BRL"\n' + default_rules_text(), "team.toml").currency == "BRL"


@pytest.mark.parametrize(("declaration", "said"), [
    ('[fields.industry]\nlabel = "Industry"\ntype = "colour"\n',
     "fields.industry.type (line 135): unknown type 'colour'; types are text, number, money, date, choice, yes/no."),
    ('[fields.budget]\nlabel = "Budget"\n',
     "fields (line 133): field 'budget' has the name of a card field; give it a name of its own."),
    ('[fields.Stage]\nlabel = "Stage"\n',
     "field 'Stage' has the name of a card field"),
    ('[fields.activity]\nlabel = "Activity"\n',
     "field 'activity' has the name of a card field"),
    ('[fields.industry]\nlabel = "Industry"\ntype = "text"\nchoices = ["Retail"]\n',
     "fields.industry (line 133): choices are for a choice field, and this one is text."),
    ('[fields.industry]\nlabel = "Industry"\ntype = "choice"\n',
     "fields.industry (line 133): a choice field needs its choices"),
    ('[fields.industry]\ntype = "text"\n', "fields.industry.label"),
    ('currency = "usd"\n', "currency (line 1): 'usd' is not a currency code"),
])
def test_a_bad_declaration_is_refused_in_one_sentence_naming_the_field(declaration, said):
    # a top-level setting comes before the tables, a table after them
    text = declaration + default_rules_text() if declaration.startswith("currency") else (
        default_rules_text() + declaration)
    with pytest.raises(RulesFileError) as refused:
        parse_rules(text, "team.toml")
    assert said in str(refused.value)
    assert str(refused.value).startswith("Rules file team.toml: ")
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(("name", "typed", "stored"), [
    ("industry", "banking", "Banking"),
    ("seats", "1,200", "1200"),
    ("seats", "-3", "-3"),
    ("arr", "$22,700.00", "22700"),
    ("arr", "1.234,56", "1234.56"),
    ("arr", "20k", "20000"),
    ("renewal", "2027-03-01", "2027-03-01"),
    ("renewal", "16 Apr, 2027", "2027-04-16"),
    ("nda", "Y", "yes"),
    ("nda", "false", "no"),
    ("region", "  South  ", "South"),
    ("region", "", None),
])
def test_a_declared_value_is_read_by_its_type_and_stored_normalised(name, typed, stored):
    assert rules_with(FIELDS).fields[name].stored(typed) == stored


@pytest.mark.parametrize(("name", "typed", "said"), [
    ("industry", "Farming", "must be one of Retail, Banking"),
    ("seats", "many", "is not a number"),
    ("arr", "-5", "is not an amount"),
    ("arr", "12.3456", "has more than 2 decimal places"),
    ("renewal", "03/04/2027", "is not a date"),
    ("nda", "maybe", "must be yes or no"),
])
def test_a_value_its_type_cannot_hold_is_refused_saying_why(name, typed, said):
    with pytest.raises(ValueError, match=said):
        rules_with(FIELDS).fields[name].stored(typed)


def _card(extra: dict[str, str]) -> Card:
    now = date(2026, 1, 1)
    return Card.model_construct(
        id=1, name="Ann", stage=Stage.CONTACT, version=1, email="ann@example.com", need="CRM",
        budget=Decimal(100), purchase_by=TODAY, authority=True, extra=extra, activity_count=0,
        created_at=now, created_by="a", updated_at=now, updated_by="a",
    )


def test_gate_rules_check_declared_fields_and_name_them_when_they_fail():
    rules = rules_with(FIELDS + GATED)
    failed = {f.rule_id: f.fields for f in rules.check(_card({}), Stage.LEAD, TODAY)}
    assert failed == {"industry": ("industry",), "arr": ("arr",), "renewal": ("renewal",), "nda": ("nda",)}
    good = _card({"industry": "Retail", "arr": "5000", "renewal": "2026-09-01", "nda": "yes"})
    assert rules.check(good, Stage.LEAD, TODAY) == []
    wrong = _card({"industry": "Banking", "arr": "0", "renewal": "2029-01-01", "nda": "no"})
    assert {f.rule_id for f in rules.check(wrong, Stage.LEAD, TODAY)} == {"industry", "arr", "renewal", "nda"}


def test_a_value_kept_as_text_by_an_import_counts_as_unset_for_the_gates():
    rules = rules_with(FIELDS + GATED)
    kept = _card({"industry": "Retail", "arr": "lots", "renewal": "someday", "nda": "yes"})
    assert {f.rule_id for f in rules.check(kept, Stage.LEAD, TODAY)} == {"arr", "renewal"}


@pytest.mark.parametrize(("check", "said"), [
    ('{ kind = "set", field = "sector" }', "there is no card field or declared field 'sector'"),
    ('{ kind = "positive", field = "industry" }', "'industry' is not an amount"),
    ('{ kind = "date_within", field = "arr", max_days = 3 }', "'arr' is not a date"),
    ('{ kind = "one_of", field = "industry", values = ["Farming"] }', "'Farming' is not a value of 'industry'"),
    ('{ kind = "one_of", field = "arr", values = ["1"] }', "'arr' is a date or an amount"),
])
def test_a_gate_check_on_a_declared_field_is_checked_against_its_type(check, said):
    gate = f'\n[[gates.win]]\nid = "mine"\nseverity = "block"\nmessage = "m"\nchecks = [{check}]\n'
    with pytest.raises(RulesFileError, match="gate win, rule mine") as refused:
        rules_with(FIELDS + gate)
    assert said in str(refused.value)


@pytest.mark.parametrize(("said", "row", "team", "other"), [
    ("EUR", None, "USD", "EUR"),
    ("USD", "EUR", "USD", None),  # the amount's own text says it first
    ("$", None, "USD", None),
    ("$", None, "CAD", None),
    ("$", None, "BRL", "$"),
    ("BRL", None, "BRL", None),
    (None, "eur ", "USD", "EUR"),
    (None, "USD", "USD", None),
    (None, None, "USD", None),
    (None, "", "USD", None),
])
def test_an_amount_is_in_another_currency_when_its_text_or_its_row_says_so(said, row, team, other):
    from leadboard.domain.values import other_currency

    assert other_currency(said, row, team) == other
