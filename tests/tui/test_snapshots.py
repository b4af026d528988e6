"""What the screens draw, compared with the pictures stored under tests/tui/snapshots/.

Each scene (``leadboard/tui/scenes.py``, the same ones the README's screenshots show) is shot as
SVG on fixed demo data and a fixed clock. A changed picture fails; when the change is meant,
store the new pictures with

    LEADBOARD_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/tui/test_snapshots.py

and commit them (``git diff tests/tui/snapshots/*.txt`` shows the change as text).
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest

from leadboard.tui.scenes import SCENES, Scene, shoot

REPOSITORY = Path(__file__).resolve().parents[2]
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("LEADBOARD_UPDATE_SNAPSHOTS") == "1"
HOW_TO_UPDATE = ("If the change is meant, store the new pictures with\n"
                 "    LEADBOARD_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/tui/test_snapshots.py\n"
                 "look at them (tests/tui/snapshots/*.svg) and commit them.")


def comparable(svg: str) -> str:
    """The SVG without the id Rich derives from the content (a version of Rich may derive it
    differently; what is drawn is compared everywhere else)."""
    return re.sub(r"terminal-\d+", "terminal", svg)


@pytest.mark.parametrize("scene", SCENES, ids=[scene.name for scene in SCENES])
async def test_the_screen_draws_what_is_stored(scene: Scene, tmp_path: Path):
    shot = await shoot(scene, tmp_path)
    stored_svg, stored_text = SNAPSHOTS / f"{scene.name}.svg", SNAPSHOTS / f"{scene.name}.txt"
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        stored_svg.write_text(shot.svg, encoding="utf-8")
        stored_text.write_text(shot.text, encoding="utf-8")
        return
    if not stored_svg.exists():
        pytest.fail(f"No snapshot of {scene.name} yet. {HOW_TO_UPDATE}", pytrace=False)
    if comparable(shot.svg) == comparable(stored_svg.read_text(encoding="utf-8")):
        return
    drawn = tmp_path / f"{scene.name}.svg"
    drawn.write_text(shot.svg, encoding="utf-8")
    before = stored_text.read_text(encoding="utf-8") if stored_text.exists() else ""
    diff = "\n".join(difflib.unified_diff(before.splitlines(), shot.text.splitlines(), "stored", "drawn",
                                          lineterm=""))
    pytest.fail(f"{scene.name} ({scene.about}) draws differently from {stored_svg.relative_to(REPOSITORY)}.\n"
                f"Drawn now: {drawn}\n"
                + (f"The text changed:\n{diff}\n" if diff else "The text is the same: colours or styles changed.\n")
                + HOW_TO_UPDATE, pytrace=False)
