"""The benchmark: does the board stay instant at a million cards? Run it on your own server:

    python -m leadboard.bench                       # 0, 10k, 100k and 1M cards, 5 runs each
    python -m leadboard.bench --sizes 0,10000 --runs 3
    python -m leadboard.bench --board-only --sizes 0,1000000 --runs 3   # today's board and as of a past day

For each size it builds (once, cached in --workdir) a demo database, then starts the real board
headless in a fresh process per run and reports medians of: process start to first full paint,
peak memory, one cursor move, one promote and one search keystroke (key to repaint), the time of
``leadboard list --stage lead --json | head``, import throughput (a CRM's export of every stage, and a
plain contacts file) with how long a colleague's write waits during the import, and each report's
time. Every figure is also given as a ratio to the same figure on the empty board.

A second table puts leadboard beside floors measured in the same run (each board probe followed by
one of the floors, so a load that comes and goes weighs on both), each as a ratio: a bare Textual
app with four columns and a footer (first paint), a ten-line script that imports pydantic and
peewee and prints one validated SQLite row as JSON (``show --json``, ``list | head``, ``promote``),
and a bare Textual modal with as many inputs as each dialog (open and close the card form, the
blocked-promote form and the activity dialog). So results compare across machines. It reports;
it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

BENCH_USER = "bench"
SIZE = (120, 35)
DEFAULT_SIZES = (0, 10_000, 100_000, 1_000_000)
SEARCH_WORD = "hopper"


# ---- the probe: runs in its own process, one per run ------------------------------------------


def _paint(app: Any) -> None:
    """Render every line of the screen now, as the next refresh would: what the user sees."""
    app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)


async def _timed(app: Any, work: Callable[[], Awaitable[Any]], done: Callable[[], bool] = lambda: True) -> float:
    """Seconds from a key's action to the repainted screen. The action is run as the key would run
    it; Pilot's own pauses between simulated keys (~0.1 s of waiting for idle) are not the app's,
    so they are left out. ``done`` says when work the key started in a thread worker has landed."""
    start = time.perf_counter()
    await work()
    while not done():
        if time.perf_counter() - start > 30:
            raise SystemExit(f"bench: {getattr(work, '__name__', work)} did not land within 30 s (screen {app.screen})")
        await asyncio.sleep(0.0005)
    _paint(app)
    return time.perf_counter() - start


async def _probe_board(db: str, started: float) -> dict[str, float]:
    from textual.widgets import Input

    from leadboard.domain.stages import Stage
    from leadboard.service.setup import open_pipeline
    from leadboard.tui.app import LeadboardApp
    from leadboard.tui.board import BoardScreen

    pipeline = open_pipeline(db, BENCH_USER)
    app = LeadboardApp(pipeline, offer_demo=False, poll_interval=None)
    figures: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        board = app.screen
        assert isinstance(board, BoardScreen)
        # the first full paint: the cards of the first read, not the placeholder lines before it
        while not board.opened:
            await asyncio.sleep(0.0005)
        _paint(app)
        figures["first_paint_s"] = time.monotonic() - started
        # the cards the keys below work on, made once the board is up: making them is the
        # benchmark's preparation, not the board's start-up
        # a contact its gate blocks: its promote opens the form that asks for the missing fields
        # (each probe of a database adds these two again: the same emails, on purpose)
        blocked = pipeline.create({"name": "Bench Blocked", "email": "blocked@example.com"},
                                  allow_duplicate=True)
        # the card promoted by the benchmark: qualified, on top of Contacts, under the cursor
        card = pipeline.create({
            "name": "Bench Mark", "email": "bench@example.com", "need": "Speed", "budget": "100",
            "purchase_by": _in_days(30), "authority": True,
        }, allow_duplicate=True)
        board.reload(follow=card.id)
        while board.is_landing:
            await pilot.pause()
        contacts = board.column(Stage.CONTACT)
        contacts.focus()
        await pilot.pause()

        moves = []
        for action in ("cursor_down", "cursor_down", "cursor_down", "cursor_up", "cursor_up", "cursor_up"):
            moves.append(await _timed(app, partial(contacts.run_action, action)))
        figures["cursor_ms"] = statistics.median(moves) * 1000

        # the promote is written on the board's writer thread: timed until it has landed on screen
        figures["promote_ms"] = await _timed(app, lambda: board.run_action("promote"),
                                             done=lambda: not board.is_landing) * 1000
        if pipeline.card(card.id).stage is not Stage.LEAD:
            raise SystemExit("bench: the promote key did not promote the bench card")
        pipeline.undo()
        board.reload()
        while board.is_landing:
            await pilot.pause()
        contacts.focus()  # the cursor followed the promoted card; the dialogs open on a contact
        await pilot.pause()

        async def blocked_promote() -> None:
            # the promote key's own path: the gate's verdict and the card read on the reader thread
            board.promote_card(blocked.id, None)

        dialogs = {"card_form": lambda: board.run_action("edit_card"), "blocked_form": blocked_promote,
                   "activity_dialog": lambda: board.run_action("log_activity")}
        for name, open_dialog in dialogs.items():
            figures[f"{name}_ms"], figures[f"{name}_inputs"] = await _open_and_close(pilot, open_dialog)

        # a redraw of the whole board: the ``m`` toggle reads every column again (twice: mine, all)
        redraws = []
        for _ in range(2):
            before_toggle = board.stats

            def redrawn(before: object = before_toggle) -> bool:
                return board.stats is not before

            redraws.append(await _timed(app, lambda: board.run_action("toggle_mine"), redrawn))
        figures["redraw_ms"] = statistics.median(redraws) * 1000

        figures.update(await _probe_today(app, pilot, board, pipeline, card.id))

        await pilot.press("slash")
        await pilot.pause()
        search = board.query_one("#search", Input)
        keys = []
        for length in range(1, len(SEARCH_WORD) + 1):
            before = board.stats

            async def type_letter(length: int = length) -> None:
                search.value = SEARCH_WORD[:length]

            def landed(before: object = before) -> bool:
                return board.stats is not before

            keys.append(await _timed(app, type_letter, landed))
        figures["search_ms"] = statistics.median(keys) * 1000
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


#: how many days back the as-of board is measured (``D`` on the board, ``leadboard --as-of``)
AS_OF_DAYS = (30, 180)


async def _probe_past(db: str, started: float, days: int) -> dict[str, float]:
    """``leadboard --as-of`` a day ``days`` back: process start until the board as of that day is
    painted with its header totals (they land from a worker after the board first shows)."""
    from datetime import date, timedelta

    from leadboard.service.past import PastPipeline
    from leadboard.service.setup import open_pipeline
    from leadboard.tui.app import LeadboardApp
    from leadboard.tui.board import BoardScreen

    past = PastPipeline(open_pipeline(db, BENCH_USER), date.today() - timedelta(days=days))
    app = LeadboardApp(past, offer_demo=False, poll_interval=None)
    async with app.run_test(size=SIZE):
        while not (isinstance(app.screen, BoardScreen) and app.screen.is_past and app.screen.stats):
            if time.monotonic() - started > 120:
                raise SystemExit(f"bench: the board as of {days} days back did not show its totals within 120 s")
            await asyncio.sleep(0.0005)
        _paint(app)
        return {f"asof_{days}_paint_s": time.monotonic() - started}


def _dialog_open(app: Any) -> bool:
    from textual.screen import ModalScreen

    if not isinstance(app.screen, ModalScreen):
        return False
    editors = app.screen.query("Input, Select")
    focused = app.screen.focused
    # laid out too (the focused field has its place on the screen): until then a paint draws
    # nothing of the dialog, nor the dimmed board behind it
    return (bool(editors) and all(editor.is_mounted for editor in editors) and focused is not None
            and bool(focused.region))


#: how many times each dialog is opened and closed in a run (the figure is their median): one
#: opening is a few tens of milliseconds, and on a shared machine one sample moved by 2× from run to run
DIALOG_OPENINGS = 5


async def _open_and_close(pilot: Any, open_dialog: Callable[[], Awaitable[Any]]) -> tuple[float, int]:
    """Milliseconds to open a dialog (until its inputs are mounted and laid out, one has focus and
    the screen is painted: the dialog and the dimmed board behind it) and close it again (Esc's
    action, until the board is painted), the median of
    ``DIALOG_OPENINGS`` times (the first, which pays for what Textual does once, among them); and
    its inputs."""
    app = pilot.app
    board = app.screen
    times = []
    inputs = 0
    for _ in range(DIALOG_OPENINGS):
        opened = await _timed(app, open_dialog, lambda: _dialog_open(app))
        inputs = len(app.screen.query("Input, Select"))
        closed = await _timed(app, lambda: app.screen.run_action("cancel"), lambda: app.screen is board)
        times.append((opened + closed) * 1000)
        await pilot.pause()  # each opening from a board at rest (its screen resumed, its focus back)
    return statistics.median(times), inputs


async def _probe_today(app: Any, pilot: Any, board: Any, pipeline: Any, card_id: int) -> dict[str, float]:
    """Opening Today on everyone's day (the most it reads), and one "done & plan next" from there:
    the form's Enter, to the day and the board read again and repainted."""
    from textual.widgets import Input, OptionList

    from leadboard.tui.screens.activity import ActivityModal
    from leadboard.tui.screens.today import TodayScreen

    # the bench user's own call, overdue for a month (first in the day): the step Today completes
    pipeline.plan(card_id, "call", _in_days(-30), "Bench call", owner=BENCH_USER)
    today = TodayScreen(board, everyone=True)

    async def open_today() -> None:
        await app.push_screen(today)

    figures = {"today_ms": await _timed(app, open_today, lambda: today.view is not None) * 1000}
    mine = next(key for key, line in today.lines.items()
                if line.step is not None and line.step.owner == BENCH_USER)
    listing = today.query_one("#today-list", OptionList)
    listing.highlighted = listing.get_option_index(mine)
    today.action_complete()
    await pilot.pause()
    form = app.screen
    assert isinstance(form, ActivityModal)
    for selector, value in (("#summary", "Spoke to them"), ("#next-due", "+1d"), ("#next-summary", "Next call")):
        form.query_one(selector, Input).value = value
    before = today.view

    async def done_and_plan_next() -> None:
        form.action_save()

    figures["done_next_ms"] = await _timed(app, done_and_plan_next, lambda: today.view is not before) * 1000
    today.dismiss(None)
    await pilot.pause()
    return figures


async def _probe_floor(started: float, dialog_inputs: Sequence[int]) -> dict[str, float]:
    """The floors: a bare Textual app with four columns and a footer, and a bare modal with
    ``n`` inputs for each ``n`` in ``dialog_inputs``."""
    import gc

    from leadboard import DEFAULT_GC_THRESHOLDS

    # a bare Textual app runs with Python's own collector settings, not leadboard's start-up ones
    # (this probe imported the leadboard package, which raises them)
    gc.set_threshold(*DEFAULT_GC_THRESHOLDS)
    from textual.app import App, ComposeResult
    from textual.containers import Horizontal, Vertical
    from textual.screen import ModalScreen
    from textual.widgets import Footer, Input, Static

    class Modal(ModalScreen[None]):
        BINDINGS: ClassVar = [("escape", "cancel")]

        def __init__(self, inputs: int) -> None:
            super().__init__()
            self.inputs = inputs

        def compose(self) -> ComposeResult:
            with Vertical():
                for number in range(self.inputs):
                    yield Input(placeholder=f"field {number}")

        def on_mount(self) -> None:
            self.query(Input).first().focus()

        def action_cancel(self) -> None:
            self.dismiss(None)

    class Bare(App[None]):
        BINDINGS: ClassVar = [("q", "quit", "Quit"), ("n", "new", "New")]

        def compose(self) -> ComposeResult:
            with Horizontal():
                for title in ("Contacts", "Leads", "Opportunities", "Accounts"):
                    yield Static(title)
            yield Footer()

    app = Bare()
    figures: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _paint(app)
        figures["first_paint_s"] = time.monotonic() - started
        figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        for inputs in dialog_inputs:

            async def open_modal(inputs: int = inputs) -> None:
                app.push_screen(Modal(inputs))

            figures[f"modal_{inputs}_ms"], _ = await _open_and_close(pilot, open_modal)
    return figures


def _in_days(days: int) -> str:
    from datetime import date, timedelta

    return (date.today() + timedelta(days=days)).isoformat()


def _probe_writer(db: str, card_id: int) -> list[float]:
    """A colleague at work during an import: logs a call on ``card_id``, one write at a time, every
    few milliseconds, until standard input closes; the seconds each write took (waits included)."""
    import select

    from leadboard.service.setup import close, open_pipeline

    pipeline = open_pipeline(db, "colleague")
    pipeline.log_activity(card_id, "call", "Before the import")
    print("ready", flush=True)
    waits = []
    while not select.select([sys.stdin], [], [], 0)[0]:
        t = time.perf_counter()
        pipeline.log_activity(card_id, "call", "During the import")
        waits.append(time.perf_counter() - t)
        time.sleep(0.01)
    close()
    return waits


def probe(argv: Sequence[str]) -> int:
    kind, started = argv[0], float(argv[1])
    if kind == "writer":
        print(json.dumps(_probe_writer(argv[2], int(argv[3]))))
        return 0
    if kind == "floor":
        work = _probe_floor(started, [int(n) for n in argv[2].split(",") if n])
    elif kind == "past":
        work = _probe_past(argv[2], started, int(argv[3]))
    else:
        work = _probe_board(argv[2], started)
    figures = asyncio.run(work)
    print(json.dumps(figures))
    return 0


# ---- the driver ---------------------------------------------------------------------------------


def _run_probe(*args: str) -> dict[str, float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "leadboard.bench", "--probe", args[0], repr(started), *args[1:]],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"bench: probe failed: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def build_database(path: Path, cards: int, say: Callable[[str], None]) -> None:
    """A demo database of ``cards`` cards at ``path``, built once and kept; one kept from an
    earlier leadboard is migrated here, so no measured run pays for a migration."""
    from leadboard.service import demo
    from leadboard.service.setup import close, open_pipeline

    if path.exists():
        open_pipeline(path, BENCH_USER)
        close()
        return

    say(f"building {path.name} with {cards:,} demo cards…")
    partial = path.with_suffix(".building")
    for leftover in path.parent.glob(partial.name + "*"):
        leftover.unlink()
    pipeline = open_pipeline(partial, BENCH_USER)
    if cards:
        demo.fill(pipeline, cards)
    close()
    for suffix in ("-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    partial.rename(path)


#: the floor of a command: import pydantic and peewee, one model of five fields, one row read from
#: SQLite, validated and printed as JSON
FLOOR_SCRIPT = """\
import json, sys
import peewee
from pydantic import BaseModel
class Card(BaseModel):
    id: int; name: str; company: str | None; email: str | None; stage: str
db = peewee.SqliteDatabase(sys.argv[1])
row = db.execute_sql("SELECT id, name, company, email, stage FROM card WHERE id = ?", (int(sys.argv[2]),)).fetchone()
card = Card(**dict(zip(("id", "name", "company", "email", "stage"), row)))
json.dump(card.model_dump(mode="json"), sys.stdout, indent=2); print()
"""


def _seconds(command: str) -> float:
    t = time.monotonic()
    subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t


def time_commands(db: Path, runs: int, workdir: Path) -> dict[str, float]:
    """Medians of paired runs: each run times the floor script, then ``show ID --json``,
    ``list --stage lead --json | head`` and ``promote ID`` (undone after, untimed)."""
    leadboard = f"{sys.executable} -m leadboard --db {db} --user {BENCH_USER}"
    promoted = subprocess.run(
        # (each run on a kept database adds it again: the same email, on purpose)
        f"{leadboard} add 'Bench Command' --email command@example.com --allow-duplicate --set need=Speed "
        f"--set budget=100 --set purchase_by={_in_days(30)} --set authority=yes",
        shell=True, check=True, capture_output=True, text=True).stdout.strip()
    script = workdir / "floor_script.py"
    script.write_text(FLOOR_SCRIPT, "utf-8")
    times: dict[str, list[float]] = {"script_s": [], "show_s": [], "list_head_s": [], "promote_s": []}
    for _ in range(runs):
        times["script_s"].append(_seconds(f"{sys.executable} {script} {db} {promoted}"))
        times["show_s"].append(_seconds(f"{leadboard} show {promoted} --json"))
        times["list_head_s"].append(_seconds(f"{leadboard} list --stage lead --json | head -n 20"))
        times["promote_s"].append(_seconds(f"{leadboard} promote {promoted}"))
        subprocess.run(f"{leadboard} undo --yes", shell=True, check=True, capture_output=True)
    return {key: statistics.median(values) for key, values in times.items()}


#: the columns of a plain contacts file: what most first imports are
CONTACT_COLUMNS = ("name", "company", "email", "phone", "stage", "budget", "notes")


def write_contacts_csv(path: Path, rows: int, seed: int = 8) -> None:
    """A plain contacts file of ``rows`` people, all contacts: a name, a company, a unique email, a
    phone, a budget and a note, in no particular order (so they land all over the name and email
    indexes, as a real file's do)."""
    import csv
    import random

    from leadboard.service.demo import COMPANY_A, COMPANY_B, FIRST, LAST, SUFFIX

    rng = random.Random(seed)
    notes = ("met at the fair", "referral", "inbound web form", "cold call", "webinar", "")
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(CONTACT_COLUMNS)
        for number in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            company = f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)} {rng.choice(SUFFIX)}"
            domain = "".join(c for c in company.lower() if c.isalnum())[:20]
            phone = f"+{rng.choice((1, 44, 49, 55))} {rng.randrange(100, 999)} {rng.randrange(100, 999)} " \
                    f"{rng.randrange(1000, 9999)}"
            writer.writerow([f"{first} {last}", company, f"{first}.{last}{number}@{domain}.example.com".lower(),
                             phone, "contact", rng.randrange(1000, 100_000), rng.choice(notes)])


def time_import(rows: int, workdir: Path, batch_size: int | None = None,
                contacts: bool = False) -> dict[str, float | None]:
    """Rows per second of ``leadboard import`` of a ``rows``-row CSV (a CRM's export of every stage,
    or with ``contacts`` a plain contacts file) into a database holding one card, while a
    colleague's process logs calls on that card one write at a time: the median, 99th percentile and
    longest of those writes (the wait for the import's write lock included)."""
    if rows == 0:
        return {"import_rows_s": None, "import_wait_p50_ms": None, "import_wait_p99_ms": None,
                "import_wait_max_ms": None}
    from leadboard.service.setup import close, open_pipeline
    from leadboard.service.transfer.sample import write_sample_csv

    source = workdir / (f"contacts-{rows}.csv" if contacts else f"import-{rows}.csv")
    if not source.exists():
        (write_contacts_csv if contacts else write_sample_csv)(source, rows)
    with tempfile.TemporaryDirectory(dir=workdir) as scratch:
        db = Path(scratch) / "import.db"
        card_id = open_pipeline(db, BENCH_USER).create({"name": "Colleague's Card"}).id
        close()
        writer = subprocess.Popen(
            [sys.executable, "-m", "leadboard.bench", "--probe", "writer", "0", str(db), str(card_id)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert writer.stdin is not None and writer.stdout is not None
        if writer.stdout.readline().strip() != "ready":
            raise SystemExit("bench: the colleague's writer did not start")
        command = [sys.executable, "-m", "leadboard", "--db", str(db), "--user", BENCH_USER, "import", str(source)]
        if batch_size:
            command += ["--batch-size", str(batch_size)]
        t = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        elapsed = time.monotonic() - t
        writer.stdin.close()
        waits = sorted(json.loads(writer.stdout.read().strip().splitlines()[-1]))
        writer.wait()
    if done.returncode != 0:
        raise SystemExit(f"bench: the import failed: {done.stderr.strip().splitlines()[-1:]}")
    return {"import_rows_s": rows / elapsed,
            "import_wait_p50_ms": statistics.median(waits) * 1000 if waits else None,
            "import_wait_p99_ms": waits[min(len(waits) - 1, int(len(waits) * 0.99))] * 1000 if waits else None,
            "import_wait_max_ms": waits[-1] * 1000 if waits else None}


#: ``import --batch-size`` the writes-during-an-import table also measures (the most it takes)
LARGEST_BATCH = 1_000_000
PLAIN_CONTACTS = "plain contacts, default batches"


def render_import_waits(rows: int, figures: dict[str, dict[str, float | None]]) -> str:
    """A colleague's writes during a ``rows``-row import, one line per file and ``--batch-size``."""
    from leadboard.service.transfer.sample import COLUMNS as SAMPLE_COLUMNS

    lines = ["| writes during an import | rows | import (rows/s) | write p50 (ms) | write p99 (ms) | "
             "write max (ms) |", "|---|---|---|---|---|---|"]
    for batches, values in figures.items():
        cells = [("–" if values[key] is None else style.format(values[key]))
                 for key, style in (("import_rows_s", "{:,.0f}"), ("import_wait_p50_ms", "{:.1f}"),
                                    ("import_wait_p99_ms", "{:.1f}"), ("import_wait_max_ms", "{:.1f}"))]
        lines.append(f"| {batches} | {rows:,} | " + " | ".join(cells) + " |")
    lines += ["", "Another process logs a call on a card every 10 ms while the import runs (SQLite); each "
              "write is timed from its start to its commit, the wait for the import's write lock included. "
              f"The file is a CRM's export of every stage ({len(SAMPLE_COLUMNS)} columns), or a plain contacts file "
              f"({', '.join(CONTACT_COLUMNS)})."]
    return "\n".join(lines)


#: the rows of the writes-during-an-import table: (label, --batch-size, plain contacts file)
IMPORT_RUNS = (("default batches", None, False), (f"--batch-size {LARGEST_BATCH}", LARGEST_BATCH, False),
               (PLAIN_CONTACTS, None, True))


def time_import_waits(rows: int, workdir: Path,
                      measured: dict[str, dict[str, float | None]] | None = None) -> str:
    """The writes-during-an-import table at ``rows``: each of ``IMPORT_RUNS`` (taken from
    ``measured`` where measured already)."""
    measured = measured or {}
    figures = {label: measured.get(label) or time_import(rows, workdir, batch_size, contacts)
               for label, batch_size, contacts in IMPORT_RUNS}
    return render_import_waits(rows, figures)


def time_writer_floor(rows: int, workdir: Path) -> dict[str, float]:
    """The floor under an import's rate: the CPU the store's own writes of a ``rows``-row plain
    contacts file take, a row, into an empty SQLite database. The rows are read and checked
    beforehand, a batch at a time (not timed), then written as the import writes them (its
    transactions and steps, its bulk writer, its history and stage visits): what is left is SQLite
    and the store, with no reading, checking or planning. Microseconds of CPU a row for the cards
    (with their indexes, search rows, totals and change feed), their history and stage visits, and
    the commits."""
    from leadboard.service.setup import close, open_pipeline
    from leadboard.service.transfer.columns import plan_columns
    from leadboard.service.transfer.importer import BATCH_SIZE, WRITE_STEP
    from leadboard.service.transfer.plan import survey
    from leadboard.service.transfer.reading import open_source
    from leadboard.service.transfer.rows import Placed, RowReader
    from leadboard.store import cards, imports
    from leadboard.store.db import in_transaction

    source_path = workdir / f"contacts-{rows}.csv"
    if not source_path.exists():
        write_contacts_csv(source_path, rows)
    spent = dict.fromkeys(("cards", "history", "commit"), 0.0)
    written = 0
    with tempfile.TemporaryDirectory(dir=workdir) as scratch:
        pipeline = open_pipeline(Path(scratch) / "floor.db", BENCH_USER)
        source = open_source(source_path)
        reader = RowReader(plan_columns(source.header, {}, pipeline.rules), {}, pipeline.rules, pipeline.user,
                           pipeline._clock(), pipeline._today(), False, source.path.name)
        survey(source.records(), reader, None, Counter())
        now, rank = reader.now, 0.0

        def write(batch: list[Placed]) -> None:
            nonlocal rank
            inside = 0.0

            def steps() -> None:
                nonlocal rank, inside
                for start in range(0, len(batch), WRITE_STEP):
                    step = batch[start:start + WRITE_STEP]
                    values = []
                    for item in step:
                        rank += 1
                        values.append(item.values | {"rank": rank})
                    began = time.process_time()
                    ids = cards.insert_many(values, now)
                    between = time.process_time()
                    imports.insert_history([(card_id, "import", None, item.stage, pipeline.user, str(now),
                                             item.history_reason, item.history_warnings)
                                            for card_id, item in zip(ids, step, strict=True)],
                                           new_cards=True, cards=values)
                    ended = time.process_time()
                    spent["cards"] += between - began
                    spent["history"] += ended - between
                    inside += ended - began
            began = time.process_time()
            in_transaction(steps, say_waiting=False)
            spent["commit"] += time.process_time() - began - inside

        with imports.bulk_writing():
            batch: list[Placed] = []
            for record in source.records():
                item = reader.read(record)
                if isinstance(item, Placed):
                    batch.append(item)
                if len(batch) == BATCH_SIZE:
                    write(batch)
                    written += len(batch)
                    batch = []
            if batch:
                write(batch)
                written += len(batch)
            began = time.process_time()
        spent["commit"] += time.process_time() - began  # the log's last checkpoint, as the import ends
        close()
    if written != rows:
        raise SystemExit(f"bench: the floor wrote {written:,} of {rows:,} rows")
    return {part: seconds / rows * 1e6 for part, seconds in spent.items()}


def render_writer_floor(floors: dict[int, dict[str, float]]) -> str:
    lines = ["| rows written by the store alone | cards, with indexes, search, totals (µs) | history and stage "
             "visits (µs) | commits (µs) | all (µs of CPU a row) | the rows/s that CPU allows |",
             "|---|---|---|---|---|---|"]
    for rows, parts in floors.items():
        total = sum(parts.values())
        lines.append(f"| {rows:,} | {parts['cards']:.1f} | {parts['history']:.1f} | {parts['commit']:.1f} | "
                     f"{total:.1f} | {1e6 / total:,.0f} |")
    lines += ["", "A plain contacts file's rows, read and checked beforehand (not timed), written into an empty "
              "SQLite database as the import writes them: the floor the schema and the store set under the "
              "import's rate, with nothing a row of reading, checking or planning."]
    return "\n".join(lines)


REPORTS = ("funnel", "winrate", "time", "velocity", "forecast", "lost", "activity", "snapshot")


def time_reports(db: Path, runs: int) -> dict[str, float]:
    """Milliseconds (median of ``runs``) of each report over the last 90 days, everyone's cards:
    what ``leadboard report KIND --all`` and the Reports screen wait for."""
    from datetime import date, timedelta

    from leadboard.service.reports import period
    from leadboard.service.setup import close, open_pipeline

    pipeline = open_pipeline(db, BENCH_USER)
    reports = pipeline.reports()
    days = period("last-90-days", date.today())
    work: dict[str, Callable[[], object]] = {
        "funnel": lambda: reports.funnel(days), "winrate": lambda: reports.win_rate(days),
        "time": lambda: reports.time_in_stage(days), "velocity": lambda: reports.velocity(days),
        "forecast": reports.forecast, "lost": lambda: reports.lost(days),
        "activity": lambda: reports.activity(days),
        "snapshot": lambda: reports.snapshot(date.today() - timedelta(days=30), since=days.first),
    }
    figures = {}
    try:
        for name in REPORTS:
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                work[name]()
                times.append(time.perf_counter() - t)
            figures[name] = statistics.median(times) * 1000
    finally:
        close()
    return figures


def render_reports(results: dict[int, dict[str, float]], runs: int) -> str:
    sizes = list(results)
    base = results[sizes[0]]
    lines = ["| cards | " + " | ".join(f"{name} (ms)" for name in REPORTS) + " |",
             "|" + "---|" * (len(REPORTS) + 1)]
    for size in sizes:
        cells = []
        for name in REPORTS:
            value = results[size][name]
            text = f"{value:.1f}"
            if size != sizes[0] and base[name]:
                text += f" ({value / base[name]:.1f}×)"
            cells.append(text)
        lines.append(f"| {size:,} | " + " | ".join(cells) + " |")
    lines += ["", f"Reports over the last 90 days, everyone's cards; medians of {runs} runs; (n×) is the "
              f"ratio to the {sizes[0]:,}-card database."]
    return "\n".join(lines)


FIGURES = (
    ("first_paint_s", "first paint (s)", "{:.2f}"),
    ("peak_mb", "peak memory (MB)", "{:.0f}"),
    ("cursor_ms", "cursor move (ms)", "{:.1f}"),
    ("promote_ms", "promote (ms)", "{:.1f}"),
    ("search_ms", "search key (ms)", "{:.1f}"),
    ("redraw_ms", "whole-board redraw, m (ms)", "{:.1f}"),
    ("show_s", "show --json (s)", "{:.2f}"),
    ("today_ms", "Today open (ms)", "{:.1f}"),
    ("done_next_ms", "done & plan next (ms)", "{:.1f}"),
    ("list_head_s", "list --json, first lines (s)", "{:.2f}"),
    ("import_rows_s", "import (rows/s)", "{:,.0f}"),
    ("import_wait_p99_ms", "a write during import, p99 (ms)", "{:.1f}"),
    ("import_wait_max_ms", "a write during import, max (ms)", "{:.1f}"),
    ("import_contacts_rows_s", "import plain contacts (rows/s)", "{:,.0f}"),
    ("import_contacts_wait_max_ms", "a write during it, max (ms)", "{:.1f}"),
    *((f"asof_{days}_paint_s", f"as-of board {days} days back, first paint (s)", "{:.2f}") for days in AS_OF_DAYS),
)


DIALOGS = (("card_form", "card form"), ("blocked_form", "blocked-promote form"),
           ("activity_dialog", "activity dialog"))


def time_board(db: Path, runs: int) -> tuple[dict[str, float | None], dict[str, float]]:
    """Medians of ``runs`` board probes (first paint, keys, dialogs, Today), each followed by a probe
    of the floors (the bare app, and a bare modal with as many inputs as each of the board's
    dialogs): taken in turn, so a load that comes and goes on a shared machine weighs on both alike.
    Then medians of ``runs`` first paints of the board as of each of ``AS_OF_DAYS`` back, each probe
    in a fresh process."""
    probes, floors = [], []
    for _ in range(runs):
        probes.append(_run_probe("board", str(db)))
        floors.append(_run_probe("floor", ",".join(str(int(probes[-1][f"{name}_inputs"] or 1)) for name, _ in DIALOGS)))
    medians: dict[str, float | None] = {key: statistics.median(p[key] for p in probes) for key in probes[0]}
    for days in AS_OF_DAYS:
        key = f"asof_{days}_paint_s"
        medians[key] = statistics.median(_run_probe("past", str(db), str(days))[key] for _ in range(runs))
    return medians, {key: statistics.median(f[key] for f in floors) for key in floors[0]}


def benchmark(sizes: Sequence[int], runs: int, workdir: Path, say: Callable[[str], None]) -> str:
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict[int, dict[str, float | None]] = {}
    reports: dict[int, dict[str, float]] = {}
    measured: dict[str, dict[str, float | None]] = {}
    floors: dict[int, dict[str, float]] = {}
    for size in sizes:
        db = workdir / f"bench-{size}.db"
        build_database(db, size, say)
        say(f"measuring {size:,} cards ({runs} runs)…")
        medians, floors[size] = time_board(db, runs)
        medians.update(time_commands(db, runs, workdir))
        imported = time_import(size, workdir)
        medians.update(imported)
        plain = time_import(size, workdir, contacts=True)
        medians["import_contacts_rows_s"] = plain["import_rows_s"]
        medians["import_contacts_wait_max_ms"] = plain["import_wait_max_ms"]
        if size == sizes[-1]:
            measured = {"default batches": imported, PLAIN_CONTACTS: plain}
        results[size] = medians
        reports[size] = time_reports(db, runs)
    largest = sizes[-1]
    waits = time_import_waits(largest, workdir, measured) if largest else ""
    return "\n\n".join(part for part in (render_table(results, runs), render_floors(results, floors),
                                          render_reports(reports, runs), waits) if part)


def render_table(results: dict[int, dict[str, float | None]], runs: int) -> str:
    sizes = list(results)
    base = results[sizes[0]]
    header = "| cards | " + " | ".join(label for _, label, _ in FIGURES) + " |"
    lines = [header, "|" + "---|" * (len(FIGURES) + 1)]
    for size in sizes:
        cells = []
        for key, _, style in FIGURES:
            value = results[size].get(key)
            if value is None:
                cells.append("–")
                continue
            ratio = base.get(key)
            text = style.format(value)
            if size != sizes[0] and ratio:
                text += f" ({value / ratio:.2f}×)"
            cells.append(text)
        lines.append(f"| {size:,} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"Medians of {runs} runs; (n×) is the ratio to the {sizes[0]:,}-card board "
                 "(import rates have none: nothing is imported at 0 cards). A keystroke is timed from "
                 "its action to the repainted screen (headless: the terminal's own drawing is not included).")
    return "\n".join(lines)


def render_as_of(results: dict[int, dict[str, float | None]]) -> str:
    """The board as of each of ``AS_OF_DAYS`` back beside today's board, at every size."""
    lines = ["| cards | today's board, first paint (s) | "
             + " | ".join(f"as of {days} days back, first paint with totals (s)" for days in AS_OF_DAYS) + " |",
             "|" + "---|" * (len(AS_OF_DAYS) + 2)]
    for size, figures in results.items():
        today = figures["first_paint_s"]
        cells = []
        for days in AS_OF_DAYS:
            past = figures[f"asof_{days}_paint_s"]
            cells.append("–" if past is None or not today else f"{past:.2f} ({past / today:.2f}×)")
        lines.append(f"| {size:,} | " + ("–" if today is None else f"{today:.2f}") + " | " + " | ".join(cells) + " |")
    lines += ["", "(n×) is the ratio to today's board's first paint at the same size."]
    return "\n".join(lines)


#: one figure beside what it is measured against: (figure, value, against, its value, unit, target)
Ratio = tuple[str, float | None, str, float | None, str, str]


def _search_rows(results: dict[int, dict[str, float | None]]) -> list[Ratio]:
    """A search keystroke at the largest size beside the same at 10,000 cards (or the smallest size
    below that), and at every size beside a redraw of the whole board there (the ``m`` toggle)."""
    sizes = list(results)
    middle = next((size for size in sizes if size >= 10_000), sizes[0])
    rows: list[Ratio] = [(f"search keystroke, {sizes[-1]:,} cards", results[sizes[-1]]["search_ms"],
                          f"the same at {middle:,}", results[middle]["search_ms"], "ms", "≤ 1.1×")]
    rows += [(f"search keystroke, {size:,} cards", results[size]["search_ms"], "a redraw of the whole board (`m`)",
              results[size]["redraw_ms"], "ms", "≤ 1.3×") for size in sizes]
    return rows


def _ratio_table(rows: Sequence[Ratio], against: str, its_figure: str) -> list[str]:
    lines = [f"| figure | leadboard | {against} | {its_figure} | ratio | target |", "|---|---|---|---|---|---|"]
    for figure, value, what, base, unit, target in rows:
        shown = "–" if value is None else f"{value:.2f} {unit}" if unit == "s" else f"{value:.1f} {unit}"
        base_shown = "–" if base is None else f"{base:.2f} {unit}" if unit == "s" else f"{base:.1f} {unit}"
        ratio = f"{value / base:.2f}×" if value and base else "–"
        lines.append(f"| {figure} | {shown} | {what} | {base_shown} | {ratio} | {target} |")
    return lines


def _first_paint_rows(results: dict[int, dict[str, float | None]],
                      floors: dict[int, dict[str, float]]) -> list[Ratio]:
    """The board's first paint at the smallest and largest size beside the bare Textual app's,
    measured in turn with it."""
    sizes = list(results)
    return [(f"board first paint, {size:,} cards", results[size]["first_paint_s"],
             "bare Textual app, four columns and a footer", floors[size]["first_paint_s"], "s", "≤ 1.5×")
            for size in dict.fromkeys((sizes[0], sizes[-1]))]


def render_board_ratios(results: dict[int, dict[str, float | None]], floors: dict[int, dict[str, float]]) -> str:
    """``--board-only``: the board's first paint at each size beside the bare app's, and the search
    keystroke's two ratios (the full run has them among the floors)."""
    rows = [row for size in results for row in _first_paint_rows({size: results[size]}, floors)]
    lines = _ratio_table(rows + _search_rows(results), "against", "its figure")
    lines += ["", "Each board probe is followed by one of the bare app (the load moves on a shared machine)."]
    return "\n".join(lines)


def render_floors(results: dict[int, dict[str, float | None]], floors: dict[int, dict[str, float]]) -> str:
    """Each figure beside the floor it is measured against, and the ratio."""
    sizes = list(results)
    small, large, floor = results[sizes[0]], results[sizes[-1]], floors[sizes[-1]]
    rows: list[Ratio] = []

    def row(figure: str, value: float | None, against: str, base: float | None, unit: str, target: str) -> None:
        rows.append((figure, value, against, base, unit, target))

    rows.extend(_first_paint_rows(results, floors))
    script = "ten-line pydantic + peewee script"
    for key, label in (("show_s", "`show ID --json`"), ("list_head_s", "`list --stage lead --json`, first lines"),
                       ("promote_s", "`promote ID`")):
        row(f"{label}, {sizes[-1]:,} cards", large[key], script, large["script_s"], "s", "≤ 1.3×")
    for key, label in DIALOGS:
        inputs = int(large[f"{key}_inputs"] or 1)
        row(f"open + close the {label}", large[f"{key}_ms"], f"bare modal, {inputs} inputs",
            floor[f"modal_{inputs}_ms"], "ms", "≤ 1.3×")
    for key, label in (("cursor_ms", "cursor move"), ("promote_ms", "promote")):
        row(f"{label}, {sizes[-1]:,} cards", large[key], f"the same at {sizes[0]:,}", small[key], "ms", "≤ 1.5×")
    rows += _search_rows(results)
    for days in AS_OF_DAYS:
        row(f"board as of {days} days back, first paint with totals, {sizes[-1]:,} cards",
            large[f"asof_{days}_paint_s"], "today's board's first paint", large["first_paint_s"], "s", "≤ 1.1×")

    lines = _ratio_table(rows, "floor", "floor's figure")
    lines.append("")
    lines.append("Floors measured in the same run, each board probe followed by a probe of the bare app and "
                 f"modals; a bare Textual app peaks at {floor['peak_mb']:.0f} MB. "
                 "A dialog is timed from its key's action until its inputs are mounted and laid out and the "
                 "screen is painted (the dimmed board behind it too), plus Esc until the board is painted "
                 f"again (the median of {DIALOG_OPENINGS} openings in each run).")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--probe"]:
        return probe(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m leadboard.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="comma-separated card counts (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reports-only", action="store_true",
                        help="time only the reports (on the databases --workdir holds or builds)")
    parser.add_argument("--board-only", action="store_true",
                        help="time only the board (today's and as of a past day; no commands, imports or reports)")
    parser.add_argument("--import-only", action="store_true",
                        help="time only imports of each size, with a colleague's writes during them")
    parser.add_argument("--writer-floor", action="store_true",
                        help="time only the store's own writes of a contacts file of each size (the import's floor)")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "leadboard-bench",
                        help="where databases are built and kept between runs")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    os.environ.setdefault("TEXTUAL", "")
    # an installed leadboard has its .pyc files (pip writes them): measure that, not compiling
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(__file__).parent)], check=False)

    def say(message: str) -> None:
        print(message, file=sys.stderr)

    if args.writer_floor:
        args.workdir.mkdir(parents=True, exist_ok=True)
        print(render_writer_floor({size: time_writer_floor(size, args.workdir) for size in sizes if size}))
        return 0
    if args.import_only:
        args.workdir.mkdir(parents=True, exist_ok=True)
        print("\n\n".join(time_import_waits(size, args.workdir) for size in sizes if size))
        return 0
    if args.board_only:
        args.workdir.mkdir(parents=True, exist_ok=True)
        boards = {}
        floors: dict[int, dict[str, float]] = {}
        for size in sizes:
            db = args.workdir / f"bench-{size}.db"
            build_database(db, size, say)
            boards[size], floors[size] = time_board(db, max(args.runs, 1))
        print("\n\n".join((render_table(boards, max(args.runs, 1)), render_as_of(boards),
                            render_board_ratios(boards, floors))))
        return 0
    if args.reports_only:
        args.workdir.mkdir(parents=True, exist_ok=True)
        timed = {}
        for size in sizes:
            db = args.workdir / f"bench-{size}.db"
            build_database(db, size, say)
            timed[size] = time_reports(db, max(args.runs, 1))
        print(render_reports(timed, max(args.runs, 1)))
        return 0
    table = benchmark(sizes, max(args.runs, 1), args.workdir, say)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
