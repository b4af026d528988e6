"""Opening a pipeline: connect to the database, bring the schema up to date, load the rules."""

from __future__ import annotations

from pathlib import Path

from leadboard.domain.rules import load_rules
from leadboard.service.pipeline import Pipeline
from leadboard.store import db, migrations


def open_pipeline(database: str | Path, user: str, rules_file: str | Path | None = None) -> Pipeline:
    """A ready ``Pipeline`` on ``database``. Rules are loaded first, so a bad rules file is
    refused before anything touches the database."""
    rules = load_rules(rules_file)
    target = str(database)
    if not db.is_url(target):
        db.file_mode_for_new_database(Path(target).expanduser())
    db.connect(target)
    migrations.migrate()
    return Pipeline(rules, user)


def close() -> None:
    db.close()
