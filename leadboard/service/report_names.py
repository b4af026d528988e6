"""The reports and the periods they can be asked for, by name: what the command line offers, known
without importing the reports themselves (a script's ``show`` or ``promote`` never runs one)."""

from __future__ import annotations

REPORTS = ("funnel", "winrate", "time", "velocity", "forecast", "lost", "activity", "snapshot")

#: the periods a report can be asked for by name
PERIODS = ("this-month", "last-month", "this-quarter", "last-90-days")
