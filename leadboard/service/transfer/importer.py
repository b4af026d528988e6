"""Importing a file into the pipeline: in batches that each land whole, resumable after a crash.

A batch (``batch_size`` rows, 10,000 by default) is read and validated outside any transaction, then
written in one: its new cards, their history, the duplicates it updates, and the run's resume
point all commit together or not at all. Rows that cannot be imported go, as they were, to
``<file>.rejects.csv``; that file is cut back to its committed length whenever a batch starts, so
after a crash it lists exactly the rejects of the committed batches. Running the same command on
the same file again carries on after the last committed batch.

Why batches rather than one transaction: a million-row import takes tens of seconds, and one
transaction would hold the database's write lock for all of them, so colleagues' moves would
wait (and time out after 30 s). A batch holds it for a fraction of a second.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import multiprocessing as mp
import os
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from leadboard.domain.card import validate_fields
from leadboard.domain.errors import InvalidInput
from leadboard.domain.stages import Move, Stage
from leadboard.service.pipeline import Pipeline
from leadboard.service.transfer.columns import BadImportFile, ColumnPlan, plan_columns
from leadboard.service.transfer.reading import Record, Source, open_source
from leadboard.service.transfer.rows import Placed, Rejected, RowReader
from leadboard.store import cards as card_store
from leadboard.store import imports, planned
from leadboard.store.db import in_transaction

#: rows a transaction writes: large enough that each commit and full-text merge is paid rarely,
#: small enough that the write lock is held well under a second (colleagues' moves wait for it)
BATCH_SIZE = 10_000
REJECTS_SUFFIX = ".rejects.csv"
REJECT_COLUMN = "rejected because"
_RANK = imports.CARD_COLUMNS.index("rank")


@dataclass(frozen=True)
class ImportOptions:
    #: normalised column name -> target (see ``columns.parse_column_map``)
    column_map: dict[str, str] = field(default_factory=dict)
    #: normalised source stage value -> stage (see ``columns.parse_stage_map``)
    stage_map: dict[str, Stage] = field(default_factory=dict)
    dry_run: bool = False
    enforce_gates: bool = False
    update: bool = False
    batch_size: int = BATCH_SIZE
    #: read and check rows in a second process while this one writes (None: for big files)
    parallel: bool | None = None

    def fingerprint(self) -> str:
        """What must match for a run to resume another (the batch size need not)."""
        return json.dumps({"map": sorted(self.column_map.items()),
                           "stages": sorted((k, v.value) for k, v in self.stage_map.items()),
                           "enforce_gates": self.enforce_gates, "update": self.update}, sort_keys=True)


@dataclass(frozen=True)
class ImportProgress:
    bytes_done: int
    bytes_total: int
    rows_done: int


@dataclass
class ImportSummary:
    path: Path
    described: str
    plan: ColumnPlan
    dry_run: bool
    rows: int = 0
    imported: int = 0
    placed_lower: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    blank: int = 0
    #: cards kept at their source stage although they fail gate rules (recorded as warnings)
    with_warnings: int = 0
    #: rule id -> cards it held back (enforce_gates)
    blocked_by: Counter[str] = field(default_factory=Counter)
    #: rule id -> cards that carry it as an accepted warning
    warned: Counter[str] = field(default_factory=Counter)
    unknown_stages: Counter[str] = field(default_factory=Counter)
    rejects_path: Path | None = None
    #: a dry run lists the first rejects here instead of writing them
    first_rejects: list[str] = field(default_factory=list)
    resumed_at: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        """The summary a person reads: what happened, in a few lines."""
        rows_now = self.rows - self.resumed_at
        rate = f" ({rows_now / self.seconds:,.0f} rows/s)" if self.seconds > 0.5 else ""
        resumed = f", carrying on after row {self.resumed_at:,}" if self.resumed_at else ""
        out = [f"{self.path.name} ({self.described}): {self.rows:,} rows in {self.seconds:.1f} s{rate}"
               f"{resumed}."]
        if self.dry_run:
            out.append("Dry run: nothing was written. Columns: " + "; ".join(self.plan.describe()) + ".")
        elif self.plan.unused:
            out.append("Not imported (no matching field; see --map): " + ", ".join(self.plan.unused) + ".")
        would = "Would import" if self.dry_run else "Imported"
        line = f"{would} {self.imported:,} card{'s' if self.imported != 1 else ''}"
        if self.placed_lower:
            line += (f", {self.placed_lower:,} placed lower than their source stage (blocked by "
                     f"{_most(self.blocked_by)})")
        if self.with_warnings:
            kept = "with" if self.placed_lower or not self.warned else "kept at their stage with"
            line += f", {self.with_warnings:,} {kept} gate rules accepted as warnings ({_most(self.warned)})"
        out.append(line + ".")
        updated = "would update" if self.dry_run else "updated"
        out.append(f"{updated.capitalize()} {self.updated:,}; skipped {self.skipped:,} duplicate"
                   f"{'s' if self.skipped != 1 else ''}"
                   + ("" if self.updated or not self.skipped else " (use --update to update them)")
                   + f"; rejected {self.rejected:,}"
                   + (f": see {self.rejects_path}" if self.rejects_path and self.rejected else "") + ".")
        if self.unknown_stages:
            shown = ", ".join(f"{value!r} ({count:,})" for value, count in self.unknown_stages.most_common(8))
            out.append(f"Unknown stage values: {shown}; map them with --stage-map 'VALUE=stage,...'.")
        out.extend(f"  {reason}" for reason in self.first_rejects)
        return out



@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """An import makes millions of short-lived lists, tuples and dicts, none of them in a cycle
    (reference counting frees them); Python's cycle collector would walk the live ones again and
    again, which costs more than a third of the time. It is switched off for the import only."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _most(counts: Counter[str]) -> str:
    return ", ".join(f"{rule} {count:,}" for rule, count in counts.most_common(6))


def import_file(pipeline: Pipeline, path: str | Path, options: ImportOptions | None = None,
                progress: Callable[[ImportProgress], None] | None = None) -> ImportSummary:
    """Import ``path`` (CSV, or JSON as ``export`` writes it); ``BadImportFile`` if it cannot be."""
    options = options or ImportOptions()
    if options.batch_size < 1:
        raise BadImportFile("The batch size must be at least 1.")
    started = time.perf_counter()
    source = open_source(path)
    plan = plan_columns(source.header, options.column_map)
    summary = ImportSummary(source.path, source.described, plan, options.dry_run)
    reader = RowReader(plan, options.stage_map, pipeline.rules, pipeline.user, pipeline._clock(),
                       pipeline._today(), options.enforce_gates, source.path.name,
                       keep_for_update=options.update)
    with _no_cycle_collection(), imports.bulk_writing():
        if options.dry_run:
            _DryRun(reader, options, summary).run(source, progress)
        else:
            _Run(pipeline, source, reader, options, summary).run(progress)
    summary.unknown_stages.update(reader.unknown_stages)
    summary.seconds = time.perf_counter() - started
    return summary


#: files at least this big are read and checked in a second process (under it, starting one costs
#: more than it saves)
PARALLEL_FROM_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class _Batch:
    items: list[Placed | Rejected | None]
    rows_after: int
    bytes_read: int


def _read_batches(source: Source, reader: RowReader, size: int, skip: int) -> Iterator[_Batch]:
    for batch in _batches(source.records(), size, skip):
        yield _Batch([reader.read(record) for record in batch], batch[-1].number + 1, source.bytes_read)


def _prepared(source: Source, reader: RowReader, options: ImportOptions, skip: int) -> Iterator[_Batch]:
    """The file's batches, read and checked; in a second process for a big file, so the reading
    and checking (pure Python) of the next batch runs on the other core while this process writes."""
    parallel = options.parallel if options.parallel is not None else source.size >= PARALLEL_FROM_BYTES
    if not parallel:
        yield from _read_batches(source, reader, options.batch_size, skip)
        return
    # fork is cheap and needs nothing re-imported, but is only safe without other threads
    method = "fork" if threading.active_count() == 1 and "fork" in mp.get_all_start_methods() else "spawn"
    context = mp.get_context(method)
    receiving, sending = context.Pipe(duplex=False)
    worker = context.Process(  # type: ignore[attr-defined]
        target=_produce, args=(sending, receiving, source, reader, options.batch_size, skip),
                             daemon=True, name="leadboard-import-reader")
    worker.start()
    sending.close()
    try:
        while True:
            try:
                kind, payload = receiving.recv()
            except EOFError:
                raise RuntimeError("the import's reading process stopped without a word") from None
            if kind == "batch":
                yield payload
            elif kind == "done":
                reader.unknown_stages.update(payload)
                return
            elif kind == "refused":
                raise BadImportFile(payload)
            else:
                raise RuntimeError(f"the import's reading process failed:\n{payload}")
    finally:
        receiving.close()
        if worker.is_alive():
            worker.terminate()
        worker.join()


def _produce(sending: Connection, receiving: Connection, source: Source, reader: RowReader, size: int,
             skip: int) -> None:
    """The second process: read and check batches, send them on (blocking while the writer is
    a batch behind, so at most a couple of batches wait in memory)."""
    # a forked child holds a copy of the reading end too: without closing it, a writer killed
    # mid-import would leave this process blocked on a pipe nobody reads, forever
    receiving.close()
    gc.disable()  # see _no_cycle_collection
    try:
        for batch in _read_batches(source, reader, size, skip):
            sending.send(("batch", batch))
        sending.send(("done", reader.unknown_stages))
    except BadImportFile as error:
        sending.send(("refused", str(error)))
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    except BaseException:
        sending.send(("failed", traceback.format_exc()))
    finally:
        sending.close()


def _batches(records: Iterable[Record], size: int, skip: int) -> Iterable[list[Record]]:
    batch: list[Record] = []
    for record in records:
        if record.number < skip:
            continue
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Run:
    """A real import: resume point, batches, rejects file."""

    def __init__(self, pipeline: Pipeline, source: Source, reader: RowReader, options: ImportOptions,
                 summary: ImportSummary):
        self.source = source
        self.reader = reader
        self.options = options
        self.summary = summary
        self.user = pipeline.user
        self.now = reader.now
        self.rejects = _RejectsFile(source.path.with_name(source.path.name + REJECTS_SUFFIX),
                                    source.header, source.delimiter, source.encoding == "utf-8-sig")
        self.committed = imports.RunProgress(0, 0, 0, 0, 0, 0, 0)
        self.run_id = 0
        #: look every row's email and name up in the database, or (into a board that was empty
        #: when a fresh run started) only those whose key hash this run has imported already
        self.look_up_all = True
        self.seen: set[int] = set()
        self.tops: dict[str, float] = {}
        self.span = float(source.size + 1)

    def run(self, progress: Callable[[ImportProgress], None] | None) -> None:
        in_transaction(self._start)
        summary = self.summary
        summary.resumed_at = self.committed.rows_done
        for batch in _prepared(self.source, self.reader, self.options, self.committed.rows_done):
            in_transaction(partial(self._write, batch.items, batch.rows_after))
            if progress:
                progress(ImportProgress(batch.bytes_read, self.source.size, self.committed.rows_done))
        in_transaction(lambda: imports.finish_run(self.run_id, self.now))
        done = self.committed
        summary.rows = done.rows_done
        summary.imported, summary.placed_lower = done.imported, done.placed_lower
        summary.updated, summary.skipped, summary.rejected = done.updated, done.skipped, done.rejected
        summary.rejects_path = self.rejects.path if done.rejected else None
        if not done.rejected:
            self.rejects.remove()

    def _start(self) -> None:
        key = str(self.source.path.resolve())
        options = self.options.fingerprint()
        run = imports.unfinished_run(key, self.source.fingerprint, options)
        if run is not None:
            self.run_id = int(run.get_id())
            self.committed = imports.RunProgress(run.rows_done, run.imported, run.placed_lower, run.updated,
                                                 run.skipped, run.rejected, run.rejects_bytes)
            state = json.loads(run.state)
            self.tops, self.span = state["tops"], state["span"]
            self.summary.blocked_by.update(state.get("blocked_by", {}))
            self.summary.warned.update(state.get("warned", {}))
            self.summary.with_warnings = state.get("with_warnings", 0)
            return
        imports.abandon_runs(key, self.now)
        self.look_up_all = imports.any_card()
        self.tops = {stage.value: card_store.top_rank(stage) for stage in Stage}
        self.run_id = imports.start_run(key, self.source.fingerprint, options, self.user, self.now,
                                        json.dumps(self._state()))
        self.rejects.remove()

    def _state(self) -> dict[str, Any]:
        return {"tops": self.tops, "span": self.span, "blocked_by": dict(self.summary.blocked_by),
                "warned": dict(self.summary.warned), "with_warnings": self.summary.with_warnings}

    # ---- one batch, inside its transaction ------------------------------------------------------

    def _write(self, items: list[Placed | Rejected | None], rows_after: int) -> None:
        before = self.committed
        self.rejects.reset(before.rejects_bytes)
        counts = Counter[str]()
        blocked_by = Counter[str]()
        warned = Counter[str]()
        with_warnings = 0
        placed = [item for item in items if isinstance(item, Placed)]
        if not self.look_up_all:
            # only rows whose key this run has already imported can be duplicates
            seen = self.seen
            placed = [p for p in placed if hash(p.email_key) in seen or hash(p.name_key) in seen]
        by_email = imports.cards_by_email(p.email_key for p in placed if p.email_key)
        by_name = imports.cards_by_name_and_company(p.name_key for p in placed if p.name_key)
        pending: list[Placed] = []

        def flush() -> None:
            nonlocal with_warnings
            ids = self._insert(pending)
            for card_id, item in zip(ids, pending, strict=True):
                if item.email_key:
                    by_email.setdefault(item.email_key, card_id)
                    added.append(hash(item.email_key))
                if item.name_key:
                    by_name.setdefault(item.name_key, card_id)
                    added.append(hash(item.name_key))
                if item.placed_lower:
                    counts["placed_lower"] += 1
                    blocked_by.update(item.blocked_by)
                if item.warned:
                    with_warnings += 1
                    warned.update(item.warned)
            counts["imported"] += len(pending)
            pending.clear()

        added: list[int] = []
        in_batch: dict[Any, Placed] = {}
        for item in items:
            if item is None:
                self.summary.blank += 1
                continue
            if isinstance(item, Rejected):
                self.rejects.add(item)
                counts["rejected"] += 1
                continue
            existing = (by_email.get(item.email_key) if item.email_key else None) or (
                by_name.get(item.name_key) if item.name_key else None)
            if existing is None and ((item.email_key and item.email_key in in_batch)
                                     or (item.name_key and item.name_key in in_batch)):
                if not self.options.update:
                    counts["skipped"] += 1
                    continue
                flush()  # write the earlier row, then update it like any existing card
                in_batch.clear()
                existing = (by_email.get(item.email_key) if item.email_key else None) or (
                    by_name.get(item.name_key) if item.name_key else None)
            if existing is not None:
                counts[self._update(existing, item) if self.options.update else "skipped"] += 1
                continue
            pending.append(item)
            for key in (item.email_key, item.name_key):
                if key:
                    in_batch[key] = item
        flush()
        self.summary.blocked_by.update(blocked_by)
        self.summary.warned.update(warned)
        self.summary.with_warnings += with_warnings
        after = imports.RunProgress(
            rows_done=rows_after,
            imported=before.imported + counts["imported"],
            placed_lower=before.placed_lower + counts["placed_lower"],
            updated=before.updated + counts["updated"],
            skipped=before.skipped + counts["skipped"] + counts["unchanged"],
            rejected=before.rejected + counts["rejected"],
            rejects_bytes=self.rejects.commit(),
        )
        if not imports.advance_run(self.run_id, before.rows_done, after, json.dumps(self._state())):
            raise BadImportFile(f"Another import of {self.source.path.name} is running; this one stops "
                                "(its last batch was not written).")
        self.committed = after
        if not self.look_up_all:
            self.seen.update(added)

    def _insert(self, pending: list[Placed]) -> list[int]:
        if not pending:
            return []
        for item in pending:
            item.values[_RANK] = self.tops[item.stage] - self.span + item.number
        ids = imports.insert_cards([item.values for item in pending], self.now)
        history: list[tuple[Any, ...]] = []
        activities: list[tuple[Any, ...]] = []
        plans: list[dict[str, Any]] = []
        now = str(self.now)
        for card_id, item in zip(ids, pending, strict=True):
            for move in item.moves:
                history.append((card_id, move.move.value, move.from_stage.value if move.from_stage else None,
                                move.to_stage.value, move.by, move.at, move.reason, "\n".join(move.warnings)))
            history.append((card_id, Move.IMPORT.value, None, item.stage, self.user, now,
                            item.history_reason, item.history_warnings))
            activities.extend((card_id, a.kind.value, a.summary, a.at, a.by) for a in item.activities)
            plans.extend(planned.new_row(card_id, p.kind, p.summary, p.due, p.owner, p.planned_by, p.planned_at)
                         for p in item.plans)
        imports.insert_history(history)
        imports.insert_activities(activities)
        if plans:
            planned.insert_many(plans)
            planned.refresh_next_steps([card_id for card_id, item in zip(ids, pending, strict=True) if item.plans])
        return ids

    def _update(self, card_id: int, item: Placed) -> str:
        card = card_store.get(card_id)
        if card is None:  # pragma: no cover - found in this same transaction
            return "skipped"
        try:
            merged = validate_fields(card.fields() | (item.given or {}))
        except InvalidInput as error:
            record = Record(item.number, item.line, item.cells or [])
            self.rejects.add(Rejected(record, f"line {item.line}: updating card {card_id}: {error}"))
            return "rejected"
        values = merged.model_dump()
        if values == card.fields():  # nothing new: counted with the skipped
            return "unchanged"
        if not card_store.update(card, values, self.user, self.now):  # pragma: no cover - we hold the lock
            raise BadImportFile(f"Card {card_id} changed during the import; run it again.")
        return "updated"


class _DryRun:
    """Everything an import would do, decided the same way, with nothing written."""

    def __init__(self, reader: RowReader, options: ImportOptions, summary: ImportSummary):
        self.reader = reader
        self.options = options
        self.summary = summary
        self.seen: set[Any] = set()

    def run(self, source: Source, progress: Callable[[ImportProgress], None] | None) -> None:
        summary = self.summary
        for batch in _prepared(source, self.reader, self.options, 0):
            items = batch.items
            placed = [item for item in items if isinstance(item, Placed)]
            by_email = imports.cards_by_email(p.email_key for p in placed if p.email_key)
            by_name = imports.cards_by_name_and_company(p.name_key for p in placed if p.name_key)
            for item in items:
                if item is None:
                    summary.blank += 1
                elif isinstance(item, Rejected):
                    summary.rejected += 1
                    if len(summary.first_rejects) < 10:
                        summary.first_rejects.append(item.reason)
                elif ((item.email_key and (item.email_key in by_email or item.email_key in self.seen))
                      or (item.name_key and (item.name_key in by_name or item.name_key in self.seen))):
                    if self.options.update:
                        summary.updated += 1
                    else:
                        summary.skipped += 1
                else:
                    summary.imported += 1
                    self.seen.update(key for key in (item.email_key, item.name_key) if key)
                    if item.placed_lower:
                        summary.placed_lower += 1
                        summary.blocked_by.update(item.blocked_by)
                    if item.warned:
                        summary.with_warnings += 1
                        summary.warned.update(item.warned)
            summary.rows = batch.rows_after
            if progress:
                progress(ImportProgress(batch.bytes_read, source.size, summary.rows))


class _RejectsFile:
    """``<file>.rejects.csv``: rejected rows as they were, plus a column saying why.

    Rows of a batch are kept in memory and appended (and synced) just before the batch commits;
    ``reset`` cuts the file back to the length of the last committed batch.
    """

    def __init__(self, path: Path, header: list[str], delimiter: str, bom: bool):
        self.path = path
        self.header = header
        self.delimiter = delimiter
        self.bom = bom
        self._rows: list[list[str]] = []

    def remove(self) -> None:
        with self._problems():
            self.path.unlink(missing_ok=True)

    def reset(self, size: int) -> None:
        self._rows.clear()
        with self._problems():
            if self.path.exists() and self.path.stat().st_size > size:
                os.truncate(self.path, size)

    @contextmanager
    def _problems(self) -> Iterator[None]:
        try:
            yield
        except OSError as error:
            raise BadImportFile(f"Cannot write the rejects file {self.path} ({error.strerror or error}); "
                                "nothing more was imported.") from None

    def add(self, rejected: Rejected) -> None:
        self._rows.append([_cell(cell) for cell in rejected.record.cells] + [rejected.reason])

    def commit(self) -> int:
        """Append this batch's rows, synced to disk; returns the file's length."""
        if not self._rows:
            return self.path.stat().st_size if self.path.exists() else 0
        text = io.StringIO()
        writer = csv.writer(text, delimiter=self.delimiter)
        new = not self.path.exists() or self.path.stat().st_size == 0
        if new:
            writer.writerow([*self.header, REJECT_COLUMN])
        writer.writerows(self._rows)
        data = text.getvalue().encode("utf-8")
        if new and self.bom:
            data = b"\xef\xbb\xbf" + data
        with self._problems():
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, data)
                os.fsync(fd)
                size = os.fstat(fd).st_size
            finally:
                os.close(fd)
        self._rows.clear()
        return size


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
