"""Bars and sparklines drawn with block characters in the 16 basic colours, so a chart reads in
any terminal, at 80 columns, and beside the numbers it pictures."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from rich.text import Text

EIGHTHS = " ▏▎▍▌▋▊▉█"
SPARKS = "▁▂▃▄▅▆▇█"


def bar(value: float | Decimal | int, most: float | Decimal | int, width: int, style: str = "blue") -> Text:
    """A bar ``width`` cells long at ``most``, to the eighth of a cell, padded to ``width``."""
    cells = 0.0 if not most else max(0.0, float(value) / float(most)) * width
    full = int(cells)
    part = EIGHTHS[int((cells - full) * 8)] if full < width else ""
    drawn = ("█" * full + part.strip()) if value else ""
    if value and not drawn:
        drawn = "▏"  # something, however small, is never drawn as nothing
    return Text(drawn.ljust(width), style=style, no_wrap=True)


def stacked(parts: Sequence[tuple[int, str]], most: int, width: int) -> Text:
    """One bar of several coloured parts, ``most`` filling ``width`` cells (whole cells per part,
    each non-empty part at least one)."""
    text = Text(no_wrap=True)
    used = 0
    for value, style in parts:
        if not value or not most:
            continue
        cells = max(1, round(value / most * width))
        cells = min(cells, width - used)
        text.append("█" * cells, style=style)
        used += cells
    text.append(" " * (width - used))
    return text


def sparkline(values: Sequence[int | float], style: str = "cyan") -> Text:
    """One character per value, its height against the largest."""
    most = max(values, default=0)
    if not most:
        return Text(SPARKS[0] * len(values), style="bright_black", no_wrap=True)
    return Text("".join(SPARKS[min(7, int(v / most * 7.999))] if v else " " for v in values), style=style,
                no_wrap=True)
