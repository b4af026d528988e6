"""Opening a pipeline: connect to the database, bring the schema up to date, load the rules."""

from __future__ import annotations

from pathlib import Path

from leadboard.domain.errors import InvalidInput
from leadboard.service.pipeline import Pipeline
from leadboard.store import db, files, migrations


def open_pipeline(database: str | Path, user: str, rules_file: str | Path | None = None,
                  shared_group: str | None = None, create: bool = True) -> Pipeline:
    """A ready ``Pipeline`` on ``database``. A rules file is loaded first, so a bad one is refused
    before anything touches the database (the default rules wait until they are needed). A SQLite
    file (named by a path or a ``sqlite:///`` URL alike) that users outside ``shared_group`` could
    write, or that is not the user's own, is refused too (``UnsafeDatabase``); a new one is made
    private, unless ``create`` is false (the read-only commands), when a missing file is one
    sentence naming it."""
    rules = None
    if rules_file is not None:
        from leadboard.domain.rules import load_rules

        rules = load_rules(rules_file)
    target: str | Path = str(database)
    path = db.sqlite_file(str(target))
    if path is not None:
        files.check_safe(path, shared_group)
        if not path.exists():
            if not create:
                raise InvalidInput(f"There is no database at {path}: check --db or LEADBOARD_DB "
                                   "(`leadboard init` creates one).", field="db")
            files.create_private(path)
        target = path
    db.connect(target)
    migrations.migrate()
    return Pipeline(rules, user)


def init_database(database: str | Path, user: str, shared_group: str | None = None) -> str:
    """Create the database (or bring an existing one up to date) and, for a SQLite file, share it
    with ``shared_group`` if given. Returns a sentence saying what was done."""
    target = str(database)
    file = db.sqlite_file(target)
    if file is None:
        if shared_group:
            raise InvalidInput(
                "--shared is for a SQLite file; on PostgreSQL give each salesperson a role with "
                "access to the database instead.", field="shared_group",
            )
        open_pipeline(target, user)
        close()
        return f"Database ready at {db.redacted(target)}."
    path = file.absolute()  # not resolved: a symlink at the path is refused, never followed
    open_pipeline(path, user, shared_group=shared_group)
    close()
    if not shared_group:
        return f"Database ready at {path} (readable and writable by you only)."
    files.share_with_group(path, shared_group)
    return (f"Database ready at {path}, shared with group {shared_group!r}: "
            f"the file is {files.SHARED_FILE:04o}, its folder {files.SHARED_FOLDER:04o}.")


def database_exists(database: str | Path) -> bool:
    """Whether ``database`` is there already: a SQLite file that exists, or a URL (a server's
    database is made by its administrator; connecting says if it is not there)."""
    target = str(database)
    return db.is_url(target) or Path(target).expanduser().exists()


def database_name() -> str:
    """Which database the pipeline works on, for the board to show (file name, or host/database)."""
    return db.describe()


def open_connection() -> None:
    """Open the calling thread's connection to the database now: each thread has its own, opened by
    its first query otherwise (the board's writer thread opens its one before the first save)."""
    db.database.connect(reuse_if_open=True)


def close() -> None:
    db.close()
