"""Opening a pipeline: connect to the database, bring the schema up to date, load the rules."""

from __future__ import annotations

from pathlib import Path

from leadboard.domain.errors import InvalidInput
from leadboard.service.pipeline import Pipeline
from leadboard.store import db, files, migrations


def open_pipeline(database: str | Path, user: str, rules_file: str | Path | None = None,
                  shared_group: str | None = None) -> Pipeline:
    """A ready ``Pipeline`` on ``database``. A rules file is loaded first, so a bad one is refused
    before anything touches the database (the default rules wait until they are needed). A SQLite
    file that users outside ``shared_group`` could write is refused too (``UnsafeDatabase``); a new
    one is made private."""
    rules = None
    if rules_file is not None:
        from leadboard.domain.rules import load_rules

        rules = load_rules(rules_file)
    target = str(database)
    if not db.is_url(target):
        path = Path(target).expanduser()
        files.check_safe(path, shared_group)
        files.create_private(path)
    db.connect(target)
    migrations.migrate()
    return Pipeline(rules, user)


def init_database(database: str | Path, user: str, shared_group: str | None = None) -> str:
    """Create the database (or bring an existing one up to date) and, for a SQLite file, share it
    with ``shared_group`` if given. Returns a sentence saying what was done."""
    target = str(database)
    if db.is_url(target):
        if shared_group:
            raise InvalidInput(
                "--shared is for a SQLite file; on PostgreSQL give each salesperson a role with "
                "access to the database instead.", field="shared_group",
            )
        open_pipeline(target, user)
        close()
        return f"Database ready at {db.redacted(target)}."
    path = Path(target).expanduser().resolve()
    open_pipeline(path, user, shared_group=shared_group)
    close()
    if not shared_group:
        return f"Database ready at {path} (readable and writable by you only)."
    files.share_with_group(path, shared_group)
    return (f"Database ready at {path}, shared with group {shared_group!r}: "
            f"the file is {files.SHARED_FILE:04o}, its folder {files.SHARED_FOLDER:04o}.")


def close() -> None:
    db.close()
