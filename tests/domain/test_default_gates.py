"""Every rule of the default rules file, passing and failing, as a salesperson meets it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from leadboard.domain.rules import RuleFailure
from leadboard.domain.stages import Stage

#: a fixed "today" so every date in these tests means the same thing on any day they run
TODAY = date(2025, 6, 16)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


#: a contact that meets every qualify rule
QUALIFIED: dict[str, Any] = {
    "name": "Grace Hopper",
    "company": "Navy Labs",
    "email": "grace@example.com",
    "need": "Fleet telematics for 40 vans",
    "budget": "25000",
    "purchase_by": days(60),
    "authority": True,
}
#: a lead that meets every develop rule once one activity is logged
DEVELOPED: dict[str, Any] = QUALIFIED | {
    "requirements": "EU hosting, SSO, audit log",
    "supplier": "dropped",
    "value": "18000",
    "close_by": days(45),
    "terms": "Annual licence, net 30",
    "decision_maker": "Ada Lovelace (CFO)",
}
#: an opportunity that meets every win rule
WON: dict[str, Any] = DEVELOPED | {"contract_signed_on": days(-2), "payment_terms": "Net 30"}


@pytest.fixture
def failures(rules, card):
    """``failures(Stage.LEAD, QUALIFIED, need=None)`` -> {rule id: failure} for that gate."""

    def check(into: Stage, base: dict[str, Any], activities: int = 0,
              **changes: Any) -> dict[str, RuleFailure]:
        found = rules.check(card(base, activities=activities, **changes), into, today=TODAY)
        return {failure.rule_id: failure for failure in found}

    return check


# ---- qualify: contact -> lead -----------------------------------------------------------------


def test_qualified_contact_passes_every_qualify_rule(failures):
    assert failures(Stage.LEAD, QUALIFIED) == {}


def test_contact_with_no_email_and_no_phone_is_not_reachable(failures):
    failed = failures(Stage.LEAD, QUALIFIED, email=None)
    assert list(failed) == ["reachable"]
    assert failed["reachable"].blocking
    assert failed["reachable"].fields == ("email", "phone")


@pytest.mark.parametrize("way", [{"email": "grace@example.com"}, {"phone": "+44 20 7946 0018"}])
def test_one_way_to_reach_them_is_enough(failures, way):
    assert failures(Stage.LEAD, QUALIFIED | {"email": None} | way) == {}


def test_contact_without_a_written_need_cannot_become_a_lead(failures):
    failed = failures(Stage.LEAD, QUALIFIED, need=None)
    assert list(failed) == ["need"]
    assert failed["need"].blocking and failed["need"].fields == ("need",)


@pytest.mark.parametrize("budget", [None, "0"])
def test_contact_without_a_budget_above_zero_cannot_become_a_lead(failures, budget):
    failed = failures(Stage.LEAD, QUALIFIED, budget=budget)
    assert list(failed) == ["budget"]
    assert failed["budget"].blocking and failed["budget"].fields == ("budget",)


def test_a_budget_of_one_cent_is_a_budget(failures):
    assert failures(Stage.LEAD, QUALIFIED, budget="0.01") == {}


@pytest.mark.parametrize(
    "purchase_by",
    [None, days(-1), days(366), days(3000)],
    ids=["no date", "yesterday", "366 days ahead", "years ahead"],
)
def test_contact_not_buying_within_a_year_from_today_has_no_timeline(failures, purchase_by):
    failed = failures(Stage.LEAD, QUALIFIED, purchase_by=purchase_by)
    assert list(failed) == ["timeline"]
    assert failed["timeline"].blocking and failed["timeline"].fields == ("purchase_by",)


@pytest.mark.parametrize("purchase_by", [days(0), days(1), days(365)], ids=["today", "tomorrow", "365 days"])
def test_contact_buying_from_today_up_to_a_year_ahead_has_a_timeline(failures, purchase_by):
    assert failures(Stage.LEAD, QUALIFIED, purchase_by=purchase_by) == {}


@pytest.mark.parametrize("authority", [None, False], ids=["unknown", "no"])
def test_contact_who_cannot_decide_is_only_a_warning(failures, authority):
    failed = failures(Stage.LEAD, QUALIFIED, authority=authority)
    assert list(failed) == ["authority"]
    assert failed["authority"].severity == "warn"
    assert not failed["authority"].blocking
    assert failed["authority"].fields == ("authority",)


# ---- develop: lead -> opportunity -------------------------------------------------------------


def test_developed_lead_with_an_activity_passes_every_develop_rule(failures):
    assert failures(Stage.OPPORTUNITY, DEVELOPED, activities=1) == {}


def test_lead_nobody_has_talked_to_has_no_relationship(failures):
    failed = failures(Stage.OPPORTUNITY, DEVELOPED, activities=0)
    assert list(failed) == ["relationship"]
    assert failed["relationship"].blocking
    # logging an activity, not a field, is what fixes it
    assert failed["relationship"].fields == ("activity",)


def test_lead_without_written_requirements_cannot_become_an_opportunity(failures):
    failed = failures(Stage.OPPORTUNITY, DEVELOPED, activities=1, requirements=None)
    assert list(failed) == ["requirements"]
    assert failed["requirements"].fields == ("requirements",)


@pytest.mark.parametrize("supplier", [None, "current"], ids=["unknown", "still with them"])
def test_lead_still_tied_to_a_supplier_cannot_become_an_opportunity(failures, supplier):
    failed = failures(Stage.OPPORTUNITY, DEVELOPED, activities=1, supplier=supplier)
    assert list(failed) == ["supplier"]
    assert failed["supplier"].blocking and failed["supplier"].fields == ("supplier",)


@pytest.mark.parametrize("supplier", ["none", "dropped"])
def test_lead_with_no_supplier_or_a_dropped_one_passes_the_supplier_rule(failures, supplier):
    assert failures(Stage.OPPORTUNITY, DEVELOPED, activities=1, supplier=supplier) == {}


@pytest.mark.parametrize(
    ("missing", "asks_for"),
    [
        ({"value": None}, ("value",)),
        ({"value": "0"}, ("value",)),
        ({"close_by": None}, ("close_by",)),
        ({"terms": None}, ("terms",)),
        ({"value": None, "close_by": None, "terms": None}, ("value", "close_by", "terms")),
    ],
    ids=["no value", "zero value", "no close date", "no terms", "nothing"],
)
def test_terms_rule_asks_for_exactly_the_parts_that_are_missing(failures, missing, asks_for):
    failed = failures(Stage.OPPORTUNITY, DEVELOPED, activities=1, **missing)
    assert list(failed) == ["terms"]
    assert failed["terms"].blocking
    assert failed["terms"].fields == asks_for


def test_unknown_decision_maker_is_only_a_warning(failures):
    failed = failures(Stage.OPPORTUNITY, DEVELOPED, activities=1, decision_maker=None)
    assert list(failed) == ["decision_maker"]
    assert not failed["decision_maker"].blocking
    assert failed["decision_maker"].fields == ("decision_maker",)


# ---- win: opportunity -> account --------------------------------------------------------------


def test_signed_opportunity_passes_every_win_rule(failures):
    assert failures(Stage.ACCOUNT, WON, activities=1) == {}


@pytest.mark.parametrize("signed_on", [None, days(1), days(30)], ids=["unsigned", "tomorrow", "next month"])
def test_opportunity_without_a_contract_signed_by_today_is_not_won(failures, signed_on):
    failed = failures(Stage.ACCOUNT, WON, activities=1, contract_signed_on=signed_on)
    assert list(failed) == ["contract"]
    assert failed["contract"].blocking and failed["contract"].fields == ("contract_signed_on",)


@pytest.mark.parametrize("signed_on", [days(0), days(-400)], ids=["today", "long ago"])
def test_contract_signed_today_or_earlier_wins(failures, signed_on):
    assert failures(Stage.ACCOUNT, WON, activities=1, contract_signed_on=signed_on) == {}


def test_opportunity_without_payment_terms_is_not_won(failures):
    failed = failures(Stage.ACCOUNT, WON, activities=1, payment_terms=None)
    assert list(failed) == ["payment_terms"]
    assert failed["payment_terms"].fields == ("payment_terms",)


@pytest.mark.parametrize("value", [None, "0"])
def test_opportunity_without_a_final_value_is_not_won(failures, value):
    failed = failures(Stage.ACCOUNT, WON, activities=1, value=value)
    assert list(failed) == ["value"]
    assert failed["value"].blocking and failed["value"].fields == ("value",)


# ---- what a check returns ---------------------------------------------------------------------


def test_check_returns_every_failed_rule_not_just_the_first(rules, card):
    bare = card({"name": "Nobody Yet"})
    found = rules.check(bare, Stage.LEAD, today=TODAY)
    assert [(f.rule_id, f.severity, f.fields) for f in found] == [
        ("reachable", "block", ("email", "phone")),
        ("need", "block", ("need",)),
        ("budget", "block", ("budget",)),
        ("timeline", "block", ("purchase_by",)),
        ("authority", "warn", ("authority",)),
    ]
    # each failure carries the rule's own sentence from the rules file
    messages = {rule.id: rule.message for rule in rules.gate("qualify")}
    assert {f.rule_id: f.message for f in found} == messages
    assert str(found[0]) == f"reachable: {messages['reachable']}"


def test_every_develop_and_win_rule_fails_together_on_an_empty_card(rules, card):
    bare = card({"name": "Nobody Yet"})
    assert [f.rule_id for f in rules.check(bare, Stage.OPPORTUNITY, today=TODAY)] == [
        "relationship", "requirements", "supplier", "terms", "decision_maker",
    ]
    assert [f.rule_id for f in rules.check(bare, Stage.ACCOUNT, today=TODAY)] == [
        "contract", "payment_terms", "value",
    ]


def test_each_gate_checks_only_its_own_rules(failures):
    # a signed deal missing the qualify facts still passes the win gate: qualify was passed earlier
    assert failures(Stage.ACCOUNT, WON, need=None, budget=None, purchase_by=None) == {}


@pytest.mark.parametrize("into", [Stage.CONTACT, Stage.LOST])
def test_no_gate_guards_moves_back_to_contact_or_into_lost(rules, card, into):
    assert rules.check(card({"name": "Nobody Yet"}), into, today=TODAY) == []


def test_default_rules_are_the_ones_pipeline_md_describes(rules):
    described = {
        "qualify": {"reachable": "block", "need": "block", "budget": "block", "timeline": "block",
                    "authority": "warn"},
        "develop": {"relationship": "block", "requirements": "block", "supplier": "block",
                    "terms": "block", "decision_maker": "warn"},
        "win": {"contract": "block", "payment_terms": "block", "value": "block"},
    }
    shipped = {gate: {rule.id: rule.severity for rule in rules.gate(gate)} for gate in described}
    assert shipped == described
