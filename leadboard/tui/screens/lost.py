"""Lost cards, in one paged column like the board's, with reopen."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from leadboard.domain.errors import LeadboardError
from leadboard.domain.stages import Stage
from leadboard.tui.actions import BoardAction, Where, actions_of, bindings
from leadboard.tui.column import CardColumn, ColumnHeader
from leadboard.tui.text import safe

if TYPE_CHECKING:
    from leadboard.tui.board import BoardScreen


class LostScreen(Screen[int | None]):
    """Dismissed with the id of a reopened card (to focus it on the board), or None."""

    ACTIONS: ClassVar[tuple[BoardAction, ...]] = actions_of(Where.LOST)
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(ACTIONS))

    def __init__(self, board: BoardScreen, reopen: Callable[[Any], Awaitable[Any]]) -> None:
        super().__init__()
        self.board = board
        self.reopen = reopen
        self.lost = CardColumn(Stage.LOST, board, id="column-lost")
        self.header = ColumnHeader(Stage.LOST, id="header-lost")

    def compose(self) -> ComposeResult:
        yield Static(Text("Lost cards — r reopens the focused card into the stage it was lost from"))
        yield self.header
        yield self.lost
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_lost()
        self.lost.focus()

    def refresh_lost(self) -> None:
        stats = self.board.stats.get(Stage.LOST)
        count = stats.cards if stats else 0
        self.header.show(Stage.LOST, count, stats.amount if stats else Decimal(0), None)
        self.lost.load(count)  # its pages are read off the event loop as they come into view
        self.lost.set_empty_text("No lost cards")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Reopen and open need a card under the cursor."""
        if action in ("reopen", "open_card") and (not self.is_mounted or self.lost.current is None):
            return None
        return True

    def key_waits_for(self, key: str) -> Awaitable[object] | None:
        """A key waits while the board's read or write is landing (a card opened from here)."""
        return self.board.landing()

    @work(exclusive=True, group="save")
    async def action_reopen(self) -> None:
        """Reopen on the board's writer thread; keys typed meanwhile wait for it (the "save" group)."""
        card = self.lost.current
        if card is None:
            return
        try:
            result = await self.reopen(card)
        except LeadboardError as error:
            self.notify(safe(error), severity="warning", markup=False)
            return
        self.notify(f"Reopened {safe(card.name)} into {result.card.stage.title}.", title="Reopen",
                    markup=False)
        self.dismiss(card.id)

    def action_open_card(self) -> None:
        card = self.lost.current
        if card is not None:
            self.board.open_detail(card.id)

    def on_card_column_selected(self, event: CardColumn.Selected) -> None:
        event.stop()
        self.board.open_detail(event.card.id)

    def action_back(self) -> None:
        self.dismiss(None)
