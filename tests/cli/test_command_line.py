"""A command line means the same, and a mistake in it reads the same, whether the parser was built
for its command alone (what a run does, to start sooner) or for every command: the options it
sets, each error sentence, each help text. Parsed in this process: no database is opened."""

from __future__ import annotations

import argparse

import pytest

from leadboard.cli import COMMAND_NAMES, UsageError, build_parser, main, parse_command_line


def _read(parse: object, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[str, object]:
    """What a user gets from ``argv``: the options read, an error sentence, or a printed text."""
    capsys.readouterr()
    try:
        args = parse(argv)  # type: ignore[operator]
    except UsageError as error:
        return "error", str(error)
    except SystemExit as done:  # help and --version print, then exit
        return "printed", (done.code, capsys.readouterr().out)
    assert isinstance(args, argparse.Namespace)
    return "read", vars(args)


LINES = [
    ["promote", "7"],
    ["--db", "x.db", "--user", "bob", "promote", "7", "--set", "budget=100", "--if-version", "3"],
    ["promote", "7", "--db", "y.db"],
    ["show", "12", "--json"],
    ["list", "--stage", "lead", "--json", "--owner", "ann"],
    ["--us", "bob", "list"],  # an abbreviated option
    ["--db", "promote", "list"],  # a command's name as an option's value
    ["--db", "promote"],
    ["--user", "list", "promote", "7"],
    ["--rules", "show", "show", "4"],
    ["demote", "3", "--reason", "budget cut"],
    ["lose", "3"],  # a required option missing
    ["promote"],
    ["promote", "seven"],
    ["promote", "7", "--no-such-option"],
    ["--no-such-option", "promote", "7"],
    ["list", "--stage", "nowhere"],
    ["report", "funnel", "--json", "--csv"],
    ["today", "--all", "--owner", "bob"],
    ["promot", "7"],  # no such command
    ["--as-of", "2026-01-02"],
    ["--as-of", "tomorrow", "show", "1"],
    [],
    ["-h"],
    ["--help", "promote"],
    ["--he", "show"],
    ["promote", "--help"],
    ["--db", "x.db", "show", "-h"],
    ["--version", "show", "1"],
    ["undo", "--list"],
    ["init", "--shared", "sales"],
    ["rules", "--check", "team.toml"],
]


@pytest.mark.parametrize("argv", LINES, ids=[" ".join(line) or "(nothing)" for line in LINES])
def test_a_command_line_reads_the_same_as_with_every_command_built(argv, capsys) -> None:
    expected = _read(build_parser().parse_args, argv, capsys)
    assert _read(parse_command_line, argv, capsys) == expected


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (subcommands,) = (action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    return dict(subcommands.choices)


def test_every_command_has_its_own_parser_alone_with_the_same_help() -> None:
    every = _commands(build_parser())
    assert set(every) == COMMAND_NAMES
    for name in COMMAND_NAMES:
        alone = _commands(build_parser(only=name))
        assert list(alone) == [name]
        assert alone[name].format_help() == every[name].format_help()


def test_a_mistyped_command_is_one_line_naming_every_command(capsys) -> None:
    assert main(["promot", "7"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "invalid choice: 'promot'" in error
    assert all(f"'{name}'" in error for name in COMMAND_NAMES)
