"""Planned activities: a card's next steps, their due dates, and how urgent a card's next step is.

A due date without a time is a calendar day in the viewer's local time zone; a due date with a time
is an instant, stored as naive UTC and shown in local time. Both sort by one key (``Due.key``): the
instant itself, or the last second of the day in the local time zone of whoever planned it, so
"overdue" is ``key < now`` and "due today" is ``key < the end of today`` for either kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from leadboard.domain.errors import InvalidInput
from leadboard.domain.stages import Stage


class PlannedKind(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    TASK = "task"


class PlanState(StrEnum):
    """Where a planned activity stands; ``done`` ones have become an entry of the activity log."""

    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"


class StepState(StrEnum):
    """How urgent a card's next step is."""

    OVERDUE = "overdue"
    TODAY = "today"
    LATER = "later"
    NONE = "none"


#: the order "order by urgency" gives: what needs doing first comes first
URGENCY_ORDER: tuple[StepState, ...] = (StepState.OVERDUE, StepState.TODAY, StepState.NONE, StepState.LATER)

_DUE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$")


def local(at_utc: datetime) -> datetime:
    """A stored (naive UTC) time in the local time zone, still aware of its offset."""
    return at_utc.replace(tzinfo=UTC).astimezone()


def local_today(now_utc: datetime) -> date:
    return local(now_utc).date()


def end_of_local_day(day: date) -> datetime:
    """The naive UTC instant the local calendar ``day`` ends (midnight after it)."""
    midnight = datetime.combine(day + timedelta(days=1), time()).astimezone()
    return midnight.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class Due:
    """When a planned activity is due: a local calendar ``day``, or an instant ``at`` (naive UTC)."""

    day: date | None = None
    at: datetime | None = None

    def __post_init__(self) -> None:
        if (self.day is None) == (self.at is None):
            raise ValueError("a due date is a day or an instant, not both")

    @property
    def key(self) -> datetime:
        """What due dates sort by (naive UTC): the instant, or the last second of the local day."""
        if self.at is not None:
            return self.at
        assert self.day is not None
        return end_of_local_day(self.day) - timedelta(seconds=1)

    def local_day(self) -> date:
        if self.at is not None:
            return local(self.at).date()
        assert self.day is not None
        return self.day

    def text(self) -> str:
        """As a person types it back: ``2026-12-02`` or, in local time, ``2026-12-02T15:30``."""
        if self.at is not None:
            return local(self.at).strftime("%Y-%m-%dT%H:%M")
        assert self.day is not None
        return self.day.isoformat()

    def iso(self) -> str:
        """For JSON: the day, or the local time with its offset (unambiguous anywhere)."""
        if self.at is not None:
            return local(self.at).isoformat(timespec="minutes")
        assert self.day is not None
        return self.day.isoformat()

    def state(self, now_utc: datetime) -> StepState:
        today = local_today(now_utc)
        if self.at is not None:
            if self.at < now_utc:
                return StepState.OVERDUE
            return StepState.TODAY if self.local_day() == today else StepState.LATER
        assert self.day is not None
        if self.day < today:
            return StepState.OVERDUE
        return StepState.TODAY if self.day == today else StepState.LATER

    def moved(self, days: int) -> Due:
        """The same due date ``days`` later (an instant keeps its local time of day)."""
        if self.at is not None:
            when = local(self.at) + timedelta(days=days)
            naive_local = when.replace(tzinfo=None)
            return Due(at=naive_local.astimezone().astimezone(UTC).replace(tzinfo=None))
        assert self.day is not None
        return Due(day=self.day + timedelta(days=days))


def parse_due(text: str, field: str = "due") -> Due:
    """``YYYY-MM-DD`` (a local calendar day) or ``YYYY-MM-DDTHH:MM`` (local time, stored as UTC).

    Accepts what ``Due.iso`` writes too (a time with seconds and an offset), so exports read back.
    """
    raw = (text or "").strip()
    match = _DUE.match(raw)
    if match is None:
        try:
            aware = datetime.fromisoformat(raw)
        except ValueError:
            raise InvalidInput(
                f"{field}: {raw!r} is not a due date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM).", field=field
            ) from None
        if aware.tzinfo is None:
            aware = aware.astimezone()
        _plausible(aware.year, field)
        return Due(at=aware.astimezone(UTC).replace(tzinfo=None, second=0, microsecond=0))
    year, month, day, hour, minute = match.groups()
    _plausible(int(year), field)
    try:
        if hour is None:
            return Due(day=date(int(year), int(month), int(day)))
        naive_local = datetime(int(year), int(month), int(day), int(hour), int(minute))
    except ValueError:
        raise InvalidInput(f"{field}: {raw!r} is not a real date or time.", field=field) from None
    return Due(at=naive_local.astimezone().astimezone(UTC).replace(tzinfo=None))


def _plausible(year: int, field: str) -> None:
    if not 1900 <= year <= 2200:
        raise InvalidInput(f"{field}: the year must be between 1900 and 2200.", field=field)


def parse_kind(text: str) -> PlannedKind:
    try:
        return PlannedKind(str(text).strip().lower())
    except ValueError:
        kinds = ", ".join(k.value for k in PlannedKind)
        raise InvalidInput(f"kind: unknown kind {text!r}; use one of {kinds}.", field="kind") from None


@dataclass(frozen=True, slots=True)
class PlannedRecord:
    """One planned activity as the service hands it out, with who did what to it and when."""

    id: int
    card_id: int
    kind: PlannedKind
    summary: str
    due: Due
    owner: str
    state: PlanState
    planned_by: str
    planned_at: datetime
    rescheduled_by: str | None = None
    rescheduled_at: datetime | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None
    outcome: str | None = None
    #: for a done one: the entry of the activity log it became
    activity_id: int | None = None

    def state_at(self, now_utc: datetime) -> StepState:
        return self.due.state(now_utc) if self.state is PlanState.PLANNED else StepState.NONE


def next_step_state(stage: Stage, step: PlannedRecord | None, now_utc: datetime) -> StepState | None:
    """How urgent a card's next step is; None for lost cards and accounts with none planned (a
    customer or a lost card is not expected to have one)."""
    if step is not None:
        return step.due.state(now_utc)
    return StepState.NONE if stage in EXPECTS_NEXT_STEP else None


#: the stages whose cards are open deals, each of which should have a next step
EXPECTS_NEXT_STEP = frozenset({Stage.CONTACT, Stage.LEAD, Stage.OPPORTUNITY})


_RELATIVE = re.compile(r"^\+(\d{1,3})([dw])$")


def parse_when(text: str, today: date, field: str = "due") -> Due:
    """What a form takes for a due date: ``+1d`` or ``+2w`` from ``today``, ``today``,
    ``tomorrow``, or anything ``parse_due`` reads."""
    raw = (text or "").strip().lower()
    if raw in ("today", "tomorrow"):
        return Due(day=today + timedelta(days=1 if raw == "tomorrow" else 0))
    match = _RELATIVE.match(raw)
    if match:
        count, unit = int(match.group(1)), match.group(2)
        return Due(day=today + timedelta(days=count * (7 if unit == "w" else 1)))
    return parse_due(text, field)
