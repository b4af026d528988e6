"""Which column gives which field: names from other CRMs, --map and --stage-map."""

from __future__ import annotations

import pytest

from leadboard.domain.stages import Stage
from leadboard.service.transfer.columns import (
    ALIASES,
    DEFAULT_STAGE_WORDS,
    BadImportFile,
    normalize,
    parse_column_map,
    parse_stage_map,
    plan_columns,
)


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_every_alias_finds_its_field_whatever_its_case_and_punctuation(alias):
    spelled = "-".join(alias.upper()) if len(alias) < 4 else f" {alias[:2].upper()}_{alias[2:]} "
    header = ["Name", spelled] if ALIASES[alias] != "name" else [spelled]
    plan = plan_columns(header, {})
    assert plan.sources[ALIASES[alias]] == (len(header) - 1,)


@pytest.mark.parametrize(("header", "field"), [
    ("First Name", "first_name"), ("Last Name", "last_name"), ("Company", "company"),
    ("Account Name", "company"), ("account", "company"), ("E-mail", "email"), ("Email Address", "email"),
    ("Amount", "value"), ("Deal Value", "value"), ("close_value", "value"), ("Mobile", "phone"),
    ("Assigned To", "owner"), ("deal_stage", "stage"), ("Lifecycle Stage", "stage"), ("Status", "stage"),
    ("Close Date", "close_by"), ("Job Title", "title"), ("Lost Reason", "lost_reason"),
])
def test_the_names_other_crms_use_are_understood(header, field):
    assert ALIASES[normalize(header)] == field


def test_first_and_last_name_make_the_name_when_there_is_no_name_column():
    plan = plan_columns(["First Name", "Last Name", "E-mail"], {})
    assert plan.sources["first_name"] == (0,) and plan.sources["last_name"] == (1,)


def test_a_file_without_any_name_column_is_refused_with_the_fix():
    with pytest.raises(BadImportFile, match=r"--map 'COLUMN=name'"):
        plan_columns(["Who", "Notes"], {})


def test_map_names_a_column_the_aliases_miss():
    plan = plan_columns(["Customer", "Deal Owner Login"], parse_column_map(["Customer=name", "Deal Owner Login=owner"]))
    assert plan.sources == {"name": (0,), "owner": (1,)}


def test_map_takes_several_pairs_separated_by_commas_and_ignore_drops_a_column():
    mapping = parse_column_map(["Customer=name,Notes=ignore"])
    plan = plan_columns(["Customer", "Notes"], mapping)
    assert plan.sources == {"name": (0,)}
    assert plan.unused == ("Notes",)


def test_map_keeps_a_comma_inside_a_column_name():
    assert parse_column_map(["Amount, EUR=value"]) == {"amounteur": "value"}


@pytest.mark.parametrize("bad", ["Customer=nonsense", "=name", "just a column"])
def test_a_bad_map_is_refused(bad):
    with pytest.raises(BadImportFile):
        plan_columns(["Customer"], parse_column_map([bad]))


def test_map_of_a_column_the_file_has_not_is_refused():
    with pytest.raises(BadImportFile, match="no column like"):
        plan_columns(["Name"], parse_column_map(["Customer=name"]))


def test_a_mapped_column_wins_over_an_alias():
    plan = plan_columns(["Name", "Email", "Private Email"], parse_column_map(["Private Email=email"]))
    assert plan.sources["email"] == (2, 1)


def test_phone_and_mobile_both_feed_the_phone_the_phone_column_first():
    plan = plan_columns(["Name", "Mobile", "Phone"], {})
    assert plan.sources["phone"] == (2, 1)


def test_stage_map_reads_source_values_loosely():
    assert parse_stage_map(["Prospecting=lead,Closed Won=account,Lost=lost"]) == {
        "prospecting": Stage.LEAD, "closedwon": Stage.ACCOUNT, "lost": Stage.LOST}


def test_stage_map_refuses_an_unknown_stage():
    with pytest.raises(BadImportFile, match="stage out of"):
        parse_stage_map(["Prospecting=pipeline"])


def test_our_own_stage_names_and_titles_need_no_map():
    for stage in Stage:
        assert DEFAULT_STAGE_WORDS[normalize(stage.title)] is stage
        assert DEFAULT_STAGE_WORDS[normalize(stage.value)] is stage
