"""Make the README's screenshots by driving the real app on demo data.

Run from the repository root: ``python screenshots/make_screenshots.py``. Writes one SVG per scene
of ``leadboard/tui/scenes.py`` beside this script: the same screens, data and clock the snapshot
tests (``tests/tui/test_snapshots.py``) compare, so the README shows what is under test.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from leadboard.tui.scenes import SCENES, shoot

HERE = Path(__file__).resolve().parent


async def shoot_all(folder: Path) -> list[Path]:
    made = []
    for scene in SCENES:
        shot = await shoot(scene, folder)
        path = HERE / f"{scene.name}.svg"
        path.write_text(shot.svg, encoding="utf-8")
        made.append(path)
    return made


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for path in asyncio.run(shoot_all(Path(folder))):
            print(path.relative_to(HERE.parent))


if __name__ == "__main__":
    main()
