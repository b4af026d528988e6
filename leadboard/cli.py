"""The ``leadboard`` command: opens the board, plus scriptable sub-commands.

Exit codes are part of the contract: 0 done, 1 the database or system failed, 2 bad input,
3 blocked by a gate, 4 conflict with a colleague's change, 5 an import that imported some rows and
rejected others. A user's mistake is one line on stderr,
never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import errno
import io
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, cast

import peewee

from leadboard import __version__, started
from leadboard.config import Settings, load_settings
from leadboard.domain.card import FIELD_LABELS, FIELD_NAMES, Card, CardSummary, field_text, parse_assignments
from leadboard.domain.errors import (
    CardRemoved,
    Conflict,
    DuplicateEmail,
    GateBlocked,
    InvalidInput,
    LeadboardError,
    RulesFileError,
)
from leadboard.domain.filter import CardFilter
from leadboard.domain.history import MOVE_FIELDS, ActivityRecord, ChangeKind, ChangeRecord, HistoryItem, MoveRecord
from leadboard.domain.planned import PlannedKind, PlannedRecord, PlanState, StepState
from leadboard.domain.stages import PIPELINE, Stage, parse_stage
from leadboard.domain.text import csv_cell, for_terminal, json_for_terminal
from leadboard.service import MoveResult, Pipeline
from leadboard.service.pipeline import local
from leadboard.service.planning import NextPlan
from leadboard.service.report_names import PERIODS, REPORTS
from leadboard.service.setup import database_exists, init_database, open_pipeline

if TYPE_CHECKING:  # the export's module is read by the commands that print cards as it writes them
    from leadboard.service.transfer.exporter import Format

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_BLOCKED, EXIT_CONFLICT, EXIT_PARTLY = 0, 1, 2, 3, 4, 5
#: commands that only read: they never create a database (a mistyped --db is an error, not a new file)
READ_ONLY = frozenset({"list", "show", "history", "export", "report", "today", "activities"})


class UsageError(Exception):
    """A bad command line; argparse's own error() is routed here to give one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser: every command's, or with ``only`` that one command's alone (all a
    run of it needs: building the others' takes argparse longer than ``show`` takes to read its card)."""
    common = _Parser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, metavar="PATH_OR_URL",
                        help="database file or URL (default: LEADBOARD_DB or a file in your data folder)")
    common.add_argument("--rules", default=argparse.SUPPRESS, metavar="FILE", help="rules file to use")
    common.add_argument("--user", default=argparse.SUPPRESS, help="act as this user (default: your login)")

    parser = _Parser(prog="leadboard", parents=[common],
                     description="A sales pipeline Kanban board for the terminal.")
    parser.add_argument("--as-of", dest="board_as_of", type=_date, default=None, metavar="DATE",
                        help="open the board read-only as it stood at the end of DATE (YYYY-MM-DD)")
    parser.add_argument("--version", action="version", version=f"leadboard {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def wanted(name: str) -> bool:
        return only is None or only == name

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, parents=[common], help=help, description=help)

    if wanted("init"):
        init = command("init", "create the database (or bring it up to date); --shared gives it to a team")
        init.add_argument("--shared", metavar="GROUP", default=None,
                          help="make the database file and its folder readable and writable by GROUP "
                               "(default: shared_group from the config)")

    if wanted("demo"):
        demo = command("demo", "fill the database with realistic demo cards in every stage")
        demo.add_argument("--cards", type=_count, default=200, metavar="N",
                          help=f"how many (default 200, at most {MAX_DEMO_CARDS:,})")
        demo.add_argument("--force", action="store_true",
                          help="add demo cards even to a database that already has cards")

    if wanted("add"):
        add = command("add", "add a contact; prints its id")
        add.add_argument("name")
        for field in ("company", "email", "phone", "owner"):
            add.add_argument(f"--{field}")
        add.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
        add.add_argument("--allow-duplicate", action="store_true",
                         help="add it even when another card has the same email")

    def if_version(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--if-version", type=_version, default=None, metavar="N",
                         help="only if the card is still at version N (as you read it); "
                              "otherwise change nothing and exit 4")

    if wanted("edit"):
        edit = command("edit", "change fields of a card")
        edit.add_argument("id", type=_card_id)
        edit.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", required=True)
        if_version(edit)

    if wanted("reassign"):
        reassign = command("reassign", "hand a card to a colleague")
        reassign.add_argument("id", type=_card_id)
        reassign.add_argument("--to", required=True, metavar="USER", help="the new owner (a login name)")
        if_version(reassign)

    if wanted("show"):
        show = command("show", "show one card")
        show.add_argument("id", type=_card_id)
        show.add_argument("--json", action="store_true")

    if wanted("list"):
        listing = command("list", "list cards")
        listing.add_argument("--stage", type=_stage)
        listing.add_argument("--owner")
        listing.add_argument("--search", default="")
        listing.add_argument("--json", action="store_true")

    if wanted("promote"):
        promote = command("promote", "move a card to the next stage through its gate")
        promote.add_argument("id", type=_card_id)
        promote.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                             help="fill in fields and promote in one step")
        if_version(promote)
    for name, help in (("demote", "move a card back one stage"), ("lose", "mark a card lost")):
        if wanted(name):
            sub = command(name, help)
            sub.add_argument("id", type=_card_id)
            sub.add_argument("--reason", required=True)
            if_version(sub)
    if wanted("reopen"):
        reopen = command("reopen", "bring a lost card back to the stage it was lost from")
        reopen.add_argument("id", type=_card_id)
        if_version(reopen)

    if wanted("log"):
        log = command("log", "log an activity (call, meeting, email, note) on a card")
        log.add_argument("id", type=_card_id)
        log.add_argument("--kind", required=True, choices=["call", "meeting", "email", "note"])
        log.add_argument("--summary", required=True)

    if wanted("plan"):
        plan = command("plan", "plan a next step (call, meeting, email, task) on a card; prints its id")
        plan.add_argument("id", type=_card_id)
        plan.add_argument("--kind", required=True, choices=[k.value for k in PlannedKind])
        plan.add_argument("--due", required=True, metavar="YYYY-MM-DD[THH:MM]",
                          help="a day, or a local time that day (a past date is allowed: the card is overdue)")
        plan.add_argument("--summary", required=True)
        plan.add_argument("--owner", metavar="USER", help="who will do it (default: the card's owner)")

    if wanted("done"):
        done = command("done", "complete a planned activity (it joins the activity log); optionally plan the next")
        done.add_argument("activity", type=_activity_id, metavar="ACTIVITY_ID")
        done.add_argument("--outcome", help="what came of it")
        done.add_argument("--next-kind", choices=[k.value for k in PlannedKind])
        done.add_argument("--next-due", metavar="YYYY-MM-DD[THH:MM]")
        done.add_argument("--next-summary")

    if wanted("reschedule"):
        reschedule = command("reschedule", "move a planned activity to another day or time")
        reschedule.add_argument("activity", type=_activity_id, metavar="ACTIVITY_ID")
        reschedule.add_argument("--due", required=True, metavar="YYYY-MM-DD[THH:MM]")

    if wanted("cancel"):
        cancel = command("cancel", "cancel a planned activity")
        cancel.add_argument("activity", type=_activity_id, metavar="ACTIVITY_ID")

    if wanted("today"):
        today = command("today", "overdue and today's planned activities, then open cards with no next step, "
                                 "then stale")
        whose = today.add_mutually_exclusive_group()
        whose.add_argument("--owner", metavar="USER", help="someone else's day (default: yours)")
        whose.add_argument("--all", action="store_true", help="everyone's day")
        today.add_argument("--json", action="store_true")

    if wanted("activities"):
        activities = command("activities", "a card's activities, done and planned, newest first")
        activities.add_argument("id", type=_card_id)
        activities.add_argument("--json", action="store_true")

    if wanted("history"):
        history = command("history", "a card's moves, edits, reassigns and activities, with who and when")
        history.add_argument("id", type=_card_id)
        history.add_argument("--json", action="store_true")

    if wanted("delete"):
        delete = command("delete", "take a card off the board (undo brings it back); with --erase, remove "
                                   "what is known of the person for good")
        delete.add_argument("id", type=_card_id)
        delete.add_argument("--erase", action="store_true",
                            help="for an erasure request (GDPR, LGPD): remove the card's fields, history, journal, "
                                 "activities and planned steps for good, with the cards merged into it and what it "
                                 "brought to the cards it was merged into, keeping only who erased it and when; "
                                 "cannot be undone; asks first")
        delete.add_argument("--yes", action="store_true",
                            help="erase without asking (needed when standard input is not a terminal)")
        if_version(delete)

    if wanted("merge"):
        merge = command("merge", "merge card OTHER (the same person) into card KEEP: one card with both "
                                 "histories, activities and extras; undo splits them again")
        merge.add_argument("keep", type=_card_id, metavar="KEEP")
        merge.add_argument("other", type=_card_id, metavar="OTHER")

    if wanted("undo"):
        undo = command("undo", "undo your last change (a move, an edit, a reassign, a logged activity), "
                               "or the change ID; says which and asks first")
        undo.add_argument("change", nargs="?", type=_change_id, metavar="ID",
                          help="the change to undo (its journal id, from --list)")
        undo.add_argument("--list", action="store_true", help="show your last ten changes with their journal ids")
        undo.add_argument("--yes", action="store_true",
                          help="undo without asking (needed when standard input is not a terminal)")

    if wanted("rules"):
        rules = command("rules", "print the rules in force, or check a rules file")
        rules.add_argument("--check", metavar="FILE")

    if wanted("import"):
        importing = command("import", "import cards from a CSV file (or JSON as export writes it)")
        importing.add_argument("file", metavar="FILE")
        importing.add_argument("--map", action="append", default=[], metavar="'COLUMN=field'",
                               help="take a field from a column the automatic matching misses "
                                    "(several: repeat, or separate with commas; field 'ignore' skips a column)")
        importing.add_argument("--stage-map", action="append", default=[], metavar="'VALUE=stage,...'",
                               help="what the file's stage values mean, e.g. 'Prospecting=lead,Won=account'")
        importing.add_argument("--owner-map", action="append", default=[], metavar="'OWNER=login,...'",
                               help="who the file's owners (ids or names) are here; others are kept as written")
        importing.add_argument("--date-order", choices=["dmy", "mdy", "ymd"], default=None,
                               help="how to read dates like 03/04/2026 when the file's values leave it open")
        importing.add_argument("--dry-run", action="store_true",
                               help="say what would be imported; change nothing")
        importing.add_argument("--enforce-gates", action="store_true",
                               help="place each card at the last stage whose gates it passes "
                                    "(default: keep the file's stage, recording failed rules as warnings)")
        importing.add_argument("--update", action="store_true",
                               help="update cards that match by email or name + company (default: skip them)")
        importing.add_argument("--batch-size", type=_batch_size, default=None, metavar="N",
                               help="rows read and checked at a time, and the most written per transaction "
                                    "(default 10000; a transaction also commits after 0.25 s of writing)")

    if wanted("export"):
        exporting = command("export", "write every card with every field as CSV or JSON (import reads it back)")
        exporting.add_argument("file", metavar="FILE", nargs="?",
                               help="where to write (default: standard output)")
        exporting.add_argument("--format", choices=["csv", "json"], help="default: from FILE's suffix, else csv")
        exporting.add_argument("--stage", type=_stage, help="only the cards of this stage")
        exporting.add_argument("--with-history", action="store_true", help="add each card's moves and activities")
    if wanted("report"):
        report = command("report", "a report from the history: " + ", ".join(REPORTS))
        report.add_argument("kind", choices=REPORTS, metavar="KIND", help=", ".join(REPORTS))
        report.add_argument("--period", choices=PERIODS, default=None,
                            help="a named period (default this-month)")
        report.add_argument("--from", dest="first", type=_date, default=None, metavar="DATE",
                            help="the first day (YYYY-MM-DD); for snapshot, the day a waterfall starts")
        report.add_argument("--to", dest="last", type=_date, default=None, metavar="DATE",
                            help="the last day (default today)")
        owners = report.add_mutually_exclusive_group()
        owners.add_argument("--owner", default=None, metavar="USER",
                            help="the cards USER owns now ('me': yours, the default)")
        owners.add_argument("--all", action="store_true", help="everyone's cards")
        report.add_argument("--as-of", type=_date, default=None, metavar="DATE",
                            help="snapshot: the day the pipeline is shown as of (default today)")
        shape = report.add_mutually_exclusive_group()
        shape.add_argument("--json", action="store_true")
        shape.add_argument("--csv", action="store_true")
    return parser


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"a date is YYYY-MM-DD, not {text!r}") from None


#: the largest id or version a database stores (a signed 64-bit integer)
MAX_ID = 2**63 - 1
#: the most cards ``demo`` makes in one go
MAX_DEMO_CARDS = 1_000_000
#: the most rows ``import --batch-size`` puts in one transaction
MAX_BATCH = 1_000_000


def _number(text: str, what: str, least: int, most: int) -> int:
    """``text`` as a whole number from ``least`` to ``most``, else a one-line usage error."""
    digits = text.strip()
    if not digits.isascii() or not digits.isdigit() or len(digits) > 30 or not least <= int(digits) <= most:
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise argparse.ArgumentTypeError(f"{what} is a whole number from {least:,} to {most:,}, not {shown!r}")
    return int(digits)


def _card_id(text: str) -> int:
    return _number(text, "a card id", 1, MAX_ID)


def _change_id(text: str) -> int:
    return _number(text, "a change id", 1, MAX_ID)


def _activity_id(text: str) -> int:
    return _number(text, "an activity id", 1, MAX_ID)


def _version(text: str) -> int:
    return _number(text, "a card version", 1, MAX_ID)


def _count(text: str) -> int:
    return _number(text, "the number of demo cards", 0, MAX_DEMO_CARDS)


def _batch_size(text: str) -> int:
    return _number(text, "a batch size", 1, MAX_BATCH)


def _stage(text: str) -> Stage:
    try:
        return parse_stage(text)
    except InvalidInput as error:
        raise argparse.ArgumentTypeError(str(error)) from None


# ---- output ------------------------------------------------------------------------------------

class _Inert(io.TextIOBase):
    """A terminal's standard output or error: whatever is written is shown, never obeyed.

    This is the one place CLI output to a terminal is made safe: human text shows each control
    and bidi character as a visible escape (``domain.text.for_terminal``; tab and newline lay it
    out), JSON as a ``\\uXXXX`` escape (``json_for_terminal``: the same JSON value). A pipe or a
    file is never wrapped, so it gets the data exact."""

    def __init__(self, stream: TextIO, json: bool):
        self._stream = stream
        self._escape: Callable[[str], str] = (
            json_for_terminal if json else lambda text: for_terminal(text, keep_lines=True))

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._stream.write(self._escape(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return True


def terminal_safe(stream: TextIO, json: bool = False) -> TextIO:
    """``stream`` itself when it is a pipe or a file; wrapped so nothing written can take over the
    terminal when it is one."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # closed, or not a real stream
        tty = False
    return cast(TextIO, _Inert(stream, json)) if tty else stream


def printable(text: object) -> str:
    """User text made visible for the progress line, which draws on the terminal itself."""
    return for_terminal(str(text), keep_lines=True)


def move_json(record: MoveRecord) -> dict[str, Any]:
    return {
        "id": record.id, "card": record.card_id, "move": record.move.value,
        "from": record.from_stage.value if record.from_stage else None, "to": record.to_stage.value,
        "by": record.by, "database_role": record.database_role, "at": record.at.isoformat(),
        "reason": record.reason,
        "warnings": list(record.warnings), "undoes": record.undoes,
    }


def history_json(item: HistoryItem) -> dict[str, Any]:
    """One line of a card's history: a move's keys (null for a change that is not a move), plus its
    journal entry: ``journal`` (its id), ``change`` (its kind), ``changes`` (each field's old and
    new value) and ``undoes_change``."""
    change = item.change
    if item.move is not None:
        data = move_json(item.move)
    else:
        assert change is not None
        data = {"id": None, "card": change.card_id, "move": None, "from": None, "to": None, "by": change.by,
                "at": change.at.isoformat(), "reason": None, "warnings": [], "undoes": None}
    data.update(
        journal=change.id if change else None,
        change=change.kind.value if change else None,
        changes=[{"field": c.field, "old": c.old, "new": c.new} for c in change.changes] if change else [],
        undoes_change=change.undoes if change else None,
    )
    return data


def _field_lines(change: ChangeRecord | None, out: TextIO, skip: frozenset[str] = frozenset(),
                 only: frozenset[str] | None = None) -> None:
    for field in change.changes if change else ():
        if field.field in skip or (only is not None and field.field not in only):
            continue
        old = "-" if field.old is None else str(field.old)
        new = "-" if field.new is None else str(field.new)
        out.write(f"{'':30}{field.field}: {old} → {new}\n")


def _declared_names(pipeline: Pipeline, pairs: list[str]) -> Collection[str]:
    """The rules file's declared fields, read only when ``--set`` names a field that is not a card's."""
    if all(pair.partition("=")[0].strip() in FIELD_NAMES for pair in pairs):
        return ()
    return pipeline.rules.fields


def _show(card: Card, step: PlannedRecord | None, out: TextIO, labels: dict[str, str] | None = None) -> None:
    out.write(f"Card {card.id} · {card.stage.value} · version {card.version}\n")
    for name in FIELD_NAMES:
        value = getattr(card, name)
        if value is not None:
            out.write(f"  {FIELD_LABELS[name]:<40} {field_text(value)}\n")
    if card.stage is Stage.LOST:
        out.write(f"  {'Lost from':<40} {card.lost_from.value if card.lost_from else '-'}\n")
        out.write(f"  {'Lost because':<40} {card.lost_reason}\n")
    out.write(f"  {'Activities':<40} {card.activity_count}\n")
    if step is not None:
        out.write(f"  {'Next step':<40} {_step_line(step)}\n")
    if card.warnings:
        out.write(f"  {'Warnings accepted':<40} {', '.join(card.warnings)}\n")
    if card.source_id:
        out.write(f"  {'Source id':<40} {card.source_id}\n")
    labels = labels or {}
    for key, value in card.extra.items():  # the team's declared fields first, by their labels
        if key in labels:
            out.write(f"  {labels[key][:40]:<40} {value}\n")
    kept = {key: value for key, value in card.extra.items() if key not in labels}
    for key, value in kept.items():
        out.write(f"  {str(key)[:38] + ' *':<40} {value}\n")
    if kept:
        out.write("  * an extra field, kept from an imported file\n")


#: cards read per query by ``list``; the first query reads about a screenful, so a pager or
#: ``| head`` shows the first lines without waiting for a full page
LIST_PAGE, FIRST_LIST_PAGE = 500, 50


def _list_pages(pipeline: Pipeline, stage: Stage | None, card_filter: CardFilter) -> Iterator[list[Card]]:
    after, limit = None, FIRST_LIST_PAGE
    while True:
        page = pipeline.find(stage, card_filter, limit=limit, after=after)
        if page:
            yield page
        if len(page) < limit:
            return
        after, limit = page[-1], LIST_PAGE


def _say_move(result: MoveResult, out: TextIO) -> None:
    card, record = result.card, result.record
    out.write(f"Card {card.id} ({card.name}): {record.from_stage} → {record.to_stage}.\n")
    for warning in result.warnings:
        out.write(f"warning accepted: {warning}\n")


# ---- commands -------------------------------------------------------------------------------


def run(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    command = args.command
    if command is not None:
        started()  # the board says so once it is up
    if command == "rules":
        return _rules(args, settings, out)
    if command is None:
        return _open_board(settings, args.board_as_of)
    if command == "init":
        return _init(args, settings, out)
    pipeline = open_pipeline(settings.database, settings.who, settings.rules, settings.shared_group,
                             create=command not in READ_ONLY)
    handler: Callable[[Pipeline, argparse.Namespace, TextIO], int] = COMMANDS[command]
    return handler(pipeline, args, out)


def _open_board(settings: Settings, as_of: date | None = None) -> int:
    """The board; on a database that does not exist yet, only once the user says to create it (a
    mistyped path must not quietly become an empty private board)."""
    from leadboard.tui.app import run_board

    if as_of is not None and as_of > date.today():
        raise InvalidInput(f"--as-of {as_of} is in the future; the board can only show the past.", field="--as-of")
    if as_of is not None and not database_exists(settings.database):
        raise InvalidInput(f"There is no database at {settings.database}: nothing to show as of {as_of}.",
                           field="--db")
    if not database_exists(settings.database):
        where = printable(settings.database)
        if not sys.stdin.isatty():
            raise InvalidInput(f"There is no database at {where}: create it with "
                               f"`leadboard init --db {where}`, or open the board in a terminal to be asked.")
        try:
            answer = input(f"There is no database at {where}. Create it? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            sys.stdout.write("Nothing created.\n")
            return EXIT_OK
    return run_board(settings, as_of)


def _rules(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from leadboard.domain.rules import default_rules_text, load_rules

    if args.check:
        rules = load_rules(args.check)
        gates = ", ".join(f"{gate} ({len(rules.gate(gate))} rules)" for gate in ("qualify", "develop", "win"))
        declared = "".join(f"; field {name} ({field.label}, {field.type})" for name, field in rules.fields.items())
        currency = f"; currency {rules.currency}" if rules.currency else ""
        out.write(f"{args.check}: ok: {gates}; {len(rules.lost_reasons)} lost reasons{declared}{currency}.\n")
        return EXIT_OK
    if settings.rules:
        load_rules(settings.rules)  # refuse a bad file before printing it
        out.write(settings.rules.read_text("utf-8"))
    else:
        out.write(default_rules_text())
    return EXIT_OK


def _init(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    group = args.shared or settings.shared_group
    out.write(init_database(settings.database, settings.who, group) + "\n")
    return EXIT_OK


def _demo(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    from leadboard.service.demo import fill

    held = sum(stat.cards for stat in pipeline.stats().values())
    if held and not args.force:
        raise InvalidInput(f"The database already has {held:,} cards, and demo cards would mix with them: "
                           "add --force to add them anyway.", field="force")

    def progress(done: int, total: int) -> None:
        if total >= 10_000 and sys.stderr.isatty():
            sys.stderr.write(f"\r{done:,} / {total:,} cards")
            sys.stderr.flush()

    made = fill(pipeline, args.cards, progress=progress)
    if args.cards >= 10_000 and sys.stderr.isatty():
        sys.stderr.write("\n")
    summary = ", ".join(f"{count:,} {stage.value}" for stage, count in made.items())
    out.write(f"Added {args.cards:,} demo cards: {summary}.\n")
    return EXIT_OK


def _add(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    fields: dict[str, Any] = parse_assignments(args.set, _declared_names(pipeline, args.set))
    fields["name"] = args.name
    for name in ("company", "email", "phone", "owner"):
        if getattr(args, name) is not None:
            fields[name] = getattr(args, name)
    try:
        card = pipeline.create(fields, allow_duplicate=args.allow_duplicate)
    except DuplicateEmail as duplicate:
        raise InvalidInput(f"Card {duplicate.card_id} ({duplicate.name}) already has {duplicate.email}; use "
                           "--allow-duplicate to add it anyway (leadboard merge joins two cards later).",
                           field="email") from None
    out.write(f"{card.id}\n")
    return EXIT_OK


def _edit(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    card = pipeline.edit(args.id, parse_assignments(args.set, _declared_names(pipeline, args.set)), args.if_version)
    out.write(f"Card {card.id} saved (version {card.version}).\n")
    return EXIT_OK


def _reassign(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    card = pipeline.reassign(args.id, args.to, args.if_version)
    out.write(f"Card {card.id} ({card.name}) now belongs to {card.owner} "
              f"(version {card.version}).\n")
    return EXIT_OK


def _show_command(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    from leadboard.service.transfer.exporter import card_record

    card = pipeline.card(args.id)
    step = pipeline.next_step(card.id)
    if args.json:
        json.dump(card_record(card, step, open_steps=pipeline.open_steps([card.id])[card.id]), out,
                  ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        labels = {name: field.label for name, field in pipeline.rules.fields.items()} if card.extra else {}
        _show(card, step, out, labels)
    return EXIT_OK


def _list(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    from leadboard.service.transfer.exporter import card_record

    card_filter = CardFilter(owner=args.owner, search=args.search)
    pages = _list_pages(pipeline, args.stage, card_filter)
    if args.json:
        out.write("[")
        index = 0
        for page in pages:
            ids = [card.id for card in page]
            steps, plans = pipeline.next_steps(ids), pipeline.open_steps(ids)
            for card in page:
                out.write(",\n" if index else "\n")
                out.write(json.dumps(card_record(card, steps.get(card.id), open_steps=plans[card.id]),
                                     ensure_ascii=False))
                index += 1
        out.write("\n]\n")
        return EXIT_OK
    for card in (card for page in pages for card in page):
        amount = card.amount
        out.write(
            f"{card.id:>8}  {card.stage.value:<11}  {card.name[:30]:<30}  "
            f"{(card.company or '')[:24]:<24}  {card.owner or '':<10}  "
            f"{'' if amount is None else f'{amount:,.0f}':>12}\n"
        )
    return EXIT_OK


def _promote(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    changes = parse_assignments(args.set, _declared_names(pipeline, args.set))
    _say_move(pipeline.promote(args.id, changes or None, args.if_version), out)
    return EXIT_OK


def _demote(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    _say_move(pipeline.demote(args.id, args.reason, args.if_version), out)
    return EXIT_OK


def _lose(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    _say_move(pipeline.lose(args.id, args.reason, args.if_version), out)
    return EXIT_OK


def _reopen(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    _say_move(pipeline.reopen(args.id, args.if_version), out)
    return EXIT_OK


def _delete(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    if not args.erase:
        card = pipeline.delete(args.id, args.if_version)
        out.write(f"Card {card.id} ({card.name}) deleted; `leadboard undo` brings it back.\n")
        return EXIT_OK
    try:
        card = pipeline.card(args.id)
        what = f"card {card.id} ({card.name})"
    except CardRemoved as removed:
        if removed.erased:
            raise
        what = f"deleted card {args.id}"
    if not args.yes:
        if not sys.stdin.isatty():
            raise InvalidInput(f"Not erased: {what}; standard input is not a terminal, so say --yes to erase it.",
                               field="--yes")
        merged = pipeline.merged_into(args.id)
        with_them = f", with {_merged_cards(merged)} merged into it" if merged else ""
        out.write(f"Erase {what} for good{with_them}: its fields, history, journal and activities? "
                  "This cannot be undone. [y/N] ")
        out.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            out.write("Nothing erased.\n")
            return EXIT_OK
    erased = pipeline.erase(args.id, args.if_version)
    if erased:
        out.write(f"Card {args.id} erased, with {_merged_cards(erased)} merged into it; all that is kept is who "
                  "erased each and when.\n")
    else:
        out.write(f"Card {args.id} erased; all that is kept is who erased it and when.\n")
    return EXIT_OK


def _merged_cards(ids: list[int]) -> str:
    """``card 7`` or ``cards 7, 9 and 12``."""
    if len(ids) == 1:
        return f"card {ids[0]}"
    return f"cards {', '.join(map(str, ids[:-1]))} and {ids[-1]}"


def _merge(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    result = pipeline.merge(args.keep, args.other)
    filled = f"filled {', '.join(result.filled)} from it" if result.filled else "filled nothing from it"
    added = f"; kept as extras: {', '.join(result.added)}" if result.added else ""
    out.write(f"Card {result.other.id} ({result.other.name}) merged into card {result.card.id} "
              f"({result.card.name}): {filled}{added}. `leadboard undo` splits them again.\n")
    return EXIT_OK


def _undo(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    if args.list:
        return _undo_list(pipeline, out)
    target = pipeline.last_change() if args.change is None else pipeline.change(args.change)
    pipeline.check_undo(target)
    name = pipeline.name_of_changed_card(target)
    what = (f"{target.describe()} on card {target.card_id} ({name}), "
            f"made {local(target.at)} (change {target.id})")
    if not args.yes:
        if not sys.stdin.isatty():
            raise InvalidInput(f"Not undone: {what}; standard input is not a terminal, so say --yes to undo it.",
                               field="--yes")
        out.write(f"Undo {what}? [y/N] ")
        out.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            out.write("Nothing undone.\n")
            return EXIT_OK
    result = pipeline.undo(target.id)
    back = result.record or result.undone.kind is ChangeKind.DELETE
    where = f"; it is back in {result.card.stage}" if back else ""
    out.write(f"Undone: {result.undone.describe()} on card {result.card.id} "
              f"({result.card.name}){where}.\n")
    return EXIT_OK


def _undo_list(pipeline: Pipeline, out: TextIO) -> int:
    changes = pipeline.my_changes(10)
    if not changes:
        out.write("You have made no changes yet.\n")
    for change in changes:
        if change.kind is ChangeKind.UNDO:
            what = f"undo of change {change.undoes}" if change.undoes else "undo"
        else:
            what = change.describe()
        status = f"  (undone by change {change.undone_by})" if change.undone_by else ""
        out.write(f"{change.id:>8}  {local(change.at)}  card {change.card_id:<8} {what}{status}\n")
    return EXIT_OK


def _log(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    activity = pipeline.log_activity(args.id, args.kind, args.summary)
    out.write(f"Logged {activity.kind.value} on card {activity.card_id}.\n")
    return EXIT_OK


def _step_line(step: PlannedRecord) -> str:
    return (f"#{step.id} {step.kind.value} due {step.due.text()}: {step.summary}"
            f" ({step.owner})")


def step_json(step: PlannedRecord) -> dict[str, Any]:
    return {
        "id": step.id, "card": step.card_id, "state": step.state.value, "kind": step.kind.value,
        "summary": step.summary, "due": step.due.iso(), "owner": step.owner,
        "planned_by": step.planned_by, "planned_at": step.planned_at.isoformat(),
        "rescheduled_by": step.rescheduled_by,
        "rescheduled_at": step.rescheduled_at.isoformat() if step.rescheduled_at else None,
        "closed_by": step.closed_by, "closed_at": step.closed_at.isoformat() if step.closed_at else None,
        "outcome": step.outcome, "log_id": step.activity_id,
    }


def _plan(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    step = pipeline.plan(args.id, args.kind, args.due, args.summary, args.owner)
    out.write(f"{step.id}\n")
    return EXIT_OK


def _done(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    given = {name: getattr(args, name.replace("-", "_")) for name in ("next-kind", "next-due", "next-summary")}
    then: NextPlan | None = None
    if any(value is not None for value in given.values()):
        missing = [f"--{name}" for name, value in given.items() if value is None]
        if missing:
            raise InvalidInput(f"{missing[0]}: planning the next step needs --next-kind, --next-due and "
                               "--next-summary together.", field=missing[0])
        then = pipeline.parse_plan(args.next_kind, args.next_due, args.next_summary)
    done = pipeline.complete(args.activity, args.outcome, then)
    out.write(f"Done: {done.step.kind.value} on card {done.step.card_id} (logged as activity {done.activity.id}).\n")
    if done.next is not None:
        out.write(f"Planned next: {_step_line(done.next)}\n")
    return EXIT_OK


def _reschedule(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    step = pipeline.reschedule(args.activity, args.due)
    out.write(f"Rescheduled: {_step_line(step)}\n")
    return EXIT_OK


def _cancel(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    step = pipeline.cancel(args.activity)
    out.write(f"Cancelled: #{step.id} {step.kind.value} on card {step.card_id}.\n")
    return EXIT_OK


def _card_json(card: CardSummary) -> dict[str, Any]:
    return {"id": card.id, "name": card.name, "company": card.company, "stage": card.stage.value,
            "owner": card.owner}


def _today(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    owner = None if args.all else (args.owner or pipeline.user)
    day = pipeline.today_view(owner)
    if args.json:
        json.dump({
            "owner": owner,
            "due": [step_json(d.step) | {"next_step_state": d.step.due.state(day.now).value,
                                         "card": _card_json(d.card)} for d in day.due],
            "no_next_step": [_card_json(card) for card in day.without_next_step],
            "stale": [_card_json(card) | {"last_active": card.active_at.isoformat()} for card in day.stale],
        }, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return EXIT_OK

    def card_text(card: CardSummary) -> str:
        company = f" ({card.company})" if card.company else ""
        return f"card {card.id:<7} {card.stage.value:<11} {card.name}{company}"

    for title, state in (("Overdue", StepState.OVERDUE), ("Due today", StepState.TODAY)):
        steps = [d for d in day.due if d.step.due.state(day.now) is state]
        out.write(f"{title} ({len(steps)})\n")
        for d in steps:
            out.write(f"  #{d.step.id:<6} {d.step.due.text():<16} {d.step.kind.value:<7} "
                      f"{d.step.summary[:40]:<40}  {card_text(d.card)}\n")
    out.write(f"No next step ({len(day.without_next_step)})\n")
    for card in day.without_next_step:
        out.write(f"  {card_text(card)}\n")
    out.write(f"Stale ({len(day.stale)})\n")
    for card in day.stale:
        out.write(f"  {card_text(card)}  (last active {card.active_at:%Y-%m-%d})\n")
    return EXIT_OK


def _activities(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    entries = activity_entries(pipeline.activities(args.id), pipeline.planned_of(args.id))
    if args.json:
        json.dump([{k: v for k, v in entry.items() if k != "due_text"} for entry in entries], out,
                  ensure_ascii=False, indent=2)
        out.write("\n")
        return EXIT_OK
    for entry in entries:
        when = entry["due_text"] if entry["state"] == "planned" else entry["at"][:16].replace("T", " ")
        label = "due " + when if entry["state"] == "planned" else when
        ident = f"#{entry['id']}" if entry["id"] else ""
        outcome = f" — {entry['outcome']}" if entry.get("outcome") and entry["state"] != "done" else ""
        out.write(f"{ident:<8} {entry['state']:<10} {entry['kind']:<8} {label:<22} "
                  f"{entry['by']:<10} {entry['summary']}{outcome}\n")
    return EXIT_OK


def activity_entries(log: list[ActivityRecord], plans: list[PlannedRecord]) -> list[dict[str, Any]]:
    """A card's done activities (the log) and its planned and cancelled ones, newest first. A done
    planned activity shows once, as its entry of the log, with the planned activity's id."""
    planned_by_log = {plan.activity_id: plan for plan in plans if plan.activity_id is not None}
    entries: list[dict[str, Any]] = []
    for item in log:
        plan = planned_by_log.get(item.id)
        entries.append({
            "id": plan.id if plan else None, "log_id": item.id, "state": "done", "kind": item.kind.value,
            "summary": item.summary, "outcome": plan.outcome if plan else None,
            "due": plan.due.iso() if plan else None, "at": item.at.isoformat(), "by": item.by,
            "owner": plan.owner if plan else None,
        })
    for plan in plans:
        if plan.state is PlanState.DONE:
            continue
        at = plan.closed_at if plan.state is PlanState.CANCELLED and plan.closed_at else plan.planned_at
        by = plan.closed_by if plan.state is PlanState.CANCELLED and plan.closed_by else plan.planned_by
        entries.append({
            "id": plan.id, "log_id": None, "state": plan.state.value, "kind": plan.kind.value,
            "summary": plan.summary, "outcome": None, "due": plan.due.iso(), "at": at.isoformat(), "by": by,
            "owner": plan.owner, "due_text": plan.due.text(),
        })
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    return entries


def _history(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    items = pipeline.history_items(args.id)
    if args.json:
        json.dump([history_json(item) for item in items], out, ensure_ascii=False, indent=2)
        out.write("\n")
        return EXIT_OK
    undone = {item.change.id: item.change for item in items if item.change}
    for item in items:
        move, change = item.move, item.change
        if move is None:
            assert change is not None
            kind = change.kind.value
            target = undone.get(change.undoes) if change.undoes else None
            what = {ChangeKind.UNDO: f"of change {change.undoes}" + (f" ({target.describe()})"
                                                                     if target else ""),
                    ChangeKind.ACTIVITY: str(change.describe().removeprefix("log ")),
                    ChangeKind.MERGE: change.merged_line or ""}.get(change.kind, "")
            out.write(f"{change.at:%Y-%m-%d %H:%M}  {change.by:<10}  {kind:<8} {what}".rstrip() + "\n")
            if change.kind is ChangeKind.MERGE:  # its line says which card; then the fields it filled
                _field_lines(change, out, only=frozenset(FIELD_NAMES))
            elif change.kind is not ChangeKind.ACTIVITY:  # its one line says what was logged
                _field_lines(change, out)
            continue
        source = move.from_stage.value if move.from_stage else "-"
        reason = f"  ({move.reason})" if move.reason else ""
        by = move.by if move.database_role is None else f"{move.by} (role {move.database_role})"
        out.write(f"{move.at:%Y-%m-%d %H:%M}  {by:<10}  {move.move.value:<8} "
                  f"{source} → {move.to_stage}{reason}\n")
        for warning in move.warnings:
            out.write(f"{'':30}warning accepted: {warning}\n")
        _field_lines(change, out, MOVE_FIELDS)
    return EXIT_OK


def _import(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    from leadboard.domain.values import DateOrder
    from leadboard.service.transfer.columns import parse_column_map, parse_owner_map, parse_stage_map
    from leadboard.service.transfer.importer import ImportOptions, import_file

    options = ImportOptions(
        column_map=parse_column_map(args.map), stage_map=parse_stage_map(args.stage_map),
        dry_run=args.dry_run, enforce_gates=args.enforce_gates, update=args.update,
        date_order=DateOrder(args.date_order) if args.date_order else None,
        owner_map=parse_owner_map(args.owner_map),
        **({"batch_size": args.batch_size} if args.batch_size else {}),
    )
    progress = _ProgressLine(f"importing {os.path.basename(args.file)}")
    try:
        summary = import_file(pipeline, args.file, options, progress.show if progress.on else None)
    except peewee.DataError as error:
        progress.end()
        raise InvalidInput(f"{args.file}: {VALUE_OUT_OF_RANGE[:1].upper()}{VALUE_OUT_OF_RANGE[1:]} "
                           f"({str(error).strip().splitlines()[0]}).", field="FILE") from None
    except (RecursionError, OverflowError, UnicodeError, ValueError) as error:
        progress.end()
        problem = _unreadable(error)
        if problem is None:
            raise
        raise InvalidInput(f"{args.file}: {problem[:1].upper()}{problem[1:]}", field="FILE") from None
    except KeyboardInterrupt:
        progress.end()
        sys.stderr.write("leadboard: import interrupted; the batches written so far are kept: run the same "
                         "command again to carry on from there.\n")
        return 130
    progress.end()
    for line in summary.lines():
        out.write(line + "\n")
    # a dry run exits as the real run would
    if summary.unknown_stages or summary.ambiguous_dates:
        sys.stderr.write("leadboard: nothing would be imported until the stage values or date columns "
                         "above are settled.\n")
        return EXIT_BAD_INPUT
    if summary.all_rejected:
        sys.stderr.write(f"leadboard: every row was rejected; see {summary.rejects_path or 'above'!s}.\n")
        return EXIT_BAD_INPUT
    if summary.rejected:
        return EXIT_PARTLY
    return EXIT_OK


class _ProgressLine:
    """A progress line on stderr, redrawn in place, only when stderr is a terminal."""

    def __init__(self, label: str):
        self.label = label
        self.on = sys.stderr.isatty()
        self.started = time.monotonic()
        self.drawn = False

    def show(self, progress: Any) -> None:
        done, total, rows = progress.bytes_done, progress.bytes_total, progress.rows_done
        seconds = max(time.monotonic() - self.started, 1e-6)
        share = f"{100 * done / total:3.0f}%" if total else ""
        line = f"{printable(self.label)}: {share} {rows:,} rows ({rows / seconds:,.0f} rows/s)"
        sys.stderr.write(f"\r{line}\x1b[K")
        sys.stderr.flush()
        self.drawn = True

    def end(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            self.drawn = False


def _export_format(args: argparse.Namespace) -> Format:
    target = args.file
    return args.format or ("json" if target and target.lower().endswith(".json") else "csv")  # type: ignore[no-any-return]


def _writes_json(args: argparse.Namespace) -> bool:
    """True when the command prints JSON on standard output (escaped as JSON on a terminal)."""
    if args.command == "export":
        return args.file in (None, "-") and _export_format(args) == "json"
    return bool(getattr(args, "json", False))


def _export(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    from leadboard.service.transfer.exporter import export_cards

    target = args.file
    format = _export_format(args)
    if target in (None, "-"):
        export_cards(out, format, args.stage, args.with_history)
        return EXIT_OK
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        raise InvalidInput(f"Cannot write {target}: there is no folder {directory}.", field="FILE")
    # write beside the target and rename, so a failed export never leaves half a file behind
    try:
        handle, temporary = tempfile.mkstemp(prefix=".leadboard-export-", dir=directory)
    except OSError as error:
        raise InvalidInput(f"Cannot write {target}: {error.strerror or error}.", field="FILE") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            count = export_cards(file, format, args.stage, args.with_history)
        os.replace(temporary, target)
    except OSError as error:
        os.unlink(temporary)
        raise InvalidInput(f"Cannot write {target}: {error.strerror or error}.", field="FILE") from None
    except BaseException:
        os.unlink(temporary)
        raise
    terminal_safe(sys.stderr).write(f"Exported {count:,} card{'s' if count != 1 else ''} to {target}.\n")
    return EXIT_OK


def _report(pipeline: Pipeline, args: argparse.Namespace, out: TextIO) -> int:
    from leadboard.service.report_tables import tables
    from leadboard.service.reports import Period, as_json
    from leadboard.service.reports import period as named_period

    today = date.today()
    owner = None if args.all else (pipeline.user if args.owner in (None, "me") else args.owner)
    if args.first is not None or args.last is not None:
        if args.period is not None:
            raise InvalidInput("Give either --period or --from/--to, not both.", field="--period")
        last = args.last or today
        period = Period(args.first or last.replace(day=1), last)
    else:
        period = named_period(args.period or "this-month", today)
    reports = pipeline.reports()
    kind = args.kind
    result: Any
    if kind == "snapshot":
        result = reports.snapshot(args.as_of or today, owner, since=args.first)
    elif kind == "forecast":
        result = reports.forecast(owner)
    else:
        method = {"funnel": reports.funnel, "winrate": reports.win_rate, "time": reports.time_in_stage,
                  "velocity": reports.velocity, "lost": reports.lost, "activity": reports.activity}[kind]
        result = method(period, owner)
    if args.json:
        data = as_json(result)
        data["owner"] = owner
        out.write(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
        return EXIT_OK
    if args.csv:
        writer = csv.writer(out)
        for number, table in enumerate(tables(result)):
            if number:
                writer.writerow([])
            writer.writerow(table.header)
            writer.writerows([[csv_cell(str(cell)) for cell in row] for row in table.rows])
        return EXIT_OK
    for number, table in enumerate(tables(result)):
        if number:
            out.write("\n")
        out.write(str(table.title) + "\n")
        cells = [[str(c) for c in table.header]] + [[str(c) for c in row] for row in table.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(table.header))]
        for row in cells:
            line = "  ".join(cell.ljust(width) if i == 0 else cell.rjust(width)
                             for i, (cell, width) in enumerate(zip(row, widths, strict=True)))
            out.write(str(line.rstrip()) + "\n")
    return EXIT_OK


def parse_command_line(argv: list[str]) -> argparse.Namespace:
    """``argv`` read by the parser of the command it names, built alone (what it accepts, the whole
    parser reads the same). The whole parser reads it when that one refuses it (a mistyped command,
    a command's name given as an option's value) and when help is asked for before the command, so
    every error and every help text is the whole parser's."""
    named = _command_named(argv)
    if named is not None:
        try:
            return build_parser(only=named).parse_args(argv)
        except UsageError:
            pass
    return build_parser().parse_args(argv)


def _command_named(argv: list[str]) -> str | None:
    """The first word of ``argv`` that names a command; None when none does or a help option
    (``-h``, ``--help`` or a prefix of it) comes first."""
    for word in argv:
        if word in COMMAND_NAMES:
            return word
        if word.startswith(("-h", "--h")):
            return None
    return None


def _check_arguments(argv: list[str]) -> None:
    """Python reads bytes that are not UTF-8 into lone surrogates, which no database or terminal
    takes: refuse them here, once, for every argument of every command."""
    for number, argument in enumerate(argv, start=1):
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            shown = argument.encode("utf-8", "surrogateescape")[:40]
            raise UsageError(f"argument {number} ({shown!r}) is not valid UTF-8 text") from None


VALUE_OUT_OF_RANGE = "a value does not fit the database: it was not saved"
DISK_FULL = "the disk is full: the change was not saved (nothing was half-written); free some space and run it again."


def _disk_full(error: BaseException) -> bool:
    """True when ``error`` (or what it was raised while handling: SQLite reports "cannot rollback"
    once a full disk made it roll back on its own) is the disk being full."""
    seen: BaseException | None = error
    for _ in range(10):
        if seen is None:
            return False
        if getattr(seen, "errno", None) == errno.ENOSPC or "disk is full" in str(seen).lower() \
                or "no space left" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _unreadable(error: BaseException) -> str | None:
    """The sentence for input Python itself cannot hold (the last guard: each reader names its own
    file and line where it can), or None for an error that is a bug, to be shown as one."""
    if isinstance(error, RecursionError):
        return "the input is nested too deeply to read (a JSON or TOML file nested hundreds of levels)."
    if isinstance(error, OverflowError):
        return ("a number is too large: ids, versions and counts are at most "
                f"{MAX_ID:,} (64 bits), dates end in the year 9999.")
    if isinstance(error, UnicodeError):
        return f"the input is not valid text ({error})."
    if "integer string conversion" in str(error):
        return "a number has more than 4,300 digits; no field holds one that long."
    if "NUL" in str(error) and "0x00" in str(error):  # psycopg2: PostgreSQL text holds no NUL
        return "the text holds a NUL character (0x00), which no field may hold."
    return None


COMMANDS: dict[str, Callable[[Pipeline, argparse.Namespace, TextIO], int]] = {
    "demo": _demo, "add": _add, "edit": _edit, "reassign": _reassign, "show": _show_command, "list": _list,
    "promote": _promote, "demote": _demote, "lose": _lose, "reopen": _reopen,
    "log": _log, "history": _history, "plan": _plan, "done": _done, "reschedule": _reschedule,
    "cancel": _cancel, "today": _today, "activities": _activities, "undo": _undo, "import": _import,
    "export": _export, "report": _report, "delete": _delete, "merge": _merge,
}
#: every command's name: those above, and the two that run without opening a pipeline
COMMAND_NAMES = frozenset({*COMMANDS, "init", "rules"})


def main(argv: Sequence[str] | None = None) -> int:
    err = terminal_safe(sys.stderr)
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        _check_arguments(argv)
        args = parse_command_line(argv)
        options = {key: getattr(args, key, None) for key in ("db", "rules", "user")}
        settings = load_settings(options)
        return run(args, settings, terminal_safe(sys.stdout, json=_writes_json(args)))
    except UsageError as error:  # argparse quotes the user's words as typed: escape them
        err.write(f"leadboard: {error}\n")
        return EXIT_BAD_INPUT
    except GateBlocked as error:
        err.write(f"leadboard: {error}\n")
        for failure in error.failures:  # a rules file's words: escaped like any user text
            suffix = "" if failure.blocking else "  (warning)"
            err.write(f"{failure.rule_id}: {failure.message}{suffix}\n")
        return EXIT_BLOCKED
    except Conflict as error:
        err.write(f"leadboard: {error}\n")
        return EXIT_CONFLICT
    except (LeadboardError, RulesFileError) as error:
        err.write(f"leadboard: {error}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # `leadboard list | head`: the reader has what it wanted
        sys.stdout = None  # type: ignore[assignment]
        return EXIT_OK
    except peewee.DataError as error:  # PostgreSQL: a value the column cannot hold; nothing was written
        err.write(f"leadboard: {VALUE_OUT_OF_RANGE} ({str(error).strip().splitlines()[0]}).\n")
        return EXIT_BAD_INPUT
    except peewee.DatabaseError as error:
        if _disk_full(error):
            err.write(f"leadboard: {DISK_FULL}\n")
            return EXIT_FAILED
        err.write(f"leadboard: the database failed: {error}\n")
        return EXIT_FAILED
    except (RecursionError, OverflowError, UnicodeError, ValueError) as error:
        problem = _unreadable(error)
        if problem is None:
            raise
        err.write(f"leadboard: {problem}\n")
        return EXIT_BAD_INPUT
    except OSError as error:  # a database file or folder that cannot be read or made
        if _disk_full(error):
            err.write(f"leadboard: {DISK_FULL}\n")
            return EXIT_FAILED
        where = f"{error.filename}: " if error.filename else ""
        err.write(f"leadboard: cannot use {where}{error.strerror or error}\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        err.write("leadboard: interrupted\n")
        return 130


__all__ = ["PIPELINE", "main"]
