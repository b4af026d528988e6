"""Schema migrations: named steps, applied in order on start-up and recorded by name.

Each step is a module in ``steps/`` holding its own frozen copy of the tables it touches (never the
application's models, which move on) and changing them with ``playhouse.migrate`` operations or
plain SQL. A step is recorded under its name (its module's, with dashes) once it has run, so two
branches that each add a step never collide on a number. To change the schema, add a module to
``steps/`` and append its name to ``STEPS`` below; never edit a step that has shipped (the README's
Development section says more).

Checking whether a step is due only reads the record, so no command waits for a writer just to
start. When one is due, the runner takes the write lock (SQLite's IMMEDIATE transaction; on
PostgreSQL an advisory lock as well), reads the record again under it, and runs each due step in
its own transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import import_module
from typing import TYPE_CHECKING, NamedTuple

import peewee as pw

from leadboard.domain.errors import SchemaTooNew
from leadboard.store.db import database, is_sqlite

if TYPE_CHECKING:  # playhouse.migrate (and every engine it knows) is imported only when a step is due
    from playhouse.migrate import SchemaMigrator

    from leadboard.store.migrations.steps.base import Step


class ListedStep(NamedTuple):
    """A step as ``STEPS`` lists it: its module in ``steps/`` is imported only when the step runs,
    so a command on an up-to-date database (nearly every command) reads the names alone."""

    #: the step's module in ``steps/``
    module: str

    @property
    def name(self) -> str:
        """Recorded in the database once the step has run: its module's name with dashes (the name
        its ``STEP`` gives too)."""
        return self.module.replace("_", "-")

    def apply(self, migrator: SchemaMigrator) -> None:
        step: Step = import_module(f"{__name__}.steps.{self.module}").STEP
        step.apply(migrator)


#: every step's module, in the order they run; append new ones at the end
STEPS: tuple[ListedStep, ...] = tuple(ListedStep(module) for module in (
    "initial",
    "postgresql_search_index",
    "sqlite_search_prefixes",
    "imports",
    "change_journal",
    "stage_visits",
    "card_extras",
    "search_phones",
    "database_role",
    "planned_activities",
    "column_orders",
    "planned_activity_due_index",
    "search_phone_digits",
    "report_indexes",
    "stage_visit_amounts",
    "activity_owners",
    "search_phone_trigrams",
))

#: databases made before steps had names counted them in ``schema_version``: version N meant
#: the first N of these had run
_NUMBERED_BEFORE_NAMES = ("initial", "postgresql-search-index", "sqlite-search-prefixes", "imports")

#: any fixed number: the PostgreSQL advisory lock that lets one process at a time migrate
_MIGRATION_LOCK = 0x6C656164626F6172  # "leadboar"


class AppliedStep(pw.Model):
    """The record: one row per step that has run on this database."""

    name = pw.CharField(max_length=100, primary_key=True)
    applied_at = pw.DateTimeField()

    class Meta:
        database = database
        table_name = "schema_step"


def migrate() -> int:
    """Bring the schema up to date; returns the schema version now in force (steps applied).

    Raises ``SchemaTooNew`` for a database a newer leadboard has migrated past this one.
    """
    applied = _applied_steps()
    if applied is not None and _check_not_newer(applied) == len(STEPS):
        return len(STEPS)
    with _migration_lock():
        for step in STEPS:
            with database.atomic():
                # read again under the write lock: another process may have migrated meanwhile
                if step.name in _record_under_lock():
                    continue
                step.apply(_migrator())
                AppliedStep.create(name=step.name, applied_at=datetime.now(UTC).replace(tzinfo=None))
    return len(STEPS)


def due_steps() -> list[str]:
    """Names of the steps this database has not had yet (a read: takes no lock)."""
    applied = _applied_steps() or set()
    return [step.name for step in STEPS if step.name not in applied]


def _check_not_newer(applied: set[str]) -> int:
    """How many known steps ``applied`` holds; refuses a database with steps this program lacks."""
    known = {step.name for step in STEPS}
    unknown = sorted(applied - known)
    if unknown:
        raise SchemaTooNew(
            f"This database's schema is at version {len(applied)}, newer than this leadboard "
            f"understands (version {len(STEPS)}; it does not know {', '.join(unknown)}): "
            "upgrade leadboard to open it."
        )
    return len(applied)


def _applied_steps() -> set[str] | None:
    """The recorded step names, or None when this database has no record (new, or numbered)."""
    if not _table_exists(AppliedStep._meta.table_name):
        return None
    return {name for (name,) in database.execute_sql('SELECT "name" FROM "schema_step"').fetchall()}


def _record_under_lock() -> set[str]:
    """The recorded step names, creating the record first (and carrying over a numbered one)."""
    if not _table_exists(AppliedStep._meta.table_name):
        database.create_tables([AppliedStep])
        _adopt_numbered_record()
    applied = {name for (name,) in database.execute_sql('SELECT "name" FROM "schema_step"').fetchall()}
    _check_not_newer(applied)
    return applied


def _adopt_numbered_record() -> None:
    if not _table_exists("schema_version"):
        return
    (version,) = database.execute_sql('SELECT COALESCE(MAX("version"), 0) FROM "schema_version"').fetchone()
    if version > len(_NUMBERED_BEFORE_NAMES):
        raise SchemaTooNew(
            f"This database's schema is at version {version}, newer than this leadboard "
            f"understands (version {len(STEPS)}): upgrade leadboard to open it."
        )
    now = datetime.now(UTC).replace(tzinfo=None)
    for name in _NUMBERED_BEFORE_NAMES[:version]:
        AppliedStep.create(name=name, applied_at=now)
    database.execute_sql('DROP TABLE "schema_version"')


def _table_exists(name: str) -> bool:
    if is_sqlite():
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    else:  # the table as the search path finds it, as every other query here does
        sql = "SELECT 1 WHERE to_regclass(%s) IS NOT NULL"
    return database.execute_sql(sql, (name,)).fetchone() is not None


def _migrator() -> SchemaMigrator:
    from playhouse.migrate import PostgresqlMigrator, SqliteMigrator

    return SqliteMigrator(database.obj) if is_sqlite() else PostgresqlMigrator(database.obj)


@contextmanager
def _migration_lock() -> Iterator[None]:
    # SQLite's IMMEDIATE transactions already queue migrating processes. PostgreSQL's take no
    # database-wide write lock at BEGIN: two processes starting at once would both create the
    # tables, so an advisory lock queues them.
    if is_sqlite():
        yield
        return
    database.execute_sql("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
    try:
        yield
    finally:
        database.execute_sql("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
