"""Service fixtures: a Pipeline on a temporary SQLite FILE, cards walked to any stage, and a raw
snapshot of the database to prove a refused move changed nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from leadboard.domain.card import Card
from leadboard.domain.stages import Stage
from leadboard.service.pipeline import Pipeline
from leadboard.service.setup import close, open_pipeline


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "x.db"


@pytest.fixture
def pipeline(db_path: Path) -> Iterator[Pipeline]:
    """Alice's pipeline on a fresh database file."""
    alice = open_pipeline(db_path, "alice")
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
def database_state(db_path: Path) -> Callable[[], dict[str, list[tuple[Any, ...]]]]:
    """Every row of every table, read over a separate sqlite3 connection: what is really stored."""

    def read() -> dict[str, list[tuple[Any, ...]]]:
        connection = sqlite3.connect(db_path)
        try:
            tables = [name for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'card_search%' "
                "ORDER BY name"
            )]
            return {t: connection.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
        finally:
            connection.close()

    return read
