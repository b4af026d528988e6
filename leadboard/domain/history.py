"""A card's past as the service hands it out: its moves and its activities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
