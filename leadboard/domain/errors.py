"""Errors a user can cause. Each carries one sentence fit to show as it is."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leadboard.domain.rules import RuleFailure


class LeadboardError(Exception):
    """Base of every error a user can cause; ``str(error)`` is the sentence to show."""


class InvalidInput(LeadboardError):
    """A value the user gave is not acceptable; ``field`` names it when one field is to blame."""

    def __init__(self, message: str, field: str | None = None, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.field = field
        #: every bad field with its own message, for forms that mark each one
        self.errors = errors or ({field: message} if field else {})


class DuplicateEmail(InvalidInput):
    """A new card would have the email another card has already: the same person twice, most
    likely (the caller may add it anyway, or merge the two)."""

    def __init__(self, card_id: int, name: str, email: str):
        super().__init__(f"Card {card_id} ({name}) already has {email}.", field="email",
                         errors={"email": f"card {card_id} ({name}) already has {email}"})
        self.card_id, self.name, self.email = card_id, name, email


class CardNotFound(LeadboardError):
    def __init__(self, card_id: int):
        super().__init__(f"There is no card {card_id}.")
        self.card_id = card_id


class CardRemoved(CardNotFound):
    """The card was deleted or merged into another (an undo brings it back) or erased (nothing of
    it is left)."""

    def __init__(self, card_id: int, how: str, by: str, at: datetime):
        when = at.replace(tzinfo=UTC).astimezone() if at.tzinfo is None else at
        self.erased = how == "erased"
        what = "merged into another card" if how == "merged" else how
        LeadboardError.__init__(self, f"Card {card_id} was {what} by {by} at {when:%Y-%m-%d %H:%M:%S}"
                                      + ("." if self.erased else "; undo brings it back."))
        self.card_id = card_id


class ActivityNotFound(LeadboardError):
    def __init__(self, activity_id: int):
        super().__init__(f"There is no planned activity {activity_id}.")
        self.activity_id = activity_id


class StepNotOpen(LeadboardError):
    """A planned activity already done or cancelled cannot be done, rescheduled or cancelled."""


class MoveNotAllowed(LeadboardError):
    """The move makes no sense from where the card is (promote an account, reopen an open card)."""


class GateBlocked(LeadboardError):
    """A promotion failed at least one blocking rule; nothing was changed."""

    def __init__(self, gate: str, failures: list[RuleFailure]):
        self.gate = gate
        self.failures = failures
        blocking = [f.rule_id for f in failures if f.blocking]
        super().__init__(f"The {gate} gate is blocked by: {', '.join(blocking)}.")


class Conflict(LeadboardError):
    """Someone else changed the card since it was read; nothing was overwritten."""

    def __init__(self, card_id: int, changed_by: str, changed_at: datetime, version: int | None = None):
        self.card_id = card_id
        self.changed_by = changed_by
        self.changed_at = changed_at
        #: the card's version now, so a script can read it again and retry
        self.version = version
        when = changed_at.replace(tzinfo=UTC).astimezone() if changed_at.tzinfo is None else changed_at
        now = f" (it is now version {version})" if version is not None else ""
        super().__init__(
            f"Card {card_id} was changed by {changed_by} at {when:%Y-%m-%d %H:%M:%S} "
            f"since you read it{now}; your change was not saved."
        )


class UnsafeDatabase(LeadboardError):
    """A database file other users could write although nobody said it is shared; not opened."""


class SchemaTooNew(LeadboardError):
    """The database was migrated by a newer leadboard than this one; it is not opened."""


class NothingToUndo(LeadboardError):
    pass


class UndoRefused(LeadboardError):
    """An undo that would throw away later work (a colleague's change since), or of a change that
    is not the user's to undo; nothing was changed."""


class RulesFileError(LeadboardError):
    """A rules file that cannot be used; the message names the file, the rule or line, and the problem."""
