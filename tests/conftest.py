"""Fixtures shared by the store, service and CLI tests: a fresh database on every engine under test.

A test that takes ``db_target`` (or ``pipeline``) runs once per engine: on a SQLite file in its
tmp_path always, and on PostgreSQL too when ``LEADBOARD_TEST_PG_URL`` names a server (CI sets it, see
``.ci/postgres.sh``; without it the PostgreSQL runs show as skipped). Each PostgreSQL test gets a
schema of its own, dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import pytest

from leadboard.service import Pipeline
from leadboard.service.setup import close, open_pipeline

PG_URL = os.environ.get("LEADBOARD_TEST_PG_URL", "")

ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql",
                 marks=pytest.mark.skipif(not PG_URL, reason="LEADBOARD_TEST_PG_URL is not set")),
]


@contextmanager
def pg_admin() -> Iterator[Any]:
    """A cursor on the test server, outside leadboard, for creating and dropping test schemas."""
    import psycopg2

    connection = psycopg2.connect(PG_URL)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '10s'")
            yield cursor
    finally:
        connection.close()


def with_search_path(url: str, schema: str) -> str:
    """``url`` with every connection's search_path set to ``schema`` (then public, for pg_trgm)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["options"] = f"-c search_path={schema},public"
    # %20, not "+", for the space: libpq reads the URL too, and takes "+" literally
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_target(engine: str, tmp_path: Any) -> Iterator[str]:
    """What ``--db`` takes: a SQLite file path, or a PostgreSQL URL on a fresh schema."""
    if engine == "sqlite":
        yield str(tmp_path / "leadboard.db")
        close()
        return
    schema = f"lb_test_{uuid.uuid4().hex[:16]}"
    with pg_admin() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield with_search_path(PG_URL, schema)
    finally:
        close()
        with pg_admin() as cursor:
            cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def pipeline(db_target: str) -> Pipeline:
    """alice's pipeline on a fresh database."""
    return open_pipeline(db_target, "alice")
