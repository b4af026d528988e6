"""Board tests: a Pipeline on a temporary file database for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leadboard.service import Pipeline
from leadboard.service.setup import close, open_pipeline


@pytest.fixture
def pipeline(tmp_path: Path) -> Iterator[Pipeline]:
    yield open_pipeline(tmp_path / "board.db", "alice")
    close()
