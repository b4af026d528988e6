"""One salesperson hammering a shared pipeline, run as its own process by test_stress.py.

    python stress_worker.py TARGET WORKER OPERATIONS SEED CARD_IDS SYNC_DIR

It opens TARGET as user ``seller<WORKER>``, says it is ready (a file in SYNC_DIR), waits for the
``go`` file, then does OPERATIONS random operations on the cards CARD_IDS (comma-separated), the way
a board or a script does: read a card, then write naming the version it read.

- a move (promote, demote, lose or reopen, whichever fits the stage it read); a version refusal
  (Conflict) is counted, not retried;
- an increment of the card's deal value: read, write value + 1 with the version read, and on a
  Conflict read again and retry until it lands, so every increment it reports really happened;
- logging an activity;
- now and then an undo of its own last change, whatever it was (refused when a colleague changed the
  card since: counted).

Any other error (above all "database is locked") is recorded; at the end it prints one JSON
report on stdout and exits 1 if anything went wrong.
"""

from __future__ import annotations

import json
import random
import sys
import time
import traceback
from collections import Counter
from decimal import Decimal
from pathlib import Path

from leadboard.domain.errors import Conflict, NothingToUndo, UndoRefused
from leadboard.domain.history import ChangeKind
from leadboard.domain.stages import Stage
from leadboard.service import Pipeline
from leadboard.service.setup import close, open_pipeline
from leadboard.store import db


def move(pipeline: Pipeline, card_id: int, rng: random.Random) -> str:
    card = pipeline.card(card_id)
    stage, version = card.stage, card.version
    if stage is Stage.LOST:
        pipeline.reopen(card_id, version=version)
        return "reopen"
    choices = ["lose"]
    if stage is not Stage.ACCOUNT:
        choices += ["promote", "promote"]
    if stage is not Stage.CONTACT:
        choices += ["demote", "demote"]
    choice = rng.choice(choices)
    if choice == "promote":
        pipeline.promote(card_id, version=version)
    elif choice == "demote":
        pipeline.demote(card_id, "stress: back one stage", version=version)
    else:
        pipeline.lose(card_id, "stress: lost for now", version=version)
    return choice


def increment(pipeline: Pipeline, card_id: int) -> int:
    """Add 1 to the card's value; returns how many times a colleague's write got in between."""
    conflicts = 0
    while True:
        card = pipeline.card(card_id)
        try:
            pipeline.edit(card_id, {"value": (card.value or Decimal(0)) + 1}, version=card.version)
            return conflicts
        except Conflict:
            conflicts += 1


def main(argv: list[str]) -> int:
    target, worker, operations, seed, card_list, sync_dir = argv
    card_ids = [int(n) for n in card_list.split(",")]
    rng = random.Random(int(seed))
    pipeline = open_pipeline(target, f"seller{worker}")
    sync = Path(sync_dir)
    (sync / f"ready-{worker}").touch()
    while not (sync / "go").exists():
        time.sleep(0.01)

    moves: Counter[str] = Counter()
    increments: Counter[int] = Counter()
    activities: Counter[int] = Counter()
    #: writes not counted as moves or (net) increments: an increment undone is two writes that
    #: cancel out, an activity undone one
    other_writes: Counter[int] = Counter()
    report = {"worker": int(worker), "move_conflicts": 0, "increment_conflicts": 0,
              "undos": 0, "undo_refused": 0, "refused": [], "errors": []}
    started = time.monotonic()
    for _ in range(int(operations)):
        card_id = rng.choice(card_ids)
        roll = rng.random()
        try:
            if roll < 0.45:
                try:
                    moves[move(pipeline, card_id, rng)] += 1
                except Conflict:
                    report["move_conflicts"] += 1
            elif roll < 0.85:
                report["increment_conflicts"] += increment(pipeline, card_id)
                increments[card_id] += 1
            elif roll < 0.95:
                pipeline.log_activity(card_id, "call", f"stress call by seller{worker}")
                activities[card_id] += 1
            else:
                try:
                    undone = pipeline.undo()
                except (UndoRefused, NothingToUndo, Conflict):  # a colleague changed the card since
                    report["undo_refused"] += 1
                else:
                    card = undone.card.id
                    if undone.record is not None:  # a move undone: a move of its own in the history
                        report["undos"] += 1
                    elif undone.undone.kind is ChangeKind.EDIT:
                        increments[card] -= 1
                        other_writes[card] += 2
                    elif undone.undone.kind is ChangeKind.ACTIVITY:
                        activities[card] -= 1
                        other_writes[card] += 1
        except Exception as error:  # anything else is a failure the test reports
            text = f"{type(error).__name__}: {error}"
            bucket = "refused" if type(error).__name__ in ("GateBlocked", "MoveNotAllowed") else "errors"
            report[bucket].append(text)
            if bucket == "errors" and len(report["errors"]) == 1:
                traceback.print_exc()
    report.update(
        seconds=time.monotonic() - started,
        moves=dict(moves),
        increments={str(k): v for k, v in increments.items()},
        activities={str(k): v for k, v in activities.items()},
        other_writes={str(k): v for k, v in other_writes.items()},
        retries=db.retries,
    )
    close()
    print(json.dumps(report))
    return 1 if report["errors"] or report["refused"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
