"""leadboard: a sales pipeline Kanban board for people who live in terminals."""

import gc

__version__ = "0.1.0"

# Start-up (importing pydantic, peewee and Textual, building their classes and validators, then the
# board's widgets) makes some 100,000 objects that live as long as the process, and next to no
# garbage. With Python's default thresholds the garbage collector scans them again and again while
# they are made: some 90 collections for `show`, 260 and two or three full sweeps for the board,
# about 5% of its start-up. So start-up runs with the youngest generation's threshold raised (a
# common, documented tuning: `gc.set_threshold`), and `started` freezes what start-up made
# (`gc.freeze`: left out of every later collection) and puts Python's defaults back.
DEFAULT_GC_THRESHOLDS = gc.get_threshold()
gc.set_threshold(200_000, *DEFAULT_GC_THRESHOLDS[1:])


def started() -> None:
    """Start-up is over (the board is up, or a command is about to run): what is alive now lives
    as long as the process, so the collector leaves it alone from now on, at its usual pace."""
    gc.freeze()
    gc.set_threshold(*DEFAULT_GC_THRESHOLDS)
