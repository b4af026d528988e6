"""Every key, read from the bindings themselves so the list cannot drift from what the keys do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from leadboard.tui.column import STALE_MARK, WARNING_MARK, CardColumn

if TYPE_CHECKING:
    from textual.screen import Screen

KEY_NAMES = {
    "question_mark": "?", "greater_than_sign": ">", "less_than_sign": "<", "slash": "/",
    "pageup": "PgUp", "pagedown": "PgDn", "home": "Home", "end": "End", "enter": "Enter",
    "escape": "Esc", "left": "←", "right": "→", "up": "↑", "down": "↓", "ctrl+b": "Ctrl+B",
    "ctrl+f": "Ctrl+F", "ctrl+p": "Ctrl+P", "ctrl+s": "Ctrl+S",
}
ACTION_HELP = {
    "help": "this list of keys",
    "new_card": "new card (a contact)",
    "edit_card": "edit the focused card",
    "promote": "promote: next stage, through its gate (a blocked gate asks for what is missing)",
    "demote": "demote: back one stage (asks why)",
    "lose": "lose the card (asks why: the team's reasons plus your words)",
    "log_activity": "log a call, meeting, email or note",
    "open_card": "open the card: all fields, history, activities",
    "undo": "undo your last move",
    "search": "search name, company, email; Enter keeps the filter, Esc clears it",
    "toggle_mine": "only my cards / everyone's",
    "lost_view": "lost cards (reopen them from there)",
    "app.quit": "quit",
    "focus_column(-1)": "column to the left",
    "focus_column(1)": "column to the right",
    "clear_filter": "clear search and filters",
    "cursor_up": "previous card",
    "cursor_down": "next card",
    "cursor_top": "first card of the column",
    "cursor_bottom": "last card of the column",
    "page_up_cards": "a screenful up",
    "page_down_cards": "a screenful down",
}


def key_label(keys: str) -> str:
    return " ".join(KEY_NAMES.get(key.strip(), key.strip()) for key in keys.split(","))


def bindings_of(*classes: type) -> list[Binding]:
    found: list[Binding] = []
    for cls in classes:
        for binding in getattr(cls, "BINDINGS", []):
            if isinstance(binding, Binding):
                found.append(binding)
    return found


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, board: Screen[Any]) -> None:
        super().__init__()
        self.board_class = type(board)

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        table.add_row(Text("On the board", style="bold underline"), Text(""))
        for binding in bindings_of(self.board_class, CardColumn):
            described = ACTION_HELP.get(binding.action, binding.description)
            table.add_row(Text(key_label(binding.key)), Text(described))
        table.add_row(Text("Ctrl+P"), Text("command palette: every action by name"))
        table.add_row(Text(""), Text(""))
        table.add_row(Text("In forms", style="bold underline"), Text(""))
        table.add_row(Text("Tab / Shift+Tab"), Text("next / previous field"))
        table.add_row(Text("Enter, Ctrl+S"), Text("save (the form stays open if something is wrong)"))
        table.add_row(Text("Esc"), Text("cancel: nothing is written"))
        table.add_row(Text(""), Text(""))
        table.add_row(Text("Marks on cards", style="bold underline"), Text(""))
        table.add_row(Text(WARNING_MARK), Text("a warning was accepted on the card's last move"))
        table.add_row(Text(STALE_MARK), Text("stale: no activity for longer than the stage allows"))
        with Vertical(classes="dialog"):
            yield Static(Text("Keys"), classes="title")
            with VerticalScroll(id="keys"):
                yield Static(table)
            yield Static(Text("Esc: close"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#keys").focus()

    def action_close(self) -> None:
        self.dismiss(None)
