"""Every card has an owner, and every change says who made it."""

from __future__ import annotations

import getpass
from datetime import date, timedelta
from pathlib import Path

import pytest

from leadboard.config import load_settings, os_user
from leadboard.domain.errors import InvalidInput
from leadboard.domain.filter import CardFilter
from leadboard.domain.stages import Stage
from leadboard.domain.text import LIMITS
from leadboard.service import Pipeline


def colleague(pipeline: Pipeline, user: str) -> Pipeline:
    """Another salesperson on the same database (same rules, own name)."""
    return Pipeline(pipeline.rules, user)


def test_a_new_contact_belongs_to_whoever_made_it(pipeline: Pipeline) -> None:
    card = pipeline.create({"name": "Ada Lovelace", "email": "ada@example.com"})
    assert card.owner == "alice"
    assert card.created_by == "alice" and card.updated_by == "alice"
    assert [m.by for m in pipeline.history(card.id)] == ["alice"]


def test_a_contact_made_for_a_colleague_keeps_that_owner(pipeline: Pipeline) -> None:
    card = pipeline.create({"name": "Alan Turing", "email": "alan@example.com", "owner": "bob"})
    assert card.owner == "bob"
    assert card.created_by == "alice"


def test_without_a_configured_user_you_are_your_login(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("LEADBOARD_USER", raising=False)
    settings = load_settings(config_path=tmp_path / "no-config.toml")
    assert settings.who == os_user() == getpass.getuser()


def test_the_config_file_can_say_who_you_are(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("LEADBOARD_USER", raising=False)
    config = tmp_path / "config.toml"
    config.write_text('user = "alice.smith"\n')
    assert load_settings(config_path=config).who == "alice.smith"


def test_a_user_name_is_one_line_of_text_and_no_longer_than_any_user_name(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("LEADBOARD_USER", raising=False)
    no_config = tmp_path / "no-config.toml"
    assert load_settings({"user": " eve\x1b]0;owned\x07\u202e "}, no_config).who == "eve]0;owned"
    assert load_settings({"user": "\x1b"}, no_config).who == os_user()  # nothing left: your login
    with pytest.raises(InvalidInput, match=f"user: is too long \\(at most {LIMITS.user} characters\\)"):
        load_settings({"user": "x" * (LIMITS.user + 1)}, no_config)


def test_every_edit_move_and_activity_records_who_made_it(pipeline: Pipeline) -> None:
    card = pipeline.create({"name": "Grace Hopper", "email": "grace@example.com"})
    bob = colleague(pipeline, "bob")
    carol = colleague(pipeline, "carol")

    edited = bob.edit(card.id, {"need": "A compiler", "budget": 900,
                                "purchase_by": date.today() + timedelta(days=30)})
    assert edited.updated_by == "bob"
    assert edited.owner == "alice"  # editing a card does not take it over

    moved = carol.promote(card.id).card
    assert moved.stage is Stage.LEAD and moved.updated_by == "carol"

    activity = bob.log_activity(card.id, "call", "Talked budgets")
    assert activity.by == "bob"
    assert [a.by for a in pipeline.activities(card.id)] == ["bob"]

    dave = colleague(pipeline, "dave")
    dave.lose(card.id, "Went silent")
    assert [(m.move.value, m.by) for m in pipeline.history(card.id)] == [
        ("create", "alice"), ("promote", "carol"), ("lose", "dave"),
    ]
    assert pipeline.card(card.id).updated_by == "dave"


def test_a_card_handed_to_a_colleague_shows_in_their_column_totals(pipeline: Pipeline) -> None:
    card = pipeline.create({"name": "Linus Torvalds", "email": "linus@example.com", "budget": 500})
    handed = pipeline.reassign(card.id, "bob", version=card.version)
    assert handed.owner == "bob"
    assert handed.updated_by == "alice"
    assert handed.version == card.version + 1
    assert pipeline.stats(CardFilter(owner="bob"))[Stage.CONTACT].cards == 1
    assert pipeline.stats(CardFilter(owner="alice"))[Stage.CONTACT].cards == 0
    assert [c.id for c in pipeline.find(card_filter=CardFilter(owner="bob"))] == [card.id]
    assert pipeline.find(card_filter=CardFilter(owner="alice")) == []


def test_on_postgresql_every_row_records_the_database_role_a_flag_cannot_change(
        pipeline: Pipeline, engine: str, tmp_path: Path) -> None:
    from leadboard.store.db import database
    from leadboard.store.models import Activity, History

    mallory = colleague(pipeline, "mallory-claims-to-be-alice")
    card = mallory.create({"name": "Ada Lovelace", "email": "ada@example.com"})
    mallory.log_activity(card.id, "call", "Spoke to Ada")
    path = tmp_path / "crm.csv"
    path.write_text("name,email\nGrace,grace@example.com\n")
    from tests.service.import_helpers import run_import

    run_import(mallory, path)
    role = None if engine == "sqlite" else database.execute_sql("SELECT session_user").fetchone()[0]
    assert role != "mallory-claims-to-be-alice"
    moves = [*mallory.history(card.id), *mallory.history(mallory.find(None, CardFilter(search="Grace"))[0].id)]
    assert [(m.by, m.database_role) for m in moves] == [("mallory-claims-to-be-alice", role)] * 2
    assert {a.database_role for a in mallory.activities(card.id)} == {role}
    if engine == "postgresql":
        # even an insert that names a role of its own records the one that logged in
        History.insert(card=card.id, move="edit", to_stage="contact", by="x", at=card.created_at,
                       database_role="someone-else").execute()
        Activity.insert(card=card.id, kind="note", summary="s", at=card.created_at, by="x",
                        database_role="someone-else").execute()
        assert {r.database_role for r in History.select()} == {role}
        assert {r.database_role for r in Activity.select()} == {role}


def test_the_detail_view_shows_the_role_beside_the_claimed_user() -> None:
    from leadboard.tui.screens.detail import who

    assert who("alice", "sales_alice") == "alice (role sales_alice)"
    assert who("alice", None) == "alice"
    assert who("eve\x1b]0;x\x07", "r\x9b") == "eve\\x1b]0;x\\x07 (role r\\x9b)"
