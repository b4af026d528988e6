"""The actions table is the one list of board keys: the keys, the help screen and the palette agree."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.dom import DOMNode

from leadboard.domain.stages import Stage
from leadboard.service import Pipeline
from leadboard.tui.actions import ACTIONS, BoardAction, Where, actions_of, key_label
from leadboard.tui.board import BoardScreen
from leadboard.tui.column import CardColumn
from leadboard.tui.screens.help import HelpScreen
from leadboard.tui.screens.lost import LostScreen
from leadboard.tui.screens.reports import ReportsScreen
from leadboard.tui.screens.today import TodayScreen
from tests.tui.helpers import QUALIFIED, board_of, contact, make_app, screen_text

#: where each kind of action is bound
OWNER = {Where.BOARD: BoardScreen, Where.CARD: BoardScreen, Where.COLUMN: CardColumn, Where.LOST: LostScreen,
         Where.REPORTS: ReportsScreen, Where.TODAY: TodayScreen}


def declared_bindings(node_class: type[DOMNode]) -> list[Binding]:
    """The bindings leadboard's own classes declare (not those inherited from Textual's widgets)."""
    found = []
    for cls in node_class.__mro__:
        if cls.__module__.startswith("leadboard."):
            found += [b for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding)]
    return found


def assert_keys_run_the_table(app: Any, actions: tuple[BoardAction, ...]) -> None:
    active = app.active_bindings
    for action in actions:
        for key in action.keys.split(","):
            assert key in active, f"{key} ({action.name}) is not bound"
            binding = active[key]
            assert isinstance(binding.node, OWNER[action.where]), (key, binding.node)
            assert (binding.binding.action, binding.binding.id) == (action.action, action.name), key
            assert binding.binding.tooltip == action.description


async def palette_commands(pilot: Any) -> list[str]:
    await pilot.press("ctrl+p")
    await pilot.pause(0.3)
    assert isinstance(pilot.app.screen, CommandPalette)
    commands = pilot.app.screen.query_one(CommandList)
    names = [str(commands.get_option_at_index(i).prompt).split("\n")[0] for i in range(commands.option_count)]
    await pilot.press("escape")
    await pilot.pause()
    return names


def test_nothing_is_bound_that_the_table_does_not_list():
    listed = {(a.name, a.keys, a.action, a.where) for a in ACTIONS}
    for node_class, scopes in ((BoardScreen, (Where.BOARD, Where.CARD)), (CardColumn, (Where.COLUMN,)),
                               (LostScreen, (Where.LOST,)), (ReportsScreen, (Where.REPORTS,)),
                               (TodayScreen, (Where.TODAY,))):
        for binding in declared_bindings(node_class):
            assert any((binding.id, binding.key, binding.action, where) in listed for where in scopes), \
                f"{node_class.__name__} binds {binding.key} -> {binding.action} outside leadboard/tui/actions.py"


def test_action_names_and_keys_are_unique_where_they_apply():
    assert len({a.name for a in ACTIONS}) == len(ACTIONS)
    for where in Where:
        keys = [key for a in actions_of(where) for key in a.keys.split(",")]
        assert len(keys) == len(set(keys)), where


async def test_every_board_action_is_bound_offered_in_the_palette_and_listed_in_help(pipeline: Pipeline):
    lead = contact(pipeline, "Ada", **QUALIFIED)
    pipeline.promote(lead)  # a lead: it can go forward and back, so every card action applies
    async with make_app(pipeline).run_test(size=(120, 80)) as pilot:
        await pilot.press("l", "m")  # focus Leads; a filter on, so "clear filter" applies too
        await pilot.pause()
        board = board_of(pilot.app)
        assert board.current_card().id == lead

        assert_keys_run_the_table(pilot.app, actions_of(Where.BOARD, Where.CARD, Where.COLUMN))
        offered = await palette_commands(pilot)
        for action in actions_of(Where.BOARD, Where.CARD):
            if action.command:
                assert offered.count(action.command) == 1, (action.command, offered)

        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        lines = screen_text(pilot.app).splitlines()
        for action in ACTIONS:  # a long description wraps: its start is on the key's line
            start = action.description[:30]
            assert any(key_label(action.keys) in line and start in line for line in lines), action
        for where in Where:
            assert where.value in "\n".join(lines)


async def test_the_lost_view_keys_and_palette_come_from_the_table(pipeline: Pipeline):
    lost = contact(pipeline, "Grace")
    pipeline.lose(lost, "No budget")
    async with make_app(pipeline).run_test(size=(120, 35)) as pilot:
        await pilot.press("L")
        await pilot.pause()
        assert isinstance(pilot.app.screen, LostScreen)
        assert pilot.app.screen.lost.current.stage is Stage.LOST
        assert_keys_run_the_table(pilot.app, actions_of(Where.LOST, Where.COLUMN))
        offered = await palette_commands(pilot)
        for action in actions_of(Where.LOST):
            assert action.command in offered, action


async def test_card_commands_are_not_offered_on_an_empty_column(pipeline: Pipeline):
    async with make_app(pipeline).run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        offered = await palette_commands(pilot)
        assert "New card" in offered
        for action in actions_of(Where.CARD):
            assert action.command not in offered, action


async def test_the_reports_keys_and_palette_come_from_the_table(pipeline: Pipeline):
    async with make_app(pipeline).run_test(size=(120, 35)) as pilot:
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ReportsScreen)
        assert_keys_run_the_table(pilot.app, actions_of(Where.REPORTS))
        offered = await palette_commands(pilot)
        for action in actions_of(Where.REPORTS):
            assert action.command in offered, action
