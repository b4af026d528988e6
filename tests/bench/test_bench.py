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
    rows = {line.split("|")[1].strip(): line for line in done.stdout.splitlines() if line.startswith("| ")}
    assert set(rows) >= {"cards", "0", "60"}
    cells = [cell.strip() for cell in rows["60"].split("|")[2:-1]]
    assert len(cells) == 9
    # every board figure is a number with its ratio to the empty board; import has a rate at 60 rows
    for cell in cells:
        number = cell.split(" ")[0].replace(",", "")
        assert float(number) > 0, cell
    assert "×)" in cells[0]
    assert "Floor: a minimal Textual app" in done.stdout
