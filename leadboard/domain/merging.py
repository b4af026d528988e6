"""What merging two cards of one person makes of them (a contacts file and a deals file from the
same CRM give one person two cards): pure, so the service only writes what it decides."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from leadboard.domain.card import FIELD_NAMES, Card, field_text

#: the prefix of an extra field holding a merged card's value that differed from the kept one's
MERGED_PREFIX = "merged."


@dataclass(frozen=True)
class MergePlan:
    #: fields given the other's value (those the kept card lacked, and those chosen): name -> value
    filled: dict[str, Any] = field(default_factory=dict)
    #: the kept card's extra fields after the merge
    extra: dict[str, str] = field(default_factory=dict)
    #: names of the extras the merge added (the other's own, and ``merged.<field>`` for each value
    #: of the other's that differed from the kept card's)
    added: list[str] = field(default_factory=list)


def differences(keep: Card, other: Card) -> list[tuple[str, str, str]]:
    """(field, ``keep``'s value, ``other``'s value) of each field both cards have, differently:
    the choices a merge offers."""
    found = []
    for name in FIELD_NAMES:
        mine, theirs = getattr(keep, name), getattr(other, name)
        if mine is not None and theirs is not None and mine != theirs:
            found.append((name, field_text(mine), field_text(theirs)))
    return found


def merge_plan(keep: Card, other: Card, take: Collection[str] = ()) -> MergePlan:
    """``keep`` with ``other`` merged in: nothing of either is lost. A field ``keep`` lacks takes
    ``other``'s value; a value of ``other``'s that differs from ``keep``'s is kept as the extra
    ``merged.<field>`` (or, for a field in ``take``, becomes the card's value and ``keep``'s is
    kept as that extra); ``other``'s extras join ``keep``'s (one that differs under the same name
    is kept as ``merged.<name>``)."""
    filled: dict[str, Any] = {}
    extra = dict(keep.extra)
    added: list[str] = []

    def keep_as(name: str, text: str) -> None:
        if extra.get(name) != text:
            extra[name] = text
            added.append(name)

    for name in FIELD_NAMES:
        mine, theirs = getattr(keep, name), getattr(other, name)
        if theirs is None or theirs == mine:
            continue
        if mine is None:
            filled[name] = theirs
        elif name in take:
            filled[name] = theirs
            keep_as(MERGED_PREFIX + name, field_text(mine))
        else:
            keep_as(MERGED_PREFIX + name, field_text(theirs))
    for name, text in other.extra.items():
        if extra.get(name) != text:
            keep_as(name if name not in extra else MERGED_PREFIX + name, text)
    return MergePlan(filled, extra, added)
