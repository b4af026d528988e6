"""A process that writes big transactions until it is killed, run by test_crash.py.

    python crash_worker.py TARGET BATCH_SIZE LOG_FILE

Batch after batch, it adds BATCH_SIZE contacts (company "batch-N") in ONE transaction, noting in
LOG_FILE "started N" once the first card of batch N is written, "halfway N WAL_BYTES" halfway
through, and "committed N" when the batch is in; each line reaches the disk before it goes on.
On SQLite its page cache is kept tiny, so the open transaction spills pages into the WAL file
before it commits: a kill then leaves uncommitted frames behind, the case recovery must handle.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from leadboard.service.setup import open_pipeline
from leadboard.store import db


def wal_bytes() -> int:
    path = db.sqlite_path()
    wal = path.with_name(path.name + "-wal") if path else None
    return wal.stat().st_size if wal and wal.exists() else 0


def main(target: str, batch_size: int, log_file: str) -> None:
    pipeline = open_pipeline(target, "crasher")
    if db.is_sqlite():
        db.database.execute_sql("PRAGMA cache_size = 16")  # pages
    with Path(log_file).open("a", encoding="utf-8") as log:

        def note(line: str) -> None:
            log.write(line + "\n")
            log.flush()
            os.fsync(log.fileno())

        batch = 0
        while True:
            batch += 1

            def work(batch: int = batch) -> None:
                for i in range(batch_size):
                    pipeline.create({"name": f"Crash {batch}-{i}", "company": f"batch-{batch}",
                                     "email": f"crash{batch}.{i}@example.com", "budget": i + 1})
                    if i == 0:
                        note(f"started {batch} {wal_bytes()}")
                    elif i == batch_size // 2:
                        note(f"halfway {batch} {wal_bytes()}")

            db.in_transaction(work)
            note(f"committed {batch}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
