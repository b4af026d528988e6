"""The benchmark runs end to end at a tiny size (to prove it works); its figures are not judged here."""

from __future__ import annotations

import subprocess
import sys


def test_benchmark_reports_a_row_per_size_with_every_figure(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "leadboard.bench", "--sizes", "0,60", "--runs", "1", "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    tables = {block.splitlines()[0]: {line.split("|")[1].strip(): line for line in block.splitlines()
                                      if line.startswith("| ")}
              for block in done.stdout.split("\n\n") if block.startswith("| ")}
    rows = next(table for header, table in tables.items() if "first paint" in header)
    reports = next(table for header, table in tables.items() if "funnel (ms)" in header)
    assert set(rows) >= {"cards", "0", "60"}
    cells = [cell.strip() for cell in rows["60"].split("|")[2:-1]]
    assert len(cells) == 17
    assert "a write during import, max (ms)" in rows["cards"]
    assert "import plain contacts (rows/s)" in rows["cards"] and "a write during it, max (ms)" in rows["cards"]
    assert "as-of board 30 days back, first paint (s)" in rows["cards"]
    assert "as-of board 180 days back, first paint (s)" in rows["cards"]
    assert "whole-board redraw, m (ms)" in rows["cards"]
    # every board figure is a number with its ratio to the empty board; import has a rate at 60 rows,
    # and a colleague's writes during it have their times
    for cell in cells:
        number = cell.split(" ")[0].replace(",", "")
        assert float(number) > 0, cell
    assert "×)" in cells[0]

    # the second table: each figure beside the floor it is measured against, with the ratio
    floors = {line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]]
              for line in done.stdout.split("| figure |")[1].split("\n\n")[0].splitlines()[2:] if line.startswith("| ")}
    expected = ["board first paint, 0 cards", "board first paint, 60 cards", "`show ID --json`, 60 cards",
                "`list --stage lead --json`, first lines, 60 cards", "`promote ID`, 60 cards",
                "open + close the card form", "open + close the blocked-promote form",
                "open + close the activity dialog", "cursor move, 60 cards", "promote, 60 cards",
                "search keystroke, 60 cards",
                "board as of 30 days back, first paint with totals, 60 cards",
                "board as of 180 days back, first paint with totals, 60 cards"]
    assert set(expected) <= set(floors), sorted(floors)
    for figure, (value, _against, base, ratio, _target) in floors.items():
        assert float(value.split(" ")[0]) > 0 and float(base.split(" ")[0]) > 0, figure
        assert ratio.endswith("×") and float(ratio[:-1]) > 0, figure
    assert "bare modal, 20 inputs" in floors["open + close the card form"][1]

    # then each report's time, at 60 cards as at none
    assert set(reports) >= {"cards", "0", "60"}
    timed = [cell.strip() for cell in reports["60"].split("|")[2:-1]]
    assert len(timed) == 8 and all(float(cell.split(" ")[0]) >= 0 for cell in timed), timed
    assert "funnel (ms)" in reports["cards"] and "snapshot (ms)" in reports["cards"]

    # and a colleague's writes during an import of the largest size, with default and with the largest
    # batches, and during an import of a plain contacts file
    waits = next(table for header, table in tables.items() if "writes during an import" in header)
    assert set(waits) >= {"default batches", "--batch-size 1000000", "plain contacts, default batches"}
    for batches in ("default batches", "--batch-size 1000000", "plain contacts, default batches"):
        rate, p50, p99, most = [cell.strip() for cell in waits[batches].split("|")[3:-1]]
        assert float(rate.replace(",", "")) > 0 and 0 < float(p50) <= float(p99) <= float(most), waits[batches]


def test_the_board_alone_is_timed_today_and_as_of_past_days(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "leadboard.bench", "--board-only", "--sizes", "0,30", "--runs", "1",
         "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].split("|")[1:-1]]
    row = dict(zip(header, [cell.strip() for cell in next(line for line in lines if line.startswith("| 30 |"))
                            .split("|")[1:-1]], strict=True))
    # the board's figures and the as-of first paints, each with its ratio to the empty board;
    # nothing of the commands or imports was timed
    for label in ("first paint (s)", "as-of board 30 days back, first paint (s)",
                  "as-of board 180 days back, first paint (s)"):
        assert float(row[label].split(" ")[0]) > 0 and row[label].endswith("×)"), (label, row[label])
    assert row["show --json (s)"] == "–" and row["import (rows/s)"] == "–"
    # and each as-of first paint beside today's board's at the same size
    beside = next(line for line in done.stdout.split("| cards | today's board")[1].splitlines()
                  if line.startswith("| 30 |"))
    today, *past = [cell.strip() for cell in beside.split("|")[2:-1]]
    assert float(today) > 0 and len(past) == 2
    assert all(cell.endswith("×)") and float(cell.split(" ")[0]) > 0 for cell in past), past

    # and the first paint beside a bare Textual app's at each size, the search keystroke beside the same at
    # the smaller size and beside a redraw of the whole board, at every size
    ratios = [[cell.strip() for cell in line.split("|")[1:-1]]
              for line in done.stdout.split("| figure |")[1].splitlines()[2:] if line.startswith("| ")]
    assert [(figure, against, target) for figure, _, against, _, _, target in ratios] == [
        ("board first paint, 0 cards", "bare Textual app, four columns and a footer", "≤ 1.5×"),
        ("board first paint, 30 cards", "bare Textual app, four columns and a footer", "≤ 1.5×"),
        ("search keystroke, 30 cards", "the same at 0", "≤ 1.1×"),
        ("search keystroke, 0 cards", "a redraw of the whole board (`m`)", "≤ 1.3×"),
        ("search keystroke, 30 cards", "a redraw of the whole board (`m`)", "≤ 1.3×")]
    for figure, value, _, base, ratio, _ in ratios:
        assert float(value.split(" ")[0]) > 0 and float(base.split(" ")[0]) > 0, figure
        assert ratio.endswith("×") and float(ratio[:-1]) > 0, figure


def test_the_writer_floor_times_the_stores_own_writes_of_each_size(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "leadboard.bench", "--writer-floor", "--sizes", "0,300", "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in done.stdout.splitlines()
            if line.startswith("| ") and not line.startswith("| rows")]
    # one line for the one size that writes anything (the bench stops if fewer rows were written)
    assert [row[0] for row in rows] == ["300"]
    cards, history, commits, total, rate = (float(cell.replace(",", "")) for cell in rows[0][1:])
    assert cards > 0 and history > 0 and commits > 0
    assert abs(cards + history + commits - total) < 0.2
    assert abs(rate - 1e6 / total) <= max(1.0, rate * 0.01)
