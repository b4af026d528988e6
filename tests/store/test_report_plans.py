"""The reports and the board as of a day read indexes, never a whole table (SQLite's query plans:
without statistics the planner picks the same plan at ten cards as at a million, so a plan that
scans here scans there)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from leadboard.domain.stages import Stage
from leadboard.service.past import PastPipeline
from leadboard.service.reports import Period
from leadboard.service.setup import close, open_pipeline
from leadboard.store import reports as queries
from leadboard.store.db import database
from tests.service.test_reports import ZONE, build

#: small tables a scan of which costs nothing (one row per stage and owner)
SMALL = {"stage_total"}
DAY = datetime(2026, 3, 14, 5)


@pytest.fixture
def read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, list[Any]]]]:
    """Every statement the reports run, with its parameters, over the hand-built history."""
    pipeline = open_pipeline(tmp_path / "plans.db", "alice")
    story = build(pipeline)
    ran: list[tuple[str, list[Any]]] = []
    run = queries._run

    def recorded(sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        ran.append((sql, list(params)))
        return run(sql, params)

    monkeypatch.setattr(queries, "_run", recorded)
    reports = story.p.reports(ZONE)
    march = Period(date(2026, 3, 1), date(2026, 3, 31))
    for owner in (None, "alice"):
        reports.funnel(march, owner), reports.win_rate(march, owner), reports.time_in_stage(march, owner)
        reports.velocity(march, owner), reports.forecast(owner), reports.lost(march, owner)
        reports.activity(march, owner), reports.snapshot(date(2026, 3, 20), owner, since=date(2026, 3, 5))
        queries.amount_changes_at(DAY, owner), queries.imported_after(DAY, owner)
    past = PastPipeline(story.p, date(2026, 3, 14), ZONE)
    past.stats(), past.column_page(Stage.LEAD, 0, 50)
    queries.amounts_at([story.cards["A"], story.cards["B"]], DAY)
    yield ran
    close()


def plan(sql: str, params: list[Any]) -> list[str]:
    values = [str(p) if isinstance(p, datetime | date) else p for p in params]
    return [row[3] for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, values).fetchall()]


def tables_by_alias(sql: str) -> dict[str, str]:
    return {alias: table for table, alias in re.findall(r"(?:FROM|JOIN)\s+(\w+)\s+(\w+)", sql)}


def test_no_report_reads_a_whole_table(read: list[tuple[str, list[Any]]]) -> None:
    assert len(read) > 40  # every report ran, for everyone and for one owner
    scans = []
    for sql, params in read:
        aliases = tables_by_alias(sql)
        for line in plan(sql, params):
            scanned = re.match(r"SCAN (\w+)", line)
            if scanned and aliases.get(scanned.group(1), "subquery") not in SMALL | {"subquery"}:
                scans.append((line, " ".join(sql.split())[:120]))
    assert scans == []


def test_the_journal_is_read_by_time_and_the_history_by_move(read: list[tuple[str, list[Any]]]) -> None:
    used = {sql: " ".join(plan(sql, params)) for sql, params in read}
    journal = [steps for sql, steps in used.items() if "journal_field f ON f.entry_id = e.id" in sql
               and "f.field IN" in sql]
    imports = [steps for sql, steps in used.items() if "h.move = 'import' AND h.at > ?" in sql
               and "COUNT(DISTINCT h.card_id)" in sql]
    assert journal and all("journal_entry_at_card_id (at>?)" in steps for steps in journal)
    assert imports and all("history_move_at_card_id (move=? AND at>?)" in steps for steps in imports)


def test_the_board_as_of_a_day_sums_what_moved_since_from_one_covering_index(read: list[tuple[str, list[Any]]]) -> None:
    """Its totals add up the visits that spanned the day from the index that carries each visit's
    owner and amount: no card is read, for everyone or for one owner."""
    totals = [(sql, plan(sql, params)) for sql, params in read if "SUM(v.amount)" in sql]
    assert len(totals) >= 4  # entered since and left since, for everyone and for alice
    for sql, steps in totals:
        assert steps == ["SEARCH v USING COVERING INDEX stage_visit_stage_left_at_entered_at_owner_amount "
                         + ("(stage=? AND left_at=? AND entered_at>?)" if "left_at IS NULL" in sql
                            else "(stage=? AND left_at>?)")], sql


def test_the_activity_report_counts_from_one_covering_index(read: list[tuple[str, list[Any]]]) -> None:
    """Each activity carries its card's owner: a period's activities are counted per owner from the
    index by time, kind and owner, and only the deleted cards' are read through the cards."""
    counts = [" ".join(plan(sql, params)) for sql, params in read if "UNION ALL" in sql and "a.kind" in sql]
    assert len(counts) == 2  # for everyone and for alice
    for steps in counts:
        assert "SEARCH a USING COVERING INDEX activity_at_kind_owner (at>? AND at<?)" in steps, steps
        assert "SEARCH c USING" in steps and "stage=?" in steps, steps
