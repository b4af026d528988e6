"""Databases made by any earlier leadboard are brought up to date on start-up, keeping their cards,
and end with exactly the schema a new database gets; a newer database is refused; and checking
for due steps never waits for a writer."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from leadboard.domain.errors import SchemaTooNew
from leadboard.domain.filter import CardFilter
from leadboard.service.setup import close, open_pipeline
from leadboard.store import db, migrations
from leadboard.store.imports import ImportRun
from leadboard.store.migrations import STEPS, AppliedStep
from leadboard.store.models import TABLES
from tests.conftest import PG_URL, pg_admin, with_search_path
from tests.store import schema


@pytest.fixture
def blank(engine: str, tmp_path: Path) -> Iterator[Callable[[], None]]:
    """Connects to an empty database of ``engine``; each call starts a new empty one."""
    made: list[str] = []

    def new() -> None:
        close()
        if engine == "sqlite":
            db.connect(tmp_path / f"db{len(made)}.sqlite")
            made.append("sqlite")
            return
        name = f"lb_test_migrations_{datetime.now(UTC):%H%M%S%f}_{len(made)}"
        with pg_admin() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
        made.append(name)
        db.connect(with_search_path(PG_URL, name))

    yield new
    close()
    if engine == "postgresql":
        with pg_admin() as cursor:
            for name in made:
                cursor.execute(f'DROP SCHEMA "{name}" CASCADE')


def _apply_first(count: int) -> None:
    """The database as a leadboard that shipped only the first ``count`` steps left it."""
    for step in STEPS[:count]:
        with db.database.atomic():
            migrations._record_under_lock()
            step.apply(migrations._migrator())
            AppliedStep.create(name=step.name, applied_at=datetime.now(UTC).replace(tzinfo=None))


def _fresh_schema(new: Callable[[], None]) -> dict[str, Any]:
    new()
    migrations.migrate()
    return schema.dump()


def test_a_database_at_every_past_version_migrates_to_exactly_the_fresh_schema(blank) -> None:
    fresh = _fresh_schema(blank)
    for count in range(len(STEPS)):
        blank()
        _apply_first(count)
        assert migrations.due_steps() == [step.name for step in STEPS[count:]]
        migrations.migrate()
        assert migrations.due_steps() == []
        assert schema.dump() == fresh, f"a database at version {count} migrates to another schema"


def test_every_step_module_is_listed_once_and_recorded_under_the_name_it_gives_itself() -> None:
    """``STEPS`` lists modules (imported only when a step runs); what the record holds is the name
    each step's ``STEP`` declares."""
    from importlib import import_module

    folder = Path(migrations.__file__).with_name("steps")
    modules = sorted(p.stem for p in folder.glob("*.py") if p.stem not in ("__init__", "base"))
    assert sorted(step.module for step in STEPS) == modules
    for step in STEPS:
        declared = import_module(f"leadboard.store.migrations.steps.{step.module}").STEP.name
        assert step.name == declared, f"steps/{step.module}.py records itself as {declared!r}"


def test_a_database_numbered_before_steps_had_names_is_carried_over(blank) -> None:
    """Databases from before named steps recorded 'version N' in schema_version."""
    fresh = _fresh_schema(blank)
    for version in range(1, 5):
        blank()
        _apply_first(version)
        db.database.execute_sql('DROP TABLE "schema_step"')
        db.database.execute_sql('CREATE TABLE "schema_version" ("id" INTEGER PRIMARY KEY, "version" INTEGER NOT NULL)')
        for number in range(1, version + 1):
            db.database.execute_sql(f'INSERT INTO "schema_version" ("id", "version") VALUES ({number}, {number})')
        migrations.migrate()
        assert schema.dump() == fresh, f"numbered version {version} migrates to another schema"


def test_the_models_agree_with_the_migrated_schema(blank) -> None:
    """Every table the code reads is there with exactly the columns its model declares, and every
    index the model declares: a field added to a model without a migration step fails here."""
    migrated = _fresh_schema(blank)
    blank()
    models = [*TABLES, ImportRun]
    db.database.create_tables(models)
    declared = schema.dump()
    for model in models:
        table = model._meta.table_name
        assert schema.columns(migrated, table) == schema.columns(declared, table), f"table {table}"
    missing = [item for item in declared["others"] if item[0] == "index" and item not in migrated["others"]]
    assert missing == []


def test_a_database_newer_than_the_program_is_refused_naming_both_versions(db_target: str) -> None:
    open_pipeline(db_target, "alice")
    AppliedStep.create(name="from-a-newer-leadboard", applied_at=datetime.now(UTC).replace(tzinfo=None))
    close()
    with pytest.raises(SchemaTooNew) as refused:
        open_pipeline(db_target, "alice")
    message = str(refused.value)
    assert f"version {len(STEPS) + 1}" in message and f"version {len(STEPS)};" in message
    assert "from-a-newer-leadboard" in message and message.count(".") == 1


def test_an_up_to_date_database_opens_while_a_colleague_holds_the_write_lock(db_target: str, engine: str) -> None:
    open_pipeline(db_target, "alice").create({"name": "Grace Hopper", "email": "grace@example.com"})
    close()
    if engine == "sqlite":
        holder: Any = sqlite3.connect(db_target, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    else:
        import psycopg2

        holder = psycopg2.connect(db_target)
        holder.autocommit = True
        # what migrating takes: the migration lock, and (as any writer would) a row lock on a card
        holder.cursor().execute("SELECT pg_advisory_lock(%s)", (migrations._MIGRATION_LOCK,))
    opened = threading.Event()

    def open_board() -> None:
        names = [card.name for card in open_pipeline(db_target, "bob").find(card_filter=CardFilter())]
        if names == ["Grace Hopper"]:
            opened.set()

    reader = threading.Thread(target=open_board, daemon=True)
    reader.start()
    try:
        # a writer waits up to the 30 s busy timeout for the lock; a reader does not wait at all
        assert opened.wait(10), "opening an up-to-date database waited for the write lock"
    finally:
        holder.close()
        reader.join(35)
        close()


def test_an_older_search_index_gains_prefix_indexes_and_still_finds_cards(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    pipeline = open_pipeline(path, "alice")
    card = pipeline.create({"name": "Grace Hopper", "email": "grace@example.com"})
    close()
    # make it look like a database from before that step: an index without prefixes
    raw = sqlite3.connect(path)
    raw.execute("DROP TABLE card_search")
    raw.execute("CREATE VIRTUAL TABLE card_search USING fts5(name, company, email, content='card', "
                "content_rowid='id', tokenize='unicode61')")
    raw.execute("INSERT INTO card_search(card_search) VALUES ('rebuild')")
    raw.execute("DELETE FROM schema_step WHERE name IN ('sqlite-search-prefixes', 'imports', 'search-phones')")
    raw.commit()
    raw.close()

    pipeline = open_pipeline(path, "alice")
    sql = sqlite3.connect(path).execute("SELECT sql FROM sqlite_master WHERE name = 'card_search'").fetchone()[0]
    assert "prefix='1 2 3'" in sql
    assert [c.id for c in pipeline.find(card_filter=CardFilter(search="gr"))] == [card.id]
    added = pipeline.create({"name": "Grace Kelly", "email": "kelly@example.com"})  # triggers still feed it
    assert {c.id for c in pipeline.find(card_filter=CardFilter(search="grace"))} == {card.id, added.id}
    close()


SHIPPED = Path(__file__).with_name("shipped_steps.json")


def test_no_shipped_step_has_changed(blank, engine: str) -> None:
    """What each step changes (columns, tables, indexes and triggers it adds or removes) is what it
    changed when it shipped, recorded in shipped_steps.json. Editing a step that has shipped fails
    here: add a new step instead. A new step is recorded by running this test once with
    LEADBOARD_RECORD_STEPS=1, which adds missing entries and never rewrites one. Each entry is the
    step's own change, not the whole schema, so steps added on two branches record the same
    whichever lands first."""
    import json
    import os

    shipped = json.loads(SHIPPED.read_text()) if SHIPPED.exists() else {}
    recorded = shipped.setdefault(engine, {})
    blank()
    before = json.loads(json.dumps(schema.dump()))  # tuples as lists, as the file holds them
    changed = []
    for count, step in enumerate(STEPS, start=1):
        _apply_first(count) if count == 1 else _apply_step(step)
        after = json.loads(json.dumps(schema.dump()))
        change = schema.difference(before, after)
        before = after
        if step.name not in recorded and os.environ.get("LEADBOARD_RECORD_STEPS") == "1":
            recorded[step.name] = change
            SHIPPED.write_text(json.dumps(shipped, indent=1, sort_keys=True) + "\n")
        assert step.name in recorded, f"step {step.name!r} is new: record it with LEADBOARD_RECORD_STEPS=1"
        if recorded[step.name] != change:
            changed.append(step.name)
    assert changed == [], (f"what step {changed[0]!r} changes is not what it changed when it shipped: "
                           "never edit a shipped step, add a new one")


def _apply_step(step: Any) -> None:
    with db.database.atomic():
        step.apply(migrations._migrator())
        AppliedStep.create(name=step.name, applied_at=datetime.now(UTC).replace(tzinfo=None))


def test_moves_made_before_the_journal_are_put_in_it_and_can_be_undone(db_target: str) -> None:
    from datetime import date, timedelta

    from leadboard.domain.history import ChangeKind
    from leadboard.domain.stages import Stage

    alice = open_pipeline(db_target, "alice")
    card = alice.create({"name": "Grace Hopper", "email": "grace@example.com", "need": "Compilers",
                         "budget": "1000", "purchase_by": date.today() + timedelta(days=30)})
    alice.promote(card.id)
    alice.lose(card.id, "Went silent")
    alice.reopen(card.id)
    alice.undo()  # the reopen: lost again
    # the database as a leadboard from before the journal left it
    db.database.execute_sql('DROP TABLE "journal_field"')
    db.database.execute_sql('DROP TABLE "journal_entry"')
    db.database.execute_sql("DELETE FROM \"schema_step\" WHERE \"name\" = 'change-journal'")
    close()

    alice = open_pipeline(db_target, "alice")
    entries = alice.journal(card.id)
    assert [c.kind for c in entries] == [ChangeKind.MOVE] * 3 + [ChangeKind.UNDO]
    assert [c.move.move.value for c in entries if c.move] == ["promote", "lose", "reopen", "undo"]
    assert entries[3].undoes == entries[2].id
    # the newest move not undone is the loss: undoing it brings the card back into Leads
    result = alice.undo()
    assert result.undone.id == entries[1].id
    assert (result.card.stage, result.card.lost_from, result.card.lost_reason) == (Stage.LEAD, None, None)
    close()
def test_stage_visits_are_built_from_the_history_an_older_database_kept(blank) -> None:
    """A card created, promoted, promoted again and undone, then lost, before the "stage-visits"
    step: the step replays it into contact, lead (open until the loss), lost; the undone move and
    its undo leave no visit."""
    blank()
    before = [step.name for step in STEPS].index("stage-visits")
    _apply_first(before)
    t = [datetime(2026, 3, day, 10) for day in range(1, 6)]
    database = db.database
    with database.atomic():
        database.execute_sql(
            "INSERT INTO card (stage, rank, version, owner, created_at, created_by, updated_at, updated_by, "
            "name, kind, amount, activity_count, warnings) VALUES "
            "('lost', 0, 1, 'alice', ?, 'alice', ?, 'alice', 'Ada', 'person', 250, 0, '')".replace(
                "?", "?" if db.is_sqlite() else "%s"), (t[0], t[4]))
        (card_id,) = database.execute_sql("SELECT MAX(id) FROM card").fetchone()
        moves = [("create", None, "contact", t[0]), ("promote", "contact", "lead", t[1]),
                 ("promote", "lead", "opportunity", t[2]), ("undo", "opportunity", "lead", t[3]),
                 ("lose", "lead", "lost", t[4])]
        ids = []
        for move, from_stage, to_stage, when in moves:
            undoes = ids[2] if move == "undo" else None
            mark = "?" if db.is_sqlite() else "%s"
            database.execute_sql(
                f'INSERT INTO history (card_id, move, from_stage, to_stage, "by", "at", warnings, undoes_id) '
                f"VALUES ({', '.join([mark] * 8)})", (card_id, move, from_stage, to_stage, "alice", when, "", undoes))
            ids.append(database.execute_sql("SELECT MAX(id) FROM history").fetchone()[0])
    migrations.migrate()
    rows = database.execute_sql(
        "SELECT stage, from_stage, entered_at, left_at, left_to, opened_by FROM stage_visit ORDER BY entered_at"
    ).fetchall()
    as_text = [(s, f, str(e)[:19], str(lt)[:19] if lt else None, to, o) for s, f, e, lt, to, o in rows]
    assert as_text == [
        ("contact", None, "2026-03-01 10:00:00", "2026-03-02 10:00:00", "lead", ids[0]),
        ("lead", "contact", "2026-03-02 10:00:00", "2026-03-05 10:00:00", "lost", ids[1]),
        ("lost", "lead", "2026-03-05 10:00:00", None, None, ids[4]),
    ]
    # and (the "stage-visit-amounts" step) each carries its card's owner and amount
    carried = database.execute_sql("SELECT DISTINCT owner, amount FROM stage_visit").fetchall()
    assert [(owner, Decimal(str(amount))) for owner, amount in carried] == [("alice", Decimal(250))]
