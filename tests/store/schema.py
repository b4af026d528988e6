"""What a database's schema is, as data to compare: tables with their columns, indexes, triggers.

Both engines describe themselves differently; each dump holds what that engine can tell, in a
form where two databases with the same schema give equal dumps.
"""

from __future__ import annotations

import re
from typing import Any

from leadboard.store.db import database, is_sqlite


def dump() -> dict[str, Any]:
    return _sqlite_dump() if is_sqlite() else _postgresql_dump()


def columns(dumped: dict[str, Any], table: str) -> list[tuple[Any, ...]]:
    return dumped["tables"][table]


def difference(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What changed from ``before`` to ``after``: per table the columns added and removed (a
    changed column is both), and the indexes, triggers and virtual tables added and removed."""
    tables: dict[str, dict[str, list[Any]]] = {}
    for name in sorted(set(before["tables"]) | set(after["tables"])):
        old = before["tables"].get(name, [])
        new = after["tables"].get(name, [])
        added = [column for column in new if column not in old]
        removed = [column for column in old if column not in new]
        if added or removed:
            tables[name] = {"added": added, "removed": removed}
    return {
        "tables": tables,
        "added": [item for item in after["others"] if item not in before["others"]],
        "removed": [item for item in before["others"] if item not in after["others"]],
    }


def _squash(sql: str | None) -> str | None:
    return None if sql is None else re.sub(r"\s+", " ", sql).strip()


def _sqlite_dump() -> dict[str, Any]:
    tables: dict[str, list[tuple[Any, ...]]] = {}
    others: list[tuple[Any, ...]] = []
    rows = database.execute_sql(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    for kind, name, table, sql in rows:
        if kind == "table" and not (sql or "").upper().startswith("CREATE VIRTUAL TABLE"):
            info = database.execute_sql(f'PRAGMA table_info("{name}")').fetchall()
            # (name, declared type, not null, default, primary key), by name
            tables[name] = sorted((c[1], c[2].upper(), c[3], c[4], c[5]) for c in info)
            # generated columns (hidden from table_info, which the models are compared with) by
            # their type; the expression is in the table's SQL
            others += [("generated column", f"{name}.{c[1]}", name, c[2].upper())
                       for c in database.execute_sql(f'PRAGMA table_xinfo("{name}")').fetchall() if c[6] in (2, 3)]
        else:  # indexes, triggers and the full-text table: their SQL is their definition
            others.append((kind, name, table, _squash(sql)))
    return {"tables": tables, "others": sorted(others, key=lambda item: (item[0], item[1]))}


def _postgresql_dump() -> dict[str, Any]:
    (schema,) = database.execute_sql("SELECT current_schema()").fetchone()
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for row in database.execute_sql(
        "SELECT table_name, column_name, data_type, is_nullable, column_default, character_maximum_length, "
        "numeric_precision, numeric_scale FROM information_schema.columns WHERE table_schema = %s",
        (schema,),
    ).fetchall():
        tables.setdefault(row[0], []).append(tuple(row[1:]))
    for table in tables.values():
        table.sort()
    others = [
        ("index", name, table, _squash(definition.replace(f'"{schema}".', "").replace(f"{schema}.", "")))
        for name, table, definition in database.execute_sql(
            "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = %s", (schema,)
        ).fetchall()
    ]
    others += [
        ("trigger", name, table, _squash(action))
        for name, table, action in database.execute_sql(
            "SELECT trigger_name, event_object_table, action_statement FROM information_schema.triggers "
            "WHERE trigger_schema = %s", (schema,)
        ).fetchall()
    ]
    return {"tables": tables, "others": sorted(others, key=lambda item: (item[0], item[1]))}
