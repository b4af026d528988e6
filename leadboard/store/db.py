"""The one database proxy, initialised from a URL, and the write transaction every change runs in.

SQLite (the default) gets WAL, a busy timeout and foreign keys on every connection, and takes the
write lock at BEGIN (IMMEDIATE) so two writers queue instead of deadlocking. PostgreSQL is reached by
URL. Nothing above this module needs to know which engine it is talking to.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import peewee
from playhouse.db_url import connect as connect_url

database = peewee.DatabaseProxy()

#: seconds a writer waits for another writer's lock before SQLite gives up
BUSY_TIMEOUT_S = 30.0
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "busy_timeout": int(BUSY_TIMEOUT_S * 1000),
    "cache_size": -32_000,
}

T = TypeVar("T")


def is_url(target: str) -> bool:
    return "://" in target


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def connect(target: str | Path) -> peewee.Database:
    """Point the proxy at ``target`` (a path or a URL) and return the real database."""
    target = str(target)
    url = target if is_url(target) else sqlite_url(target)
    if url.startswith("sqlite"):
        db = connect_url(
            url, pragmas=SQLITE_PRAGMAS, timeout=BUSY_TIMEOUT_S, lock_type="IMMEDIATE", check_same_thread=False
        )
    else:
        db = connect_url(url)
    database.initialize(db)
    return db


def is_sqlite() -> bool:
    return isinstance(database.obj, peewee.SqliteDatabase)


def sqlite_path() -> Path | None:
    if not is_sqlite():
        return None
    name = database.obj.database
    return None if name in (":memory:", "") else Path(name)


def close() -> None:
    if database.obj is not None and not database.is_closed():
        database.close()


def _is_lock_error(error: Exception) -> bool:
    text = str(error).lower()
    return "database is locked" in text or "database is busy" in text or "could not serialize" in text


def in_transaction(work: Callable[[], T], attempts: int = 5) -> T:
    """Run ``work`` in one write transaction; all of it lands or none of it does.

    On SQLite the transaction takes the write lock at BEGIN and waits up to the busy timeout for it;
    if the lock still cannot be had (or PostgreSQL reports a serialisation failure), the whole
    transaction is retried, since nothing of it was written.
    """
    for attempt in range(attempts):
        try:
            with database.atomic():
                return work()
        except peewee.OperationalError as error:
            if not _is_lock_error(error) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def transaction() -> Iterator[None]:
    with database.atomic():
        yield


def file_mode_for_new_database(path: Path) -> None:
    """Create an empty database file readable and writable by its owner only, if none exists."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
