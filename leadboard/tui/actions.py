"""Every board action in one table: its keys, name, description and where it applies.

The bindings (and so the footer), the help screen and the command palette are all read from
``ACTIONS``, so a key cannot be added, renamed or described in one place and forgotten in another.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.actions import parse
from textual.app import SystemCommand
from textual.binding import Binding

if TYPE_CHECKING:
    from textual.screen import Screen


class Where(Enum):
    """When an action applies; the help screen shows one section per value, in this order."""

    BOARD = "On the board"
    CARD = "On the focused card"
    COLUMN = "In a column (on the board and in the lost view)"
    LOST = "In the lost view"
    REPORTS = "In the reports"
    TODAY = "In the Today view"


@dataclass(frozen=True)
class BoardAction:
    #: stable name, also the binding's id (users may remap keys by it)
    name: str
    #: comma-separated Textual key names, the first one shown in the footer
    keys: str
    #: the action Textual runs, on the screen (or widget) the binding sits on
    action: str
    #: the footer's short label
    label: str
    #: what it does: the help screen's line, the palette's help and the key's tooltip
    description: str
    where: Where
    #: the command palette's name; None for keys that make no sense by name (moving a cursor)
    command: str | None = None
    #: shown in the footer
    footer: bool = True


ACTIONS: tuple[BoardAction, ...] = (
    BoardAction("help", "question_mark", "help", "Keys", "this list of keys", Where.BOARD, "Keys"),
    # right after the help key, so the footer always has room for it
    BoardAction("quit", "q", "app.quit", "Quit", "quit", Where.BOARD, "Quit"),
    BoardAction("new-card", "n", "new_card", "New", "new card (a contact)", Where.BOARD, "New card"),
    BoardAction("edit-card", "e", "edit_card", "Edit", "edit the focused card", Where.CARD, "Edit card"),
    BoardAction("promote", "p,greater_than_sign", "promote", "Promote",
                "promote: next stage, through its gate (a blocked gate asks for what is missing)",
                Where.CARD, "Promote card"),
    BoardAction("demote", "d,less_than_sign", "demote", "Demote", "demote: back one stage (asks why)",
                Where.CARD, "Demote card"),
    BoardAction("lose", "x", "lose", "Lose", "lose the card (asks why: the team's reasons plus your words)",
                Where.CARD, "Lose card"),
    BoardAction("log-activity", "a", "log_activity", "Log", "log what happened, plan the next step, or both",
                Where.CARD, "Log or plan activity"),
    BoardAction("open-card", "enter,o", "open_card", "Open", "open the card: all fields, history, activities",
                Where.CARD, "Open card", footer=False),
    BoardAction("undo", "u", "undo", "Undo", "undo your last change here (says which, asks y)", Where.BOARD,
                "Undo last change"),
    BoardAction("delete-card", "delete", "delete_card", "Delete",
                "delete the focused card (asks y; u brings it back)", Where.CARD, "Delete card", footer=False),
    BoardAction("merge-card", "M", "merge_card", "Merge",
                "merge another card of the same person into the focused one (find it, then choose field by field)",
                Where.CARD, "Merge cards", footer=False),
    BoardAction("search", "slash", "search", "Search",
                "search name, company, email, phone; Enter goes to the first match, Esc clears it and goes back",
                Where.BOARD, "Search"),
    BoardAction("toggle-mine", "m", "toggle_mine", "Mine", "only my cards / everyone's", Where.BOARD,
                "Toggle mine"),
    BoardAction("cycle-order", "s", "cycle_order", "Order",
                "order the columns: board order, urgency, value, close date (remembered)", Where.BOARD,
                "Change column order", footer=False),
    BoardAction("today", "t", "today", "Today",
                "Today: my overdue and due steps, then cards with no next step, then stale cards", Where.BOARD,
                "Today"),
    BoardAction("lost-view", "L", "lost_view", "Lost", "lost cards (reopen them from there)", Where.BOARD,
                "Lost cards", footer=False),
    BoardAction("reports", "R", "reports", "Reports",
                "reports: funnel, win rate, time in stage, velocity, forecast, lost, activity, as of a day",
                Where.BOARD, "Reports", footer=False),
    BoardAction("as-of", "D", "as_of", "As of",
                "the board as it stood at the end of a day you type, read-only (D or Esc: today)",
                Where.BOARD, "Board as of a day", footer=False),
    BoardAction("column-left", "left,h", "focus_column(-1)", "Left", "column to the left", Where.BOARD,
                footer=False),
    BoardAction("column-right", "right,l", "focus_column(1)", "Right", "column to the right", Where.BOARD,
                footer=False),
    BoardAction("clear-filter", "escape", "clear_filter", "Clear filter", "clear search and filters",
                Where.BOARD, "Clear filter", footer=False),
    BoardAction("cursor-up", "up,k", "cursor_up", "Up", "previous card", Where.COLUMN, footer=False),
    BoardAction("cursor-down", "down,j", "cursor_down", "Down", "next card", Where.COLUMN, footer=False),
    BoardAction("cursor-top", "home,g", "cursor_top", "Top", "first card of the column", Where.COLUMN,
                footer=False),
    BoardAction("cursor-bottom", "end,G", "cursor_bottom", "Bottom", "last card of the column", Where.COLUMN,
                footer=False),
    BoardAction("page-up", "pageup,ctrl+b", "page_up_cards", "Page up", "a screenful up", Where.COLUMN,
                footer=False),
    BoardAction("page-down", "pagedown,ctrl+f", "page_down_cards", "Page down", "a screenful down",
                Where.COLUMN, footer=False),
    BoardAction("reopen", "r", "reopen", "Reopen", "reopen the card into the stage it was lost from",
                Where.LOST, "Reopen card"),
    BoardAction("lost-open-card", "enter,o", "open_card", "Open", "open the card: all fields, history, activities",
                Where.LOST, "Open card"),
    BoardAction("back", "escape,L,q", "back", "Back to the board", "back to the board", Where.LOST,
                "Back to the board"),
    BoardAction("report-next", "right,l,tab", "next_view(1)", "Next", "the next report", Where.REPORTS,
                "Next report"),
    BoardAction("report-previous", "left,h,shift+tab", "next_view(-1)", "Previous", "the previous report",
                Where.REPORTS, "Previous report"),
    BoardAction("report-period", "p", "next_period", "Period",
                "period: this month, last month, this quarter, last 90 days", Where.REPORTS, "Next period"),
    BoardAction("report-owner", "o", "next_owner", "Owner", "whose cards: mine, everyone's, each colleague's",
                Where.REPORTS, "Next owner"),
    BoardAction("report-back", "escape,R,q", "back", "Back", "back to the board", Where.REPORTS,
                "Back to the board from the reports"),
    BoardAction("today-done", "c", "complete", "Done",
                "done: say what came of it, and plan the next step in the same form", Where.TODAY,
                "Complete the step"),
    BoardAction("today-reschedule", "r", "reschedule", "Resched", "reschedule: +1 day, +1 week or a date",
                Where.TODAY, "Reschedule the step"),
    BoardAction("today-plan", "a", "log_or_plan", "Plan", "log what happened, plan the next step, or both",
                Where.TODAY, "Log or plan activity"),
    BoardAction("today-promote", "p,greater_than_sign", "promote", "Promote", "promote the card through its gate",
                Where.TODAY, "Promote card"),
    BoardAction("today-open", "o,enter", "open_card", "Open", "open the card: all fields, history, activities",
                Where.TODAY, "Open card"),
    BoardAction("today-mine", "m", "toggle_mine", "All", "my day / everyone's", Where.TODAY,
                "Toggle everyone's day"),
    BoardAction("today-back", "escape,t,q", "back", "Board", "back to the board", Where.TODAY, "Back to the board"),
)

KEY_NAMES = {
    "question_mark": "?", "greater_than_sign": ">", "less_than_sign": "<", "slash": "/",
    "pageup": "PgUp", "pagedown": "PgDn", "home": "Home", "end": "End", "enter": "Enter",
    "escape": "Esc", "delete": "Del", "left": "←", "right": "→", "up": "↑", "down": "↓", "ctrl+b": "Ctrl+B",
    "ctrl+f": "Ctrl+F", "ctrl+p": "Ctrl+P", "ctrl+s": "Ctrl+S", "tab": "Tab", "shift+tab": "Shift+Tab",
}


def actions_of(*where: Where) -> tuple[BoardAction, ...]:
    return tuple(action for action in ACTIONS if action.where in where)


def bindings(actions: tuple[BoardAction, ...]) -> list[Binding]:
    """The Textual bindings of ``actions``: what the keys do and what the footer shows."""
    return [Binding(action.keys, action.action, action.label, show=action.footer, id=action.name,
                    tooltip=action.description) for action in actions]


def key_label(keys: str) -> str:
    """``p,greater_than_sign`` as a person reads it: ``p >``."""
    return " ".join(KEY_NAMES.get(key.strip(), key.strip()) for key in keys.split(","))


def applies(screen: Screen[Any], action: BoardAction) -> bool:
    """Whether ``action`` can run on ``screen`` now (a card action needs a card under the cursor)."""
    namespace, name, parameters = parse(action.action)
    if namespace:
        return True
    return bool(screen.check_action(name, parameters))


def commands(screen: Screen[Any]) -> Iterator[SystemCommand]:
    """The palette's commands for ``screen``: its actions (``ACTIONS`` on the screen class) that
    have a command name and apply now."""
    for action in getattr(screen, "ACTIONS", ()):
        if action.command is not None and applies(screen, action):
            yield SystemCommand(action.command, action.description, partial(screen.run_action, action.action))
