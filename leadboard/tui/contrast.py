"""Contrast between two colours (WCAG 2: relative luminance), and the text colour that reads best.

A theme's cursor colour pair may fall short of 4.5:1 (textual-dark's is 3.8:1, solarized's 3.2:1);
the focused card's text is drawn in black or white, whichever stands out more from the cursor.
"""

from __future__ import annotations

from functools import lru_cache

from rich.color import Color, ColorType

BLACK = Color.from_rgb(0, 0, 0)
WHITE = Color.from_rgb(255, 255, 255)
#: WCAG AA for normal text
ENOUGH = 4.5


def luminance(color: Color) -> float:
    def channel(value: int) -> float:
        share = value / 255
        return share / 12.92 if share <= 0.03928 else ((share + 0.055) / 1.055) ** 2.4

    red, green, blue = color.get_truecolor()
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(one: Color, other: Color) -> float:
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@lru_cache(maxsize=64)
def readable_on(background: Color, wanted: Color | None = None) -> Color | None:
    """``wanted`` if it reads well enough on ``background``, else black or white (whichever reads
    better). None for a terminal's own palette colours (the ansi themes), whose values we cannot know."""
    if background.type in (ColorType.DEFAULT, ColorType.STANDARD, ColorType.WINDOWS):
        return wanted
    if wanted is not None and wanted.type is not ColorType.DEFAULT and contrast(wanted, background) >= ENOUGH:
        return wanted
    return max((BLACK, WHITE), key=lambda color: contrast(color, background))


__all__ = ["contrast", "readable_on"]
