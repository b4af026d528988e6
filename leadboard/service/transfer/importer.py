"""Importing a file into the pipeline: in batches that each land whole, resumable after a crash.

One path for both runs: ``reading`` gives the file's rows, ``rows.RowReader`` reads each into a
placed card or a reject, and ``plan.Planner`` decides what becomes of each (new card, update,
duplicate, reject) and tallies it. A dry run stops there and sums the tallies; a real run hands
each plan to the writer here (``_Run``: the store's ``cards.insert_many``, history, activities,
updates journaled as edits) and sums the tallies it commits. Whatever a summary counts, the two
runs count it from the same plans.

A batch (``batch_size`` rows, 10,000 by default) is read and validated outside any transaction, then
written in transactions of at most ``BATCH_SECONDS`` each while a colleague waits for the write lock,
and of up to two seconds while nobody does (one, unless writing it takes longer):
a transaction's new cards, their history, the duplicates it updates, and the run's resume point
(a count of rows written) all commit together or not at all. Rows that cannot be imported go, as
they were, to ``<file>.rejects.csv``, appended once their transaction has committed, so the file
never holds a row of one that was rolled back. Running the same command on the same file again
carries on after the last commit.

Why batches rather than one transaction: a million-row import takes tens of seconds, and one
transaction would hold the database's write lock for all of them, so colleagues' moves would
wait (and time out after 30 s). A transaction a colleague waits for ends after a quarter of a
second, whatever the batch size.
"""

from __future__ import annotations

import csv
import errno
import gc
import io
import json
import multiprocessing as mp
import os
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from leadboard.domain.card import FIELD_NAMES
from leadboard.domain.history import ChangeKind
from leadboard.domain.stages import Move, Stage
from leadboard.domain.values import DateOrder
from leadboard.service.pipeline import Pipeline
from leadboard.service.transfer.columns import BadImportFile, ColumnPlan, kept_reason, plan_columns
from leadboard.service.transfer.plan import CardIndex, LookUp, Planner, Tally, survey
from leadboard.service.transfer.reading import Record, Source, open_source
from leadboard.service.transfer.rows import Placed, Rejected, RowReader
from leadboard.store import cards as card_store
from leadboard.store import files, imports, journal, planned
from leadboard.store.db import WriteRun, in_transaction

#: rows a batch is read and checked in (``--batch-size``), and the most a transaction writes: large
#: enough that each commit and full-text merge is paid rarely
BATCH_SIZE = 10_000
#: seconds a transaction goes on writing while a colleague waits for the write lock: it commits once it
#: has written for this long, whatever the batch size, so a colleague's move waits a fraction of a
#: second at most (while nobody waits it goes on longer: see ``WriteRun.goes_on``)
BATCH_SECONDS = 0.25
#: rows written between two looks at the clock (a step of updates takes a few milliseconds each)
WRITE_STEP = 500
REJECTS_SUFFIX = ".rejects.csv"
REJECT_COLUMN = "rejected because"
#: rejected rows a dry run's summary shows
FIRST_REJECTS = 10


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
    #: how numeric dates are read in a column whose values leave it open (``--date-order``)
    date_order: DateOrder | None = None
    #: owner as the file names it -> login (``--owner-map``)
    owner_map: dict[str, str] = field(default_factory=dict)
    #: seconds, for ``BATCH_SECONDS`` (a test gives its own)
    clock: Callable[[], float] = time.perf_counter

    def fingerprint(self) -> str:
        """What must match for a run to resume another (the batch size need not)."""
        return json.dumps({"map": sorted(self.column_map.items()),
                           "stages": sorted((k, v.value) for k, v in self.stage_map.items()),
                           "enforce_gates": self.enforce_gates, "update": self.update,
                           "date_order": self.date_order, "owners": sorted(self.owner_map.items())},
                          sort_keys=True)


@dataclass(frozen=True)
class ImportProgress:
    bytes_done: int
    bytes_total: int
    rows_done: int


@dataclass(kw_only=True)
class ImportSummary(Tally):
    """What an import did (or, in a dry run, would do): the tally of the run's plans (a real run's:
    those committed), counted once for both runs, with what the file and the run say around it."""

    path: Path
    described: str
    plan: ColumnPlan
    dry_run: bool
    rows: int = 0
    unknown_stages: Counter[str] = field(default_factory=Counter)
    #: owners as the file names them, with their rows (a dry run lists them for ``--owner-map``)
    owners: Counter[str] = field(default_factory=Counter)
    owner_map: dict[str, str] = field(default_factory=dict)
    #: date columns whose values could be day/month or month/day (``--date-order`` settles them)
    ambiguous_dates: list[str] = field(default_factory=list)
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
            columns = self.plan.describe()
            if len(columns) > LISTED_NAMES:  # the columns feeding fields, then the extra ones in short
                extras = [line for line in columns if line.endswith(" -> extra")]
                columns = [line for line in columns if not line.endswith(" -> extra")]
                columns += [_listed(extras, "; ", length=LISTED_NAME_LENGTH + 9)] if extras else []
            out.append("Dry run: nothing was written. Columns: " + "; ".join(columns) + ".")
        else:
            undeclared = [index for index in self.plan.extras if index not in self.plan.declared]
            if undeclared:
                names = [self.plan.header[index] or f"column {index + 1}" for index in undeclared]
                out.append("Kept as extra fields (no matching field; see --map): " + _listed(names) + ".")
            if self.plan.declared:
                out.append("Declared fields: " + _listed([f"{self.plan.header[index]} -> {name}"
                                                          for index, name in self.plan.declared.items()]) + ".")
            if self.plan.unused:
                out.append("Not imported (--map ... =ignore): " + _listed(self.plan.unused) + ".")
        header = self.plan.header
        for target, indexes in self.plan.sources.items():
            if len(indexes) > 1 and target in FIELD_NAMES:
                names = [header[index] for index in indexes]
                both = "both" if len(names) == 2 else "all"
                out.append(f"{', '.join(names[:-1])} and {names[-1]} {both} give {target}: the first one with a "
                           "value fills it, and the others' values are kept as extra fields.")
        would = "Would import" if self.dry_run else "Imported"
        line = f"{would} {self.imported:,} card{'s' if self.imported != 1 else ''}"
        if self.stages:
            line += " (" + ", ".join(f"{self.stages[stage.value]:,} {stage.value}" for stage in Stage
                                     if self.stages[stage.value]) + ")"
        if self.placed_lower:
            line += (f", {self.placed_lower:,} placed lower than their source stage (blocked by "
                     f"{_most(self.blocked_by)})")
        if self.with_warnings:
            kept = "with" if self.placed_lower or not self.warned else "kept at their stage with"
            line += f", {self.with_warnings:,} {kept} gate rules accepted as warnings ({_most(self.warned)})"
        out.append(line + ".")
        if self.dated:
            entered = "would enter" if self.dry_run else "entered"
            out.append(f"{self.dated:,} {entered} their stage on the date the file gives (won, lost or converted "
                       "then), recorded as imported.")
        updated = "would update" if self.dry_run else "updated"
        out.append(f"{updated.capitalize()} {self.updated:,}; skipped {self.skipped:,} duplicate"
                   f"{'s' if self.skipped != 1 else ''}"
                   + ("" if self.updated or not self.skipped else " (use --update to update them)")
                   + f"; rejected {self.rejected:,}"
                   + (f": see {self.rejects_path}" if self.rejects_path and self.rejected else "") + ".")
        if self.dry_run and self.owners:
            mapping = {key.casefold(): login for key, login in self.owner_map.items()}
            shown = ", ".join(f"{owner!r} ({count:,})" + (f" -> {mapping[owner.casefold()]}"
                                                          if owner.casefold() in mapping else "")
                              for owner, count in self.owners.most_common(20))
            out.append(f"Owners in the file: {shown}; an owner not in --owner-map 'OWNER=login,...' is kept "
                       "as written, a blank one is you.")
        for kept, count in self.kept_as_text.most_common():
            column, why = kept_reason(kept)
            if why is not None:
                out.append(f"{column}: {count:,} kept as text: {why} (an extra field of the card, never summed).")
                continue
            out.append(f"{column}: {count:,} value{'s' if count != 1 else ''} could not be read into "
                       f"{'their' if count != 1 else 'its'} field and {'are' if count != 1 else 'is'} "
                       "kept as text (an extra field of the card).")
        if self.ambiguous_dates:
            out.append(ambiguous_dates_sentence(self.ambiguous_dates, "nothing can be imported until the order "
                                                "is given"))
        if self.unknown_stages:
            out.append(unknown_stages_sentence(self.unknown_stages, "nothing can be imported until each is "
                                               "placed"))
        out.extend(f"  {reason}" for reason in self.first_rejects)
        return out

    @property
    def all_rejected(self) -> bool:
        return self.rejected > 0 and not (self.imported or self.updated or self.skipped)


#: names a summary line lists before "and N more" (a file may have thousands of columns)
LISTED_NAMES = 10
#: characters of a column's name a summary line shows
LISTED_NAME_LENGTH = 60


def _listed(names: Sequence[str], between: str = ", ", most: int = LISTED_NAMES,
            length: int = LISTED_NAME_LENGTH) -> str:
    """``names`` for a summary line: the first ``most``, each cut to ``length``, then how many more
    there are."""
    shown = between.join(name if len(name) <= length else name[:length - 1] + "…" for name in names[:most])
    return shown if len(names) <= most else f"{shown} and {len(names) - most:,} more"


def ambiguous_dates_sentence(columns: list[str], consequence: str) -> str:
    shown = ", ".join(repr(name) for name in columns)
    return (f"The dates in {shown} could be day/month or month/day (no day above 12 says which); "
            f"{consequence}. Add --date-order dmy (24/02/2026) or --date-order mdy (02/24/2026).")


def unknown_stages_sentence(unknown: Counter[str], consequence: str) -> str:
    """Each unknown stage value with its rows, and the ``--stage-map`` to add (each one's stage to
    be chosen by the user: ``lead`` stands in for it)."""
    shown = ", ".join(f"{value!r} ({count:,} row{'s' if count != 1 else ''})"
                      for value, count in unknown.most_common(20))
    more = f" and {len(unknown) - 20:,} more" if len(unknown) > 20 else ""
    line = ",".join(f"{value}=lead" for value in sorted(unknown))
    return (f"Stage values leadboard cannot place: {shown}{more}; {consequence}. Add --stage-map '{line}' "
            "with each one's stage (contact, lead, opportunity, account or lost).")



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
    plan = plan_columns(source.header, options.column_map, pipeline.rules)
    summary = ImportSummary(path=source.path, described=source.described, plan=plan, dry_run=options.dry_run)
    reader = RowReader(plan, options.stage_map, pipeline.rules, pipeline.user, pipeline._clock(),
                       pipeline._today(), options.enforce_gates, source.path.name,
                       keep_for_update=options.update, owner_map=options.owner_map)
    summary.owner_map = options.owner_map
    with _no_cycle_collection(), imports.bulk_writing():
        unknown, ambiguous = survey(source.records(), reader, options.date_order, summary.owners)
        if ambiguous and not options.dry_run:
            raise BadImportFile(ambiguous_dates_sentence(ambiguous, "nothing was imported"))
        if unknown and not options.dry_run:
            raise BadImportFile(unknown_stages_sentence(unknown, "nothing was imported"))
        summary.ambiguous_dates = ambiguous
        if options.dry_run:
            _DryRun(reader, options, summary).run(source, progress)
        else:
            _Run(pipeline, source, reader, options, summary).run(progress)
    summary.unknown_stages.update(unknown)
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
    #: numbers of its rows with a key (source id, email, or name and company) that an earlier row
    #: read had: only those may be a card this run imported (see ``_Repeats``)
    repeating: frozenset[int] = frozenset()


class _Repeats:
    """Which rows repeat a key of an earlier row read: into a board that was empty when the run
    began, only those can be a card already there (one this run imported), so only those are looked
    up. Counted where the rows are read (in the reading process for a big file), so the writer, the
    import's bottleneck, spends nothing a row on it. Keys are kept as hashes (a million emails as
    text would take hundreds of megabytes); two keys of one hash only cost a look-up that finds nothing."""

    def __init__(self) -> None:
        self.seen: set[int] = set()

    def __call__(self, items: list[Placed | Rejected | None]) -> frozenset[int]:
        seen = self.seen
        repeating = []
        for item in items:
            if not isinstance(item, Placed):
                continue
            again = False
            for key in (item.source_key, item.email_key, item.name_key):
                if key:
                    hashed = hash(key)
                    if hashed in seen:
                        again = True
                    else:
                        seen.add(hashed)
            if again:
                repeating.append(item.number)
        return frozenset(repeating)


def _read_batches(source: Source, reader: RowReader, size: int, skip: int, repeats: bool) -> Iterator[_Batch]:
    """The rows from ``skip`` on, read ``size`` at a time; with ``repeats``, each batch says which of
    its rows repeat a key of an earlier row."""
    repeating = _Repeats() if repeats else None
    for batch in _batches(source.records(), size, skip):
        items = [reader.read(record) for record in batch]
        yield _Batch(items, batch[-1].number + 1, source.bytes_read,
                     repeating(items) if repeating is not None else frozenset())


def _prepared(source: Source, reader: RowReader, options: ImportOptions, skip: int,
              repeats: bool = False) -> Iterator[_Batch]:
    """The file's batches, read and checked; in a second process for a big file, so the reading
    and checking (pure Python) of the next batch runs on the other core while this process writes."""
    parallel = options.parallel if options.parallel is not None else source.size >= PARALLEL_FROM_BYTES
    if not parallel:
        yield from _read_batches(source, reader, options.batch_size, skip, repeats)
        return
    # fork is cheap and needs nothing re-imported, but is only safe without other threads
    method = "fork" if threading.active_count() == 1 and "fork" in mp.get_all_start_methods() else "spawn"
    context = mp.get_context(method)
    receiving, sending = context.Pipe(duplex=False)
    worker = context.Process(  # type: ignore[attr-defined]
        target=_produce, args=(sending, receiving, source, reader, options.batch_size, skip, repeats),
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
             skip: int, repeats: bool) -> None:
    """The second process: read and check batches, send them on (blocking while the writer is
    a batch behind, so at most a couple of batches wait in memory)."""
    # a forked child holds a copy of the reading end too: without closing it, a writer killed
    # mid-import would leave this process blocked on a pipe nobody reads, forever
    receiving.close()
    gc.disable()  # see _no_cycle_collection
    try:
        for batch in _read_batches(source, reader, size, skip, repeats):
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


def _stored_cards(placed: list[Placed]) -> CardIndex:
    """The cards already stored that the rows ``placed`` may be (the plan's look-up)."""
    return CardIndex(imports.cards_by_source_id(p.source_key for p in placed if p.source_key),
                     imports.cards_by_email(p.email_key for p in placed if p.email_key),
                     imports.cards_by_name_and_company(p.name_key for p in placed if p.name_key))


def _keys(item: Placed) -> list[int]:
    return [hash(key) for key in (item.source_key, item.email_key, item.name_key) if key]


@dataclass
class _Slice:
    """What one transaction of a run wrote: rows ``start`` to ``end`` of a batch, its figures and its
    rejects (rows as the file gave them, then as the bytes they add to the rejects file)."""

    start: int
    end: int = -1
    #: what its plans did (the summary adds it once the slice has committed)
    tally: Tally = field(default_factory=Tally)
    #: key hashes its updates gave cards (see ``_Run.rekeyed``)
    rekeyed: set[int] = field(default_factory=set)
    rejected_rows: list[list[str]] = field(default_factory=list)
    rejects: bytes = b""
    after: imports.RunProgress = field(default_factory=lambda: imports.RunProgress(0, 0, 0, 0, 0, 0, 0))

    def __post_init__(self) -> None:
        if self.end < 0:
            self.end = self.start


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
        self.clock = options.clock
        self.run_id = 0
        #: look every row's email and name up in the database, or (into a board that was empty
        #: when a fresh run started) only the rows that repeat an earlier row's key (``_Repeats``)
        #: or have a key an update of this run gave a card
        self.look_up_all = True
        self.rekeyed: set[int] = set()
        #: the writer writes each plan before the next is made, so the look-ups see its cards
        self.planner = Planner(options.update)
        self.tops: dict[str, float] = {}
        self.span = float(source.size + 1)
        #: the run's transactions (made when they begin)
        self.writes: WriteRun | None = None

    def run(self, progress: Callable[[ImportProgress], None] | None) -> None:
        try:
            self._run(progress)
        except BaseException:
            self.rejects.remove_if_empty()  # an import refused or stopped leaves no empty file behind
            raise

    def _run(self, progress: Callable[[ImportProgress], None] | None) -> None:
        in_transaction(self._start)
        summary = self.summary
        summary.resumed_at = self.committed.rows_done
        # between two transactions, colleagues waiting for the write lock get it
        writes = self.writes = WriteRun(BATCH_SECONDS)
        try:
            for batch in _prepared(self.source, self.reader, self.options, self.committed.rows_done,
                                   repeats=not self.look_up_all):
                first = batch.rows_after - len(batch.items)  # rows of a batch are numbered in a run
                start = 0
                while start < len(batch.items):
                    writes.between()
                    written = writes.transaction(partial(self._write, batch, first, start))
                    self._landed(written)
                    start = written.end
                    if progress:
                        progress(ImportProgress(batch.bytes_read, self.source.size, self.committed.rows_done))
        except BaseException:
            path = self.rejects.path
            if not self.committed.rejected and path.is_file() and path.stat().st_size == 0:
                self.rejects.remove()  # nothing was ever written to it: the empty file goes too
            raise
        finally:
            writes.close()
        in_transaction(lambda: imports.finish_run(self.run_id, self.now))
        done = self.committed
        summary.rows = done.rows_done
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
            self.rejects.resume(state.get("rejects_path") or self.rejects.path, run.rejects_bytes,
                                state.get("last_rejects", "").encode("utf-8"))
            self.tops, self.span = state["tops"], state["span"]
            self.summary.add(Tally(
                imported=run.imported, placed_lower=run.placed_lower, updated=run.updated, skipped=run.skipped,
                rejected=run.rejected, with_warnings=state.get("with_warnings", 0), dated=state.get("dated", 0),
                blocked_by=Counter(state.get("blocked_by", {})), warned=Counter(state.get("warned", {})),
                kept_as_text=Counter(state.get("kept_as_text", {})), stages=Counter(state.get("stages", {}))))
            return
        imports.abandon_runs(key, self.now)
        self.look_up_all = imports.any_card()
        self.tops = {stage.value: card_store.top_rank(stage) for stage in Stage}
        self.rejects.create()
        self.run_id = imports.start_run(key, self.source.fingerprint, options, self.user, self.now,
                                        json.dumps(self._state()))

    def _state(self, done: _Slice | None = None) -> dict[str, Any]:
        """What a resumed run needs: the ranks it places at, and the summary's figures so far (with
        those of ``done``, the slice this state is committed with)."""
        done = done or _Slice(0)
        tally = Tally()
        tally.add(self.summary)
        tally.add(done.tally)
        return {"tops": self.tops, "span": self.span, "rejects_path": str(self.rejects.path),
                "blocked_by": dict(tally.blocked_by), "kept_as_text": dict(tally.kept_as_text),
                "stages": dict(tally.stages),
                "warned": dict(tally.warned), "with_warnings": tally.with_warnings, "dated": tally.dated,
                "last_rejects": done.rejects.decode("utf-8")}

    # ---- one slice of a batch, inside its transaction -------------------------------------------

    def _write(self, batch: _Batch, first: int, start: int) -> _Slice:
        """Write the batch's items from ``start`` on (row ``first`` is its first) a step at a time until
        the batch is written or the transaction has taken ``BATCH_SECONDS``; what it wrote, with its
        resume point. Nothing here changes the run's state: ``_landed`` does once the transaction has
        committed."""
        items = batch.items
        began = self.clock()
        before = self.committed
        done = _Slice(start)
        while done.end < len(items):
            step = items[done.end:done.end + WRITE_STEP]
            self._write_step(step, done, batch.repeating)
            done.end += len(step)
            assert self.writes is not None
            if not self.writes.goes_on(self.clock() - began):
                break
        counts = done.tally
        done.rejects = self.rejects.encode(done.rejected_rows, new=before.rejects_bytes == 0)
        done.after = imports.RunProgress(
            rows_done=first + done.end,
            imported=before.imported + counts.imported,
            placed_lower=before.placed_lower + counts.placed_lower,
            updated=before.updated + counts.updated,
            skipped=before.skipped + counts.skipped,
            rejected=before.rejected + counts.rejected,
            rejects_bytes=before.rejects_bytes + len(done.rejects),
        )
        if not imports.advance_run(self.run_id, before.rows_done, done.after, json.dumps(self._state(done))):
            raise BadImportFile(f"Another import of {self.source.path.name} is running; this one stops "
                                "(its last batch was not written).")
        return done

    def _landed(self, done: _Slice) -> None:
        """A slice has committed: its rejects go to the file, its figures to the summary."""
        self.rejects.append(done.rejects)
        self.committed = done.after
        self.summary.add(done.tally)
        self.rekeyed.update(done.rekeyed)

    def _write_step(self, items: list[Placed | Rejected | None], done: _Slice, repeating: frozenset[int]) -> None:
        """Plan a step of rows (its look-ups inside this transaction) and write the plan."""
        plan = self.planner.plan(items, self._look_up(done, repeating), card_store.get)
        ids = self._insert(plan.new)
        made = {item.number: card_id for item, card_id in zip(plan.new, ids, strict=True)} if plan.updates else {}
        for update in plan.updates:
            done.rekeyed.update(hash(key) for _, key in update.keys if key)  # found by its new keys from now on
            card_id = update.target.card_id
            if card_id is None:  # the card an earlier row of this plan makes
                assert update.target.row is not None
                card_id = made[update.target.row]
            self._update(card_id, update.values)
        done.rejected_rows.extend(_reject_row(rejected) for rejected in plan.rejected)
        done.tally.add(plan.tally)

    def _look_up(self, done: _Slice, repeating: frozenset[int]) -> LookUp:
        """The plan's look-up of stored cards: every row's, or (into a board that was empty when the
        run started) only those of the rows ``repeating`` an earlier row's key, and those with a
        key an update of this run gave a card (a card found by its source id taking the row's name
        and company)."""
        if self.look_up_all:
            return _stored_cards
        rekeyed = (self.rekeyed | done.rekeyed) if done.rekeyed else self.rekeyed

        def look_up(placed: list[Placed]) -> CardIndex:
            return _stored_cards([p for p in placed if p.number in repeating
                                  or (rekeyed and any(key in rekeyed for key in _keys(p)))])
        return look_up

    def _insert(self, pending: list[Placed]) -> list[int]:
        if not pending:
            return []
        tops, span = self.tops, self.span
        cards = []
        for item in pending:
            values = item.values
            values["rank"] = tops[item.stage] - span + item.number
            cards.append(values)
        ids = card_store.insert_many(cards, self.now)
        history: list[tuple[Any, ...]] = []
        activities: list[tuple[Any, ...]] = []
        plans: list[dict[str, Any]] = []
        now = str(self.now)
        user, imported = self.user, Move.IMPORT.value
        for card_id, item in zip(ids, pending, strict=True):
            for move in item.moves:
                history.append((card_id, move.move.value, move.from_stage.value if move.from_stage else None,
                                move.to_stage.value, move.by, move.at, move.reason, "\n".join(move.warnings)))
            # a foreign file's created date is when the card's history starts (an export of ours
            # carries its history, and the import is its latest move)
            created = item.values["created_at"]
            if created == now or item.moves:
                at, reason = now, item.history_reason
            else:
                at, reason = created, f"{item.history_reason} on {now[:10]}"
            if item.entered is None:
                history.append((card_id, imported, None, item.stage, user, at, reason, item.history_warnings))
                if not (item.activities or item.plans):  # a plain row: nothing more to write
                    continue
            else:
                # the source dates the card's move into its stage: it is imported into the stage
                # before, and moves on at that date, marked as imported like the import itself
                before, entered = item.entered
                kind = Move.LOSE if item.stage == Stage.LOST.value else Move.PROMOTE
                history.append((card_id, Move.IMPORT.value, None, before, self.user, at, reason, ""))
                history.append((card_id, kind.value, before, item.stage, self.user, entered,
                                f"{item.history_reason}: {'lost' if kind is Move.LOSE else 'entered ' + item.stage} "
                                f"on {entered[:10]} in the source",
                                item.history_warnings))
            activities.extend((card_id, a.kind.value, a.summary, a.at, a.by) for a in item.activities)
            plans.extend(planned.new_row(card_id, p.kind, p.summary, p.due, p.owner, p.planned_by, p.planned_at)
                         for p in item.plans)
        imports.insert_history(history, new_cards=True, cards=cards)
        if activities:
            imports.insert_activities(activities)
        if plans:
            planned.insert_many(plans)
            planned.refresh_next_steps([card_id for card_id, item in zip(ids, pending, strict=True) if item.plans])
        return ids

    def _update(self, card_id: int, values: dict[str, Any]) -> None:
        """Write a planned update, journaled like an edit (so the card's past values stay readable,
        and the update undoable)."""
        card = card_store.get(card_id)
        if card is None or not card_store.update(card, values, self.user, self.now):  # pragma: no cover
            raise BadImportFile(f"Card {card_id} changed during the import; run it again.")  # we hold the lock
        after = card_store.get(card_id)
        assert after is not None
        journal.record_change(ChangeKind.EDIT, card, after, self.user, self.now, FIELD_NAMES)


class _DryRun:
    """Everything an import would do: the same plans, with nothing written."""

    def __init__(self, reader: RowReader, options: ImportOptions, summary: ImportSummary):
        self.reader = reader
        self.options = options
        self.summary = summary
        #: nothing is written, so the planner remembers the cards it planned
        self.planner = Planner(options.update, remember=True)

    def run(self, source: Source, progress: Callable[[ImportProgress], None] | None) -> None:
        summary = self.summary
        for batch in _prepared(source, self.reader, self.options, 0):
            plan = self.planner.plan(batch.items, _stored_cards, card_store.get)
            summary.add(plan.tally)
            shown = plan.rejected[:FIRST_REJECTS - len(summary.first_rejects)]
            summary.first_rejects.extend(rejected.reason for rejected in shown)
            summary.rows = batch.rows_after
            if progress:
                progress(ImportProgress(batch.bytes_read, source.size, summary.rows))


class _RejectsFile:
    """``<file>.rejects.csv``: rejected rows as they were, plus a column saying why.

    A fresh run creates its own file (``store.files.create_fresh``: never through a symlink, never
    over a file already there, which makes it ``<file>.rejects-2.csv`` and so on); a resumed run
    carries on in the file its run began. A slice's rows are appended (and synced) only once its
    transaction has committed, so the file never holds a row of a slice that was rolled back; the
    run records the file's length and the last slice's rows with each commit, so a run resumed after
    a crash between the commit and the append writes them then.
    """

    def __init__(self, path: Path, header: list[str], delimiter: str, bom: bool):
        self.path = path
        self.header = header
        self.delimiter = delimiter
        self.bom = bom
        self._made = False

    def create(self) -> None:
        """Make this run's file (once, even if the transaction that asks is run again)."""
        if not self._made:
            with self._problems():
                self.path = files.create_fresh(self.path)
            self._made = True

    def resume(self, path: str | Path, size: int, last: bytes) -> None:
        """Carry on in ``path``, which holds ``size`` bytes once ``last`` (the last committed slice's
        rows) is in it: a longer file is cut back, one without ``last`` gets it."""
        self.path = Path(path)
        # the run's file, unless it was removed while still empty: then it is made afresh
        self._made = self.path.exists()
        if not size or not (self._made or len(last) == size):
            return
        self.create()  # removed while empty, before the first rows reached it
        with self._problems():
            fd = files.open_made(self.path)
            try:
                length = os.fstat(fd).st_size
                if length > size:
                    os.ftruncate(fd, size)
                elif length < size and last and length >= size - len(last):
                    os.ftruncate(fd, size - len(last))
                    _write_all(fd, last)
                    os.fsync(fd)
            finally:
                os.close(fd)

    def remove(self) -> None:
        """Remove this run's file (never one this run did not make)."""
        if self._made:
            with self._problems():
                self.path.unlink(missing_ok=True)

    def remove_if_empty(self) -> None:
        """Remove this run's file if nothing is in it yet (a run that carries on makes it again)."""
        try:
            if self._made and self.path.stat().st_size == 0:
                self.path.unlink()
                self._made = False
        except OSError:
            pass

    @contextmanager
    def _problems(self) -> Iterator[None]:
        try:
            yield
        except OSError as error:
            cause = "the disk is full" if error.errno == errno.ENOSPC else error.strerror or error
            raise BadImportFile(f"Cannot write the rejects file {self.path} ({cause}); "
                                "nothing more was imported.") from None

    def encode(self, rows: list[list[str]], new: bool) -> bytes:
        """The bytes ``rows`` add to the file (after the header, and the BOM its source had, when
        the file is ``new``)."""
        if not rows:
            return b""
        text = io.StringIO()
        writer = csv.writer(text, delimiter=self.delimiter)
        if new:
            writer.writerow([*self.header, REJECT_COLUMN])
        writer.writerows(rows)
        data = text.getvalue().encode("utf-8")
        return b"\xef\xbb\xbf" + data if new and self.bom else data

    def append(self, data: bytes) -> None:
        """Append a committed slice's rows, synced to disk."""
        if not data:
            return
        self.create()
        with self._problems():
            fd = files.open_made(self.path)
            try:
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _reject_row(rejected: Rejected) -> list[str]:
    """A rejected row as the rejects file holds it: its cells as they were, then why."""
    return [_cell(cell) for cell in rejected.record.cells] + [rejected.reason]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
