"""Placeholder until the board lands (issue: the board)."""

from __future__ import annotations

import sys

from leadboard.config import Settings


def run_board(settings: Settings) -> int:
    sys.stderr.write(
        "leadboard: the board is not built yet; use the sub-commands (leadboard --help).\n"
    )
    return 1
