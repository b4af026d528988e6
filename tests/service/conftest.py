"""Service fixtures: a Pipeline on a fresh database (a temporary SQLite FILE, and a throwaway
PostgreSQL schema when LEADBOARD_TEST_PG_URL is set: see tests/conftest.py), cards walked to any
stage, and a raw snapshot of the database to prove a refused move changed nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from leadboard.domain.card import Card
from leadboard.domain.stages import Stage
from leadboard.service.pipeline import Pipeline
from leadboard.service.setup import close, open_pipeline


@pytest.fixture
def pipeline(db_target: str) -> Iterator[Pipeline]:
    """Alice's pipeline on a fresh database, once per engine."""
    alice = open_pipeline(db_target, "alice")
    yield alice
    close()


@pytest.fixture
def bob(pipeline: Pipeline) -> Pipeline:
    """Bob, working on the same database file as alice."""
    return Pipeline(pipeline.rules, "bob")


def qualify_fields() -> dict[str, Any]:
    return {
        "need": "Order tracking for three warehouses",
        "budget": "20000",
        "purchase_by": date.today() + timedelta(days=90),
        "authority": True,
    }


def develop_fields() -> dict[str, Any]:
    return {
        "requirements": "SSO and EU hosting",
        "supplier": "dropped",
        "value": "15000.50",
        "close_by": date.today() + timedelta(days=30),
        "terms": "Annual licence, net 30",
        "decision_maker": "Ada Lovelace",
    }


def win_fields() -> dict[str, Any]:
    return {"contract_signed_on": date.today(), "payment_terms": "Net 30"}


class Walk:
    """Cards put where a test needs them, the way a salesperson would: through the gates."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.made = 0

    def contact(self, name: str | None = None, **fields: Any) -> Card:
        self.made += 1
        data = {"name": name or f"Contact {self.made}", "email": f"contact{self.made}@example.com"}
        return self.pipeline.create(data | fields)

    def lead(self, name: str | None = None, **fields: Any) -> Card:
        card = self.contact(name, **qualify_fields() | fields)
        return self.pipeline.promote(card.id).card

    def opportunity(self, name: str | None = None, **fields: Any) -> Card:
        card = self.lead(name)
        self.pipeline.log_activity(card.id, "call", "Intro call")
        return self.pipeline.promote(card.id, develop_fields() | fields).card

    def account(self, name: str | None = None, **fields: Any) -> Card:
        card = self.opportunity(name)
        return self.pipeline.promote(card.id, win_fields() | fields).card

    def at(self, stage: Stage, name: str | None = None) -> Card:
        if stage is Stage.LOST:
            card = self.lead(name)
            return self.pipeline.lose(card.id, "Went silent").card
        return getattr(self, stage.value)(name)


@pytest.fixture
def walk(pipeline: Pipeline) -> Walk:
    return Walk(pipeline)


@pytest.fixture
def fields() -> dict[str, Callable[[], dict[str, Any]]]:
    """The fields each gate asks for: ``fields["qualify"]()``."""
    return {"qualify": qualify_fields, "develop": develop_fields, "win": win_fields}


@pytest.fixture
def database_state(db_target: str, engine: str) -> Callable[[], dict[str, list[tuple[Any, ...]]]]:
    """Every row of every table, read over a separate connection: what is really stored."""

    def read() -> dict[str, list[tuple[Any, ...]]]:
        if engine == "postgresql":
            return _postgresql_rows(db_target)
        connection = sqlite3.connect(db_target)
        try:
            # the search indexes (FTS5 tables and their shadow tables) are derived from the cards
            tables = [name for (name,) in connection.execute(
                "SELECT name FROM sqlite_master AS t WHERE type = 'table' AND NOT EXISTS ("
                "SELECT 1 FROM sqlite_master AS v WHERE v.sql LIKE 'CREATE VIRTUAL TABLE%' "
                "AND (t.name = v.name OR t.name LIKE v.name || '\\_%' ESCAPE '\\')) ORDER BY name"
            )]
            return {t: connection.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
        finally:
            connection.close()

    return read


def _postgresql_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    import psycopg2

    connection = psycopg2.connect(url)  # the URL's options put it on the test's own schema
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT table_name FROM information_schema.tables "
                           "WHERE table_schema = current_schema() ORDER BY table_name")
            tables = [name for (name,) in cursor.fetchall()]
            rows = {}
            for table in tables:
                cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
                rows[table] = cursor.fetchall()
            return rows
    finally:
        connection.close()
