"""The four stages a card moves through, plus lost, and the gates between them."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    CONTACT = "contact"
    LEAD = "lead"
    OPPORTUNITY = "opportunity"
    ACCOUNT = "account"
    LOST = "lost"

    @property
    def title(self) -> str:  # type: ignore[override]
        return _TITLES[self]

    @property
    def next(self) -> Stage | None:
        """The stage a promotion leads to, or None for accounts and lost cards."""
        if self not in PIPELINE:
            return None
        index = PIPELINE.index(self)
        return PIPELINE[index + 1] if index + 1 < len(PIPELINE) else None

    @property
    def previous(self) -> Stage | None:
        if self not in PIPELINE:
            return None
        index = PIPELINE.index(self)
        return PIPELINE[index - 1] if index > 0 else None


class Move(StrEnum):
    """The kinds of entries in a card's history."""

    CREATE = "create"
    IMPORT = "import"
    PROMOTE = "promote"
    DEMOTE = "demote"
    LOSE = "lose"
    REOPEN = "reopen"
    UNDO = "undo"


#: the columns of the board, in order
PIPELINE: tuple[Stage, ...] = (Stage.CONTACT, Stage.LEAD, Stage.OPPORTUNITY, Stage.ACCOUNT)

_TITLES = {
    Stage.CONTACT: "Contacts",
    Stage.LEAD: "Leads",
    Stage.OPPORTUNITY: "Opportunities",
    Stage.ACCOUNT: "Accounts",
    Stage.LOST: "Lost",
}

#: the gate a card passes to enter a stage
GATE_INTO: dict[Stage, str] = {
    Stage.LEAD: "qualify",
    Stage.OPPORTUNITY: "develop",
    Stage.ACCOUNT: "win",
}
GATES: tuple[str, ...] = tuple(GATE_INTO.values())


def parse_stage(text: str) -> Stage:
    """A stage from user text: 'lead', 'Leads', ' OPPORTUNITY ' all work."""
    from leadboard.domain.errors import InvalidInput

    word = text.strip().lower()
    for stage in Stage:
        if word in (stage.value, stage.title.lower()):
            return stage
    names = ", ".join(s.value for s in Stage)
    raise InvalidInput(f"Unknown stage {text!r}; use one of {names}.", field="stage")
