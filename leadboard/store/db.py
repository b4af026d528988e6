"""The one database proxy, initialised from a URL, and the write transaction every change runs in.

SQLite (the default) gets WAL, a busy timeout and foreign keys on every connection, and takes the
write lock at BEGIN (IMMEDIATE) so two writers queue instead of deadlocking. PostgreSQL is reached by
URL. Nothing above this module needs to know which engine it is talking to.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import os
import random
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import peewee

from leadboard.domain.errors import InvalidInput
from leadboard.store.files import WRITERS_SUFFIX

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
    # the write-ahead log is cut back to this when it starts over after a checkpoint: an import lets
    # it grow to 1 GB (see ``imports.bulk_writing``), and SQLite would otherwise keep the file that
    # size for as long as any connection (a board) has the database open
    "journal_size_limit": 64 * 2**20,
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
            if importlib.util.find_spec("psycopg2") is None:  # an install without the postgres extra
                raise InvalidInput("A PostgreSQL database needs its driver, psycopg2: install leadboard "
                                   "with it (pip install 'leadboard[postgres]').", field="db")
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
    writers = getattr(database.obj, "_leadboard_writers", None)
    if writers is not None:
        writers.close()


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
#: seconds a long run of writes holds the write lock at most without a hand-over, whether or not a
#: colleague said they wait: writers that cannot say so (another program, or a folder leadboard may not
#: add the writers file to) wait no longer than this and a transaction
HAND_OVER_EVERY_SECONDS = 2.0


class Writers:
    """Who waits for a SQLite database's write lock. SQLite queues nobody: a writer that finds the
    lock taken sleeps and tries again, so a long run of transactions (an import) that begins the next
    one at once could keep a colleague waiting for as long as it runs. So leadboard's writers hold a
    shared ``flock`` on ``<database>-writers`` from before they ask for the write lock until they
    commit, and the run, between two of its transactions, tries for an exclusive one without
    waiting: it fails exactly while somebody is waiting or writing, and only then does the run
    leave the lock free until they are done. The file is made by a long run of writes (writers only
    use it when it is there), with the database file's mode, and holds nothing."""

    def __init__(self, database_file: Path):
        self.database_file = database_file
        self.path = database_file.with_name(database_file.name + WRITERS_SUFFIX)
        self._said: int | None = None  # the descriptor this process's writers hold shared
        self._holders = 0  # this process's transactions holding it (threads share the descriptor)
        self._guard = threading.Lock()

    def _open(self, create: bool) -> int | None:
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | (os.O_CREAT if create else 0)
        try:
            mode = stat.S_IMODE(os.stat(self.database_file).st_mode) & 0o666
            fd = os.open(self.path, flags, mode)
        except OSError:  # not made yet, or a folder leadboard may not add files to
            return None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            return None
        if create and info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) != mode:
            with contextlib.suppress(OSError):  # the umask narrowed it: the database's own mode
                os.fchmod(fd, mode)
        return fd

    @contextlib.contextmanager
    def waiting(self) -> Iterator[None]:
        """Say so for the length of the block (a transaction from before it asks for the lock)."""
        with self._guard:
            if self._said is None:
                self._said = self._open(create=False)
            said = self._said is not None and (self._holders > 0 or self._say())
            if said:
                self._holders += 1
        try:
            yield
        finally:
            if said:
                with self._guard:
                    self._holders -= 1
                    if not self._holders and self._said is not None:
                        fcntl.flock(self._said, fcntl.LOCK_UN)

    def _say(self) -> bool:
        # a long run of writes holds the file exclusively for an instant when it looks: try again then
        for _ in range(3):
            if self._said is not None and _flock(self._said, fcntl.LOCK_SH):
                return True
            time.sleep(0.001)
        return False

    def close(self) -> None:
        with self._guard:
            if self._said is not None and not self._holders:
                os.close(self._said)
                self._said = None

    def someone_waits(self, fd: int) -> bool:
        """True while a writer holds the file shared (waiting for the write lock, or writing)."""
        if not _flock(fd, fcntl.LOCK_EX):
            return True
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False


def _flock(fd: int, how: int) -> bool:
    try:
        fcntl.flock(fd, how | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _writers() -> Writers | None:
    path = sqlite_path()
    if path is None:
        return None
    writers = getattr(database.obj, "_leadboard_writers", None)
    if writers is None:  # one per database object, like its connections
        writers = database.obj._leadboard_writers = Writers(path)
    return writers


class WriteRun:
    """A long run of write transactions (an import) on one database: between two of them,
    ``between`` leaves the write lock to colleagues who wait for it, for as long as they wait.

    On SQLite a colleague's leadboard says it waits (``Writers``); those who cannot still get the
    lock for ``HAND_OVER_SECONDS`` once the run has held it ``HAND_OVER_EVERY_SECONDS`` (every
    ``BATCH`` seconds, the run's own transaction time, where the writers file cannot be made).
    PostgreSQL queues waiting transactions, so there it costs nothing."""

    def __init__(self, batch_seconds: float):
        self.writers = _writers() if is_sqlite() else None
        self._test: int | None = None  # our own descriptor on the writers file, to look through
        self._made = False
        self.batch_seconds = batch_seconds
        self.every = batch_seconds
        self.held = 0.0  # seconds the run has held the lock since it was last free long enough
        self.committed_at = time.perf_counter()
        self.hand_overs = 0

    def between(self) -> None:
        """Before the run's next transaction."""
        if self.writers is None:
            return
        if not self._made:
            # made before the first write, not before: a run refused before it writes leaves no file
            self._made = True
            self._test = self.writers._open(create=True)
            if self._test is not None:
                self.every = HAND_OVER_EVERY_SECONDS
        if self._test is not None and self.writers.someone_waits(self._test):
            # until they are done (each says so until it commits), a second at most, so that writers
            # who keep coming one after another cannot stop the run
            deadline = time.perf_counter() + 1.0
            while self.writers.someone_waits(self._test) and time.perf_counter() < deadline:
                time.sleep(0.002)
        else:
            free_for = time.perf_counter() - self.committed_at
            if free_for >= HAND_OVER_SECONDS:
                self.held = 0.0  # the lock was free long enough (the run was reading, say)
                return
            if self.held < self.every:
                return
            time.sleep(HAND_OVER_SECONDS - free_for)
        self.hand_overs += 1
        self.held = 0.0

    def goes_on(self, spent: float) -> bool:
        """Whether the run's transaction under way, ``spent`` seconds long, may write on. While
        nobody waits for the write lock it goes on up to ``HAND_OVER_EVERY_SECONDS`` (each commit
        rewrites every index page the transaction touched, so a long one pays that once for many
        rows); once a colleague says they wait, it ends after ``batch_seconds``. Where colleagues
        cannot say so (PostgreSQL, whose colleagues wait on the kept totals' rows; a folder without
        the writers file), it ends after ``batch_seconds`` in any case."""
        if spent >= self.every:
            return False
        if spent < self.batch_seconds:
            return True
        return not (self.writers is not None and self._test is not None and self.writers.someone_waits(self._test))

    def transaction(self, work: Callable[[], T]) -> T:
        """``in_transaction(work)``, counted in the time the run holds the lock."""
        began = time.perf_counter()
        try:
            # the run does not say it waits: ``goes_on`` looks through the writers file for others
            return in_transaction(work, say_waiting=False)
        finally:
            self.committed_at = time.perf_counter()
            self.held += self.committed_at - began

    def close(self) -> None:
        if self._test is not None:
            os.close(self._test)
            self._test = None


#: transactions this process had to run again (see in_transaction); a figure for tests and benchmarks
retries = 0


def in_transaction(work: Callable[[], T], attempts: int = 8, say_waiting: bool = True) -> T:
    """Run ``work`` in one write transaction; all of it lands or none of it does.

    On SQLite the transaction takes the write lock at BEGIN and waits up to the busy timeout for it;
    if the lock still cannot be had (or PostgreSQL reports a serialisation failure or a deadlock),
    the whole transaction is retried after a short random pause, since nothing of it was written.
    ``work`` must therefore read what it needs inside the transaction, never before it. Inside an
    outer transaction it is a savepoint, and a failure is the outer transaction's to retry.
    ``say_waiting`` is False for a long run's own transactions (see ``Writers``).
    """
    if database.in_transaction():
        with database.atomic():
            return work()
    writers = _writers() if is_sqlite() and say_waiting else None
    for attempt in range(attempts):
        try:
            with writers.waiting() if writers is not None else contextlib.nullcontext(), database.atomic():
                return work()
        except Exception as error:
            if not is_retryable(error) or attempt == attempts - 1:
                raise
            global retries
            retries += 1
            # jittered back-off so writers that collided do not collide again in step
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover
