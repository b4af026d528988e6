"""A card's past as the service hands it out: its moves and its activities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from leadboard.domain.card import ActivityKind
from leadboard.domain.stages import Move, Stage


@dataclass(frozen=True)
class MoveRecord:
    id: int
    card_id: int
    move: Move
    from_stage: Stage | None
    to_stage: Stage
    by: str
    at: datetime
    reason: str | None
    warnings: tuple[str, ...]
    undoes: int | None
    #: the database role that wrote it (PostgreSQL's session_user), beside ``by``, the user it
    #: claims; None where the engine has no roles (SQLite)
    database_role: str | None = None


@dataclass(frozen=True)
class ActivityRecord:
    id: int
    card_id: int
    kind: ActivityKind
    summary: str
    at: datetime
    by: str
    #: as on MoveRecord
    database_role: str | None = None


class ChangeKind(StrEnum):
    """The kinds of entries in the change journal."""

    MOVE = "move"
    EDIT = "edit"
    REASSIGN = "reassign"
    ACTIVITY = "activity"
    UNDO = "undo"
    #: the card was taken off the board; its fields record what was cleared (an undo writes them back)
    DELETE = "delete"
    #: what was known of the person was removed for good; the entry says only who and when
    ERASURE = "erasure"
    #: another card of the same person was merged into this one (``merge.*`` and ``other.*``
    #: fields say what moved and what the other card was; an undo splits them again)
    MERGE = "merge"


#: the journal fields a move's own history line already says (its stage, and why): a history shows
#: only the other fields that move changed
MOVE_FIELDS = frozenset({"stage", "lost_from", "lost_reason", "warnings"})

#: journal fields that are not the card's own but of the activity a change logged or changed:
#: ``activity.<column>``. Logging one journals ``activity.kind`` and ``activity.summary`` with no
#: old value; a change to an activity that exists (planned -> done, rescheduled) journals each
#: column it changes, old and new, and undo writes the old values back.
ACTIVITY_PREFIX = "activity."

#: journal fields of a team's declared field (kept in the card's extras): ``extra.<name>``; undo
#: writes the old value back into the extras
EXTRA_PREFIX = "extra."

#: journal fields of a planned activity (a next step) a change planned, rescheduled, completed or
#: cancelled: ``planned.<field>`` (``id`` and ``kind`` always, then what changed: ``summary``,
#: ``due``, ``state``, ``outcome``). Completing one also journals the log entry it became
#: (``activity.kind``, ``activity.summary``).
PLANNED_PREFIX = "planned."


@dataclass(frozen=True)
class FieldChange:
    """One field a change touched, before and after, as text (``field_text``); None is "not set"."""

    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class ChangeRecord:
    """One entry of the change journal: a move, an edit, a reassign, an activity logged, or an undo."""

    id: int
    card_id: int
    kind: ChangeKind
    by: str
    at: datetime
    changes: tuple[FieldChange, ...]
    #: the move's row in the card's history (moves, and undos of moves)
    move: MoveRecord | None = None
    activity_id: int | None = None
    #: for an undo: the entry it reversed
    undoes: int | None = None
    #: the undo that reversed this entry, if any
    undone_by: int | None = None

    def change(self, field: str) -> FieldChange | None:
        return next((c for c in self.changes if c.field == field), None)

    def describe(self) -> str:
        """What the change did, in a few words: ``edit company, phone``, ``promote contact → lead``."""
        if self.move is not None and self.kind is ChangeKind.MOVE:
            source = self.move.from_stage.value if self.move.from_stage else "-"
            return f"{self.move.move.value} {source} → {self.move.to_stage.value}"
        if self.kind is ChangeKind.REASSIGN:
            owner = self.change("owner")
            return f"reassign to {owner.new if owner and owner.new else 'nobody'}"
        if self.kind is ChangeKind.ACTIVITY and self.planned_id is not None:
            return self._describe_planned()
        if self.kind is ChangeKind.ACTIVITY:
            kind = self.change(ACTIVITY_PREFIX + "kind")
            summary = self.change(ACTIVITY_PREFIX + "summary")
            what = (kind.new or kind.old) if kind else "activity"
            text = (summary.new or summary.old) if summary else None
            if kind is None or kind.old is not None:  # an activity that was there already, changed
                names = [c.field.removeprefix(ACTIVITY_PREFIX) for c in self.changes
                         if c.field.startswith(ACTIVITY_PREFIX)]
                return f"change {what} " + ", ".join(names) if names else f"change {what}"
            return f"log {what}" + (f" “{text}”" if text else "")
        if self.kind is ChangeKind.UNDO:
            return "undo"
        if self.kind is ChangeKind.MERGE:
            other = self.change("merge.other")
            return f"merge in card {other.new if other else '?'}"
        if self.kind in (ChangeKind.DELETE, ChangeKind.ERASURE):
            return "delete card" if self.kind is ChangeKind.DELETE else "erase card"
        names = [c.field for c in self.changes if not c.field.startswith(ACTIVITY_PREFIX)]
        return "edit " + ", ".join(names) if names else "edit"

    @property
    def merged_line(self) -> str | None:
        """A merge as people read it: ``merged card 12 (Ada Lovelace) into this one`` (no name once
        that card is erased); None for any other change."""
        if self.kind is not ChangeKind.MERGE:
            return None
        other, name = self.change("merge.other"), self.change("other.name")
        called = f" ({name.old})" if name is not None and name.old else ""
        return f"merged card {other.new if other else '?'}{called} into this one"

    @property
    def planned_id(self) -> int | None:
        """The planned activity this change planned or changed, if it was one."""
        step = self.change(PLANNED_PREFIX + "id")
        return int(step.new) if step and step.new else None

    def _describe_planned(self) -> str:
        kind = self.change(PLANNED_PREFIX + "kind")
        what = (kind.new if kind else None) or "step"
        state = self.change(PLANNED_PREFIX + "state")
        due = self.change(PLANNED_PREFIX + "due")
        summary = self.change(PLANNED_PREFIX + "summary")
        if state is not None and state.old is None:
            text = f"“{summary.new}” " if summary and summary.new else ""
            return f"plan {what} {text}due {due.new if due else '?'}"
        if state is not None and state.new == "done":
            return f"complete {what}"
        if state is not None and state.new == "cancelled":
            return f"cancel {what}"
        return f"reschedule {what} to {due.new}" if due else f"change {what}"


@dataclass(frozen=True)
class HistoryItem:
    """One line of a card's history as people read it: a move (with its journal entry, if it has
    one: creations and imports have none), or a change that is not a move."""

    at: datetime
    move: MoveRecord | None
    change: ChangeRecord | None


def history_items(moves: list[MoveRecord], changes: list[ChangeRecord]) -> list[HistoryItem]:
    """Moves and journal entries as one list, oldest first."""
    by_move = {c.move.id: c for c in changes if c.move is not None}
    items = [HistoryItem(m.at, m, by_move.get(m.id)) for m in moves]
    items += [HistoryItem(c.at, None, c) for c in changes if c.move is None]
    return sorted(items, key=lambda item: (item.at, item.move is None))
