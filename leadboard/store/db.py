"""The one database proxy, initialised from a URL, and the write transaction every change runs in.

SQLite (the default) gets WAL, a busy timeout and foreign keys on every connection, and takes the
write lock at BEGIN (IMMEDIATE) so two writers queue instead of deadlocking. PostgreSQL is reached by
URL. Nothing above this module needs to know which engine it is talking to.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import peewee

from leadboard.domain.errors import InvalidInput

database = peewee.DatabaseProxy()

#: seconds a writer waits for another writer's lock before SQLite gives up
BUSY_TIMEOUT_S = 30.0
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "busy_timeout": int(BUSY_TIMEOUT_S * 1000),
    "cache_size": -32_000,
    # reads through a memory map: the reports and the as-of board look up cards and visits all over
    # a large file, and a look-up from the OS's page cache then costs no system call (a reader
    # thread's new connection starts with an empty page cache of its own; the map is shared).
    # SQLite caps it at its compiled-in maximum.
    "mmap_size": 2**31,
}

T = TypeVar("T")


def is_url(target: str) -> bool:
    return "://" in target


#: the URL schemes leadboard opens: a SQLite file, a PostgreSQL server
POSTGRESQL_SCHEMES = ("postgresql", "postgres")


def sqlite_file(target: str) -> Path | None:
    """The SQLite file ``target`` names (a path or a ``sqlite:///`` URL), or None for a PostgreSQL
    URL; ``InvalidInput`` in one sentence for an empty target and a URL leadboard cannot open (an
    unknown scheme, no database name, a port out of range), before anything is connected."""
    if not target.strip():
        raise InvalidInput("The database is an empty name: give --db a file path or a URL "
                           "(sqlite:///PATH or postgresql://...).", field="db")
    if not is_url(target):
        return Path(target).expanduser()
    shown = redacted(target) if "@" in target else target
    try:
        parts = urlsplit(target)
        port = parts.port
    except ValueError as error:
        raise InvalidInput(f"Cannot use the database URL {shown}: {str(error)[:1].lower()}{str(error)[1:]}.",
                           field="db") from None
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        if parts.netloc or parts.query or parts.fragment or parts.path in ("", "/", "/:memory:"):
            raise InvalidInput(f"Cannot use the database URL {shown}: a SQLite URL names a file, as in "
                               "sqlite:////srv/sales/leadboard.db (an absolute path after the third "
                               "slash).", field="db")
        return Path(parts.path[1:]).expanduser()
    if scheme in POSTGRESQL_SCHEMES:
        if not parts.path.strip("/"):
            raise InvalidInput(f"Cannot use the database URL {shown}: it names no database, as in "
                               "postgresql://user@host/leadboard.", field="db")
        if port == 0:
            raise InvalidInput(f"Cannot use the database URL {shown}: port 0 is not a port.", field="db")
        return None
    raise InvalidInput(f"Cannot use the database URL {shown}: leadboard opens a SQLite file (a path or "
                       "sqlite:///PATH) or a PostgreSQL database (postgresql://...), "
                       f"not {scheme or 'a URL without a scheme'}.", field="db")


def redacted(url: str) -> str:
    """``url`` with its password hidden, fit to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def connect(target: str | Path) -> peewee.Database:
    """Point the proxy at ``target`` (a path or a URL) and return the real database."""
    target = str(target)
    sqlite: dict[str, Any] = {"pragmas": SQLITE_PRAGMAS, "timeout": BUSY_TIMEOUT_S, "lock_type": "IMMEDIATE",
                              "check_same_thread": False}
    db: peewee.Database
    if not is_url(target):
        # a file needs no URL parsing: playhouse.db_url imports every engine's module it knows
        db = peewee.SqliteDatabase(str(Path(target).expanduser().resolve()), **sqlite)
    else:
        from playhouse.db_url import connect as connect_url

        if target.startswith("sqlite"):
            db = connect_url(target, **sqlite)
        else:
            # user names and passwords in a URL are percent-encoded (a password may hold "@" or "/")
            db = connect_url(target, unquote_user=True, unquote_password=True)
    database.initialize(db)
    return db


def database_role() -> str | None:
    """The role this database is logged in as (PostgreSQL's ``session_user``, what a trigger puts in
    the history and activity rows' ``database_role``); None on SQLite, which has no roles."""
    if database.obj is None or is_sqlite():
        return None
    role = getattr(database.obj, "_leadboard_role", None)
    if role is None:  # one URL, one role: asked once per database object
        role = str(database.execute_sql("SELECT session_user").fetchone()[0])
        database.obj._leadboard_role = role
    return str(role)


def is_sqlite() -> bool:
    return isinstance(database.obj, peewee.SqliteDatabase)


def sqlite_path() -> Path | None:
    if not is_sqlite():
        return None
    name = database.obj.database
    return None if name in (":memory:", "") else Path(name)


def describe() -> str:
    """The open database as a person names it: the SQLite file's name, or PostgreSQL's host/name."""
    if is_sqlite():
        path = sqlite_path()
        return path.name if path is not None else "(in memory)"
    params = getattr(database.obj, "connect_params", {}) or {}
    return f"{params.get('host') or 'localhost'}/{database.obj.database}"


def close() -> None:
    if database.obj is not None and not database.is_closed():
        database.close()


#: PostgreSQL's "try the transaction again" states: serialization_failure and deadlock_detected
_RETRY_SQLSTATES = frozenset({"40001", "40P01"})


def is_retryable(error: BaseException) -> bool:
    """True when ``error`` means "another writer was in the way; nothing was written, run it again".

    psycopg2 raises some of these as its own classes that peewee does not wrap, so the SQLSTATE is
    read from the error or the driver error peewee wrapped.
    """
    for candidate in (error, getattr(error, "orig", None)):
        if getattr(candidate, "pgcode", None) in _RETRY_SQLSTATES:
            return True
    text = str(error).lower()
    return any(words in text for words in ("database is locked", "database is busy",
                                           "could not serialize", "deadlock detected"))


#: seconds a long run of write transactions (an import) leaves the write lock free between two
#: of them on SQLite, whose waiting writers look again only every 100 ms once they have waited a while
HAND_OVER_SECONDS = 0.1


def hand_over_write_lock(free_for: float) -> None:
    """Between two transactions of a long run of writes: keep the write lock free (it has been for
    ``free_for`` seconds) for ``HAND_OVER_SECONDS``, so a colleague's writer waiting for it gets it. SQLite queues
    nobody (a waiting writer sleeps and tries again), so without this an import that commits and
    begins again at once could keep a colleague waiting for as long as it runs; PostgreSQL queues
    waiting transactions, so there it costs nothing."""
    if is_sqlite() and free_for < HAND_OVER_SECONDS:
        time.sleep(HAND_OVER_SECONDS - free_for)


#: transactions this process had to run again (see in_transaction); a figure for tests and benchmarks
retries = 0


def in_transaction(work: Callable[[], T], attempts: int = 8) -> T:
    """Run ``work`` in one write transaction; all of it lands or none of it does.

    On SQLite the transaction takes the write lock at BEGIN and waits up to the busy timeout for it;
    if the lock still cannot be had (or PostgreSQL reports a serialisation failure or a deadlock),
    the whole transaction is retried after a short random pause, since nothing of it was written.
    ``work`` must therefore read what it needs inside the transaction, never before it. Inside an
    outer transaction it is a savepoint, and a failure is the outer transaction's to retry.
    """
    if database.in_transaction():
        with database.atomic():
            return work()
    for attempt in range(attempts):
        try:
            with database.atomic():
                return work()
        except Exception as error:
            if not is_retryable(error) or attempt == attempts - 1:
                raise
            global retries
            retries += 1
            # jittered back-off so writers that collided do not collide again in step
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover
