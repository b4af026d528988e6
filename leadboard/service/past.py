"""The board as it stood at the end of a past day: each card in the stage it was in then,
replayed from the stage visits, read-only. Each card is worth what it was worth then where the
change journal knows it (``service.reports.stages_at``), else what it is worth now."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, timedelta, tzinfo
from decimal import Decimal
from typing import Any, NoReturn

from leadboard.domain.card import CardSummary
from leadboard.domain.errors import InvalidInput, MoveNotAllowed
from leadboard.domain.filter import NO_FILTER, CardFilter, ColumnOrder
from leadboard.domain.planned import parse_when
from leadboard.domain.stages import PIPELINE, Stage
from leadboard.service.pipeline import Overview, Pipeline, StageStats
from leadboard.store import cards
from leadboard.store import reports as queries


class PastPipeline(Pipeline):
    """``pipeline`` as of the end of ``day``: reads replay the history, every write is refused.
    A search is not applied (the board as of a day shows it whole, or one owner's cards)."""

    def __init__(self, pipeline: Pipeline, day: date, zone: tzinfo | None = None) -> None:
        # the reports are loaded by the board as of a day, not by every board that could open one
        from leadboard.service.reports import journal_knows

        super().__init__(pipeline.rules, pipeline.user, pipeline._clock, pipeline._today)
        self.day = day
        #: the pipeline of today, which this one looks back from
        self.present = pipeline
        #: the end of ``day`` in the viewer's time zone (``zone``, or the system's)
        self.at = self.reports(zone).midnight(day + timedelta(days=1))
        #: whether the change journal knows what the cards were worth then
        self.values_known = journal_knows(self.at)

    def stats(self, card_filter: CardFilter = NO_FILTER) -> dict[Stage, StageStats]:
        from leadboard.service.reports import stages_at

        counts = stages_at(self.at, card_filter.owner).stages
        return self._stats({stage: cards.Totals(*counts.get(stage.value, (0, Decimal("0.00")))) for stage in Stage})

    def column_page(self, stage: Stage, offset: int, limit: int, card_filter: CardFilter = NO_FILTER,
                    total: int | None = None) -> list[CardSummary]:
        ids = queries.card_stages_at(self.at, stage.value, offset, limit, card_filter.owner)
        then = queries.amounts_at(ids, self.at) if self.values_known else {}
        return [dataclasses.replace(card, stage=stage, amount=then.get(card.id, card.amount))
                for card in cards.summaries_of(ids)]

    @property
    def values_note(self) -> str:
        """What the values on this board are, in a few words."""
        return "values as they were" if self.values_known else "values are today's"

    def overview(self, card_filter: CardFilter, page_size: int, kept: Mapping[Stage, int] | None = None) -> Overview:
        stats = self.stats(card_filter)
        return Overview(stats, {stage: {0: self.column_page(stage, 0, page_size, card_filter)} for stage in PIPELINE},
                        {})

    def position(self, card_id: int, card_filter: CardFilter = NO_FILTER) -> int | None:
        return None

    def column_order(self) -> ColumnOrder:
        return ColumnOrder.RANK  # the past is read in the board's own order

    def changes_since(self, change_id: int) -> tuple[int, set[int] | None]:
        return change_id, set()  # the past does not change

    def is_stale(self, summary: CardSummary) -> bool:
        return False

    @property
    def refusal(self) -> str:
        """The one sentence that refuses a write on this board."""
        return f"This is the board as of {self.day}: it is read-only."

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise MoveNotAllowed(self.refusal)

    create = edit = reassign = promote = demote = lose = reopen = undo = log_activity = _refuse  # type: ignore[assignment]
    check_promotion = promotion = _refuse  # type: ignore[assignment]
    plan = reschedule = postpone = complete = cancel = log_and_plan = _refuse  # type: ignore[assignment]
    remember_column_order = _refuse  # type: ignore[assignment]


def board_as_of(pipeline: Pipeline, text: str) -> PastPipeline:
    """The board as of the day ``text`` names: ``YYYY-MM-DD``, or what a form takes for a date
    (``today``; a time of day is read as its day). A day after today is refused."""
    today = pipeline._today()
    raw = (text or "").strip()
    try:
        due = parse_when(raw, today, field="day")
    except InvalidInput:
        said = f"{raw!r} is not a day" if raw else "No day given"
        raise InvalidInput(f"{said}: type one as YYYY-MM-DD (or today).", field="day") from None
    day = due.local_day()
    if day > today:
        raise InvalidInput(f"{day} is in the future; the board can only show the past.", field="day")
    return PastPipeline(pipeline, day)
