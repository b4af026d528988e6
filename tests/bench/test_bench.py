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
    board, reports = ({line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| ")}
                      for table in done.stdout.split("\n\n")[::2])
    rows = board
    assert set(rows) >= {"cards", "0", "60"}
    cells = [cell.strip() for cell in rows["60"].split("|")[2:-1]]
    assert len(cells) == 7
    # every board figure is a number with its ratio to the empty board; import has a rate at 60 rows
    for cell in cells:
        number = cell.split(" ")[0].replace(",", "")
        assert float(number) > 0, cell
    assert "×)" in cells[0]
    assert "Floor: a minimal Textual app" in done.stdout
    # then each report's time, at 60 cards as at none
    assert set(reports) >= {"cards", "0", "60"}
    timed = [cell.strip() for cell in reports["60"].split("|")[2:-1]]
    assert len(timed) == 8 and all(float(cell.split(" ")[0]) >= 0 for cell in timed), timed
    assert "funnel (ms)" in reports["cards"] and "snapshot (ms)" in reports["cards"]
