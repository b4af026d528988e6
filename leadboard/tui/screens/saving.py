"""The shape shared by small dialogs that save through a callback from the board."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType

from leadboard.domain.errors import LeadboardError
from leadboard.tui.screens.parts import Dialog, problem_line
from leadboard.tui.text import safe


class SavingModal(Dialog[Any]):
    """Dismissed with what the save callback returned, or None on cancel. A user's mistake the
    callback raises is shown in the dialog's ``#problem`` line (``problem_line``: mounted the first
    time, after its fields, unless the dialog has its own) and the dialog stays open. The save
    may be a coroutine (the board's writes run on its writer thread): it runs in a worker of the
    "save" group, so keys typed meanwhile wait for it (``leadboard.tui.keys``)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    @work(exclusive=True, group="save")
    async def attempt(self, save: Callable[[], Any]) -> None:
        try:
            result = save()
            if inspect.isawaitable(result):
                result = await result
        except LeadboardError as error:
            await self.show_problem(error)
            return
        self.dismiss(result)

    async def show_problem(self, error: LeadboardError) -> None:
        problem = await problem_line(self)
        problem.update(Text(safe(error)))
        problem.add_class("shown")

    def action_cancel(self) -> None:
        self.dismiss(None)
