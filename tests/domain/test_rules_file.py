"""The rules file: the default one, a team's own, and every kind of file that must be refused."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from leadboard.domain.errors import RulesFileError
from leadboard.domain.rules import load_rules
from leadboard.domain.stages import GATES, PIPELINE, Stage

TODAY = date(2025, 6, 16)

#: a small team's rules: buying within a quarter, a missing budget only warns
TEAM_RULES = """\
lost_reasons = ["No budget", "Went silent", "Chose a competitor"]

[stages.contact]
probability = 0.1
stale_after_days = 30

[stages.lead]
probability = 0.25
stale_after_days = 14

[stages.opportunity]
probability = 0.6
stale_after_days = 7

[stages.account]
probability = 1.0
stale_after_days = 120

[[gates.qualify]]
id = "reachable"
severity = "block"
message = "We need a way to reach them."
checks = [{ kind = "any_set", fields = ["email", "phone"] }]

[[gates.qualify]]
id = "budget"
severity = "warn"
message = "No budget recorded yet."
checks = [{ kind = "positive", field = "budget" }]

[[gates.qualify]]
id = "timeline"
severity = "block"
message = "They must buy within a quarter."
checks = [{ kind = "date_within", field = "purchase_by", min_days = 0, max_days = 90 }]

[[gates.develop]]
id = "supplier"
severity = "block"
message = "Their supplier must be dropped."
checks = [{ kind = "one_of", field = "supplier", values = ["none", "dropped"] }]

[[gates.win]]
id = "signed"
severity = "block"
message = "Signed, please."
checks = [{ kind = "set", field = "contract_signed_on" }]
"""


def write(tmp_path: Path, text: str, name: str = "team-rules.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def changed(old: str, new: str) -> str:
    assert TEAM_RULES.count(old) == 1, f"{old!r} must appear once in TEAM_RULES"
    return TEAM_RULES.replace(old, new)


def line_of(text: str, snippet: str, nth: int = 0) -> int:
    lines = [number for number, line in enumerate(text.splitlines(), start=1) if snippet in line]
    return lines[nth]


# ---- files that load ---------------------------------------------------------------------------


def test_default_rules_hold_three_gates_stage_settings_and_lost_reasons():
    rules = load_rules()
    assert set(rules.gates) == set(GATES)
    assert set(rules.stages) == set(PIPELINE)
    assert rules.probability(Stage.LEAD) == 0.2
    assert rules.stale_after_days(Stage.OPPORTUNITY) == 14
    assert rules.stale_after_days(Stage.LOST) is None
    assert "Chose a competitor" in rules.lost_reasons


def test_a_teams_own_rules_file_replaces_the_defaults(tmp_path):
    rules = load_rules(write(tmp_path, TEAM_RULES))
    assert [rule.id for rule in rules.gate("qualify")] == ["reachable", "budget", "timeline"]
    assert rules.lost_reasons == ["No budget", "Went silent", "Chose a competitor"]
    assert rules.probability(Stage.OPPORTUNITY) == 0.6
    assert rules.stale_after_days(Stage.ACCOUNT) == 120


def test_a_team_can_shorten_the_buying_horizon(tmp_path, card):
    rules = load_rules(write(tmp_path, TEAM_RULES))
    contact = {"name": "Ada", "email": "ada@example.com", "budget": "100"}
    in_a_quarter = card(contact, purchase_by=TODAY + timedelta(days=90))
    in_half_a_year = card(contact, purchase_by=TODAY + timedelta(days=180))
    assert rules.check(in_a_quarter, Stage.LEAD, today=TODAY) == []
    assert [f.rule_id for f in rules.check(in_half_a_year, Stage.LEAD, today=TODAY)] == ["timeline"]


def test_a_team_can_turn_a_blocking_rule_into_a_warning(tmp_path, card):
    rules = load_rules(write(tmp_path, TEAM_RULES))
    no_budget = card({"name": "Ada", "email": "ada@example.com", "purchase_by": TODAY})
    [failure] = rules.check(no_budget, Stage.LEAD, today=TODAY)
    assert failure.rule_id == "budget"
    assert failure.severity == "warn" and not failure.blocking
    assert failure.message == "No budget recorded yet."


def test_a_gate_left_out_of_the_file_has_no_rules(tmp_path, card):
    text = TEAM_RULES[: TEAM_RULES.index("[[gates.win]]")]
    rules = load_rules(write(tmp_path, text))
    assert rules.gate("win") == []
    assert rules.check(card({"name": "Ada"}), Stage.ACCOUNT, today=TODAY) == []


# ---- files that are refused --------------------------------------------------------------------

BAD_FILES = [
    pytest.param(
        'kind = "positive", field = "budget"', 'kind = "above_zero", field = "budget"',
        "rule budget", "unknown check kind 'above_zero'", 'id = "budget"', id="unknown check kind",
    ),
    pytest.param(
        'kind = "positive", field = "budget"', 'kind = "positive", field = "budjet"',
        "rule budget", "there is no card field or declared field 'budjet'", 'id = "budget"', id="unknown field",
    ),
    pytest.param(
        'fields = ["email", "phone"]', 'fields = ["email", "fax"]',
        "rule reachable", "there is no card field or declared field 'fax'", 'id = "reachable"',
        id="unknown field in a list",
    ),
    pytest.param(
        'kind = "positive", field = "budget"', 'kind = "positive", field = "need"',
        "rule budget", "'need' is not an amount", 'id = "budget"', id="positive on text",
    ),
    pytest.param(
        'field = "purchase_by"', 'field = "budget"',
        "rule timeline", "'budget' is not a date", 'id = "timeline"', id="date_within on an amount",
    ),
    pytest.param(
        'field = "supplier"', 'field = "purchase_by"',
        "rule supplier", "purchase_by", 'id = "supplier"', id="one_of on a date",
    ),
    pytest.param(
        'values = ["none", "dropped"]', 'values = ["none", "gone"]',
        "rule supplier", "'gone'", 'id = "supplier"', id="one_of with a value the field cannot take",
    ),
    pytest.param(
        'severity = "warn"', 'severity = "sometimes"',
        "rule budget", "'block' or 'warn'", 'id = "budget"', id="bad severity",
    ),
    pytest.param(
        "min_days = 0, max_days = 90", "min_days = 90, max_days = 0",
        "rule timeline", "min_days is greater than max_days", 'id = "timeline"', id="empty date window",
    ),
    pytest.param(
        'id = "signed"', 'id = "Signed Off"',
        "rule Signed Off", "should match pattern", 'id = "Signed Off"', id="bad rule id",
    ),
    pytest.param(
        'id = "budget"', 'id = "budget"\nblocking = true',
        "rule budget", "unknown setting 'blocking'", 'id = "budget"', id="unknown rule setting",
    ),
    pytest.param(
        "probability = 0.25", "probability = 2.5",
        "stages.lead.probability", "less than or equal to 1", "probability = 2.5", id="probability above 1",
    ),
    pytest.param(
        "stale_after_days = 7", 'stale_after_days = "a week"',
        "stages.opportunity.stale_after_days", "valid integer", 'stale_after_days = "a week"',
        id="stale days not a number",
    ),
    pytest.param(
        "[stages.account]", "[stages.prospect]\nprobability = 0.0\nstale_after_days = 5\n\n[stages.account]",
        "stages.prospect", "unknown stage 'prospect'", "[stages.prospect]", id="unknown stage",
    ),
    pytest.param(
        '[[gates.win]]\nid = "signed"', '[[gates.closing]]\nid = "signed"',
        "gate closing", "unknown gate 'closing'", "[[gates.closing]]", id="unknown gate",
    ),
    pytest.param(
        'id = "timeline"', 'id = "budget"',
        "rule budget", "appears twice", ("id = \"budget\"", 1), id="duplicate rule id",
    ),
    pytest.param(
        "[stages.account]\nprobability = 1.0\nstale_after_days = 120\n", "",
        "stages", "settings are missing for stage(s) account", None, id="missing stage settings",
    ),
    pytest.param(
        'lost_reasons = ["No budget", "Went silent", "Chose a competitor"]', "lost_reasons = []",
        "lost_reasons", "at least 1 item", "lost_reasons", id="no lost reasons",
    ),
    pytest.param(
        'message = "Signed, please."', 'message = "Signed, please.',
        "not valid TOML", "line", None, id="TOML syntax error",
    ),
]


@pytest.mark.parametrize(("old", "new", "where", "problem", "line"), BAD_FILES)
def test_bad_rules_file_is_refused_naming_file_rule_problem_and_line(tmp_path, old, new, where, problem,
                                                                    line):
    text = changed(old, new)
    path = write(tmp_path, text)
    with pytest.raises(RulesFileError) as caught:
        load_rules(path)
    message = str(caught.value)
    assert message.startswith(f"Rules file {path}: ")
    assert where in message
    assert problem in message
    if line is not None:
        snippet, nth = line if isinstance(line, tuple) else (line, 0)
        assert f"(line {line_of(text, snippet, nth)})" in message
    assert "\n" not in message


def test_toml_syntax_error_says_where(tmp_path):
    broken = 'message = "Signed, please.'
    text = changed('message = "Signed, please."', broken)
    with pytest.raises(RulesFileError) as caught:
        load_rules(write(tmp_path, text))
    assert f"at line {line_of(text, broken)}," in str(caught.value)


def test_missing_rules_file_is_refused_by_name(tmp_path):
    path = tmp_path / "nowhere" / "rules.toml"
    with pytest.raises(RulesFileError) as caught:
        load_rules(path)
    assert str(caught.value) == f"Rules file {path}: no such file."


def test_rules_file_that_is_not_text_is_refused(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(RulesFileError) as caught:
        load_rules(path)
    assert str(path) in str(caught.value)
