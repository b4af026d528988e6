"""What a column's two header lines say, in the room there is: never a number cut off.

At 120 columns a header reads ``Opportunities  21`` over ``Σ 1.3M · weighted 669k``; in the 17
cells of an 80×24 terminal the name is abbreviated before a number is touched (``Opps  2,366``,
``Σ1.3M w669k``). Contacts show their budget total only when there is one (``Σ 0`` says nothing).
"""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text

from leadboard.domain.stages import Stage
from leadboard.tui.text import compact_money

#: shorter names, tried when the full one does not fit beside the count
SHORT_TITLES = {Stage.CONTACT: "Cont.", Stage.OPPORTUNITY: "Opps", Stage.ACCOUNT: "Accts"}


def _first_fitting(options: list[str], width: int) -> str:
    """The first option that fits in ``width`` cells, else the shortest (the numbers stay whole:
    the line is cut at its right edge only when nothing shorter exists)."""
    for option in options:
        if len(option) <= width:
            return option
    return min(options, key=len)


def title_line(stage: Stage, cards: int, capped: bool, width: int) -> Text:
    count = f"{cards:,}{'+' if capped else ''}"
    names = dict.fromkeys([stage.title, SHORT_TITLES.get(stage, stage.title)])
    options = {f"{name}{gap}{count}": name for name in names for gap in ("  ", " ")} | {count: ""}
    chosen = _first_fitting(list(options), width)
    name = options[chosen]
    line = Text(name, style="bold")
    line.append(chosen[len(name):])
    return line


def value_line(stage: Stage, amount: Decimal, weighted: Decimal | None, width: int) -> Text:
    if stage is Stage.CONTACT and not amount:
        return Text("")  # contacts without budgets: nothing to add up
    total = compact_money(amount)
    if weighted is None:
        return Text(_first_fitting([f"Σ {total}", f"Σ{total}"], width))
    w = compact_money(weighted)
    return Text(_first_fitting([f"Σ {total} · weighted {w}", f"Σ {total} · wtd {w}", f"Σ{total} w{w}",
                                f"Σ{total}"], width))


def header_text(stage: Stage, cards: int, amount: Decimal, weighted: Decimal | None, capped: bool,
                width: int) -> Text:
    return Text("\n").join([title_line(stage, cards, capped, width), value_line(stage, amount, weighted, width)])


__all__ = ["SHORT_TITLES", "header_text", "title_line", "value_line"]
