"""Log what happened, plan what comes next, or both, in one form (the board's ``a`` key); and the
same form completing a planned activity: its outcome, then the next step ("done & plan next")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input

from leadboard.domain.card import ActivityKind
from leadboard.domain.planned import PlannedKind
from leadboard.tui.screens.parts import Choice, dialog_box, labelled
from leadboard.tui.screens.saving import SavingModal

DUE_HINT = "YYYY-MM-DD[THH:MM], today, tomorrow, +1d, +1w"
ACTIVITY_KINDS = tuple(kind.value for kind in ActivityKind)
PLANNED_KINDS = tuple(kind.value for kind in PlannedKind)


@dataclass(frozen=True)
class StepFormValues:
    """What the form holds: the first part (what happened, or the outcome) and the next step."""

    kind: str
    text: str
    next_kind: str
    next_due: str
    next_summary: str

    @property
    def plans_next(self) -> bool:
        return bool(self.next_due.strip() or self.next_summary.strip())


class ActivityModal(SavingModal):
    """Dismissed with what ``save(values)`` returned, or None on cancel.

    ``completing``: the form completes a planned activity (its first part is the outcome, and may
    stay empty) instead of logging a new one."""

    #: Ctrl+S saves, as in every other form (Enter does too)
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+s", "save", "Save")]

    def __init__(self, title: Text, save: Callable[[StepFormValues], Any], *, completing: bool = False) -> None:
        super().__init__()
        self.heading = title
        self.save = save
        self.completing = completing

    def compose(self) -> ComposeResult:
        with dialog_box(self.heading, f"Tab next · Enter {'done' if self.completing else 'save'} · Esc cancel"):
            if self.completing:
                yield self.opens_focused(labelled(Input(placeholder="e.g. They want a quote by Friday", id="summary"),
                                                  "What came of it"))
            else:
                yield labelled(Choice(ACTIVITY_KINDS, ActivityKind.CALL.value, blank=False, id="kind"), "What happened")
                # what happened is typed first (focused as the dialog opens, not after the first choice)
                yield self.opens_focused(Input(placeholder="e.g. Demo went well (leave empty to only plan)",
                                               id="summary"))
            yield labelled(Choice(PLANNED_KINDS, PlannedKind.CALL.value, blank=False, id="next-kind"), "Next step")
            yield Input(placeholder=f"due: {DUE_HINT}", id="next-due")
            yield Input(placeholder="what is planned (leave empty to plan nothing)", id="next-summary")

    def values(self) -> StepFormValues:
        kind = self.query_one("#kind", Choice).value if not self.completing else ""
        return StepFormValues(kind, self.query_one("#summary", Input).value,
                              self.query_one("#next-kind", Choice).value,
                              self.query_one("#next-due", Input).value,
                              self.query_one("#next-summary", Input).value)

    @on(Input.Submitted)
    def action_save(self) -> None:
        values = self.values()
        self.attempt(lambda: self.save(values))
