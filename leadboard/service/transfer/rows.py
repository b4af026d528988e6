"""One imported row becomes a card, or a reason why it cannot.

Every row is validated by ``validate_fields``, the check a manual edit goes through. Then it is
placed: by default at the stage its source gave it, with every gate rule up to that stage it fails
recorded as an accepted warning (an import is a migration, not a promotion); with
``enforce_gates``, at the last stage whose gates it passes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from leadboard.domain.card import (
    DATE_FIELDS,
    FIELD_NAMES,
    INTERACTIONS,
    MONEY_FIELDS,
    UNSURE,
    ActivityKind,
    CardFields,
    invalid_input,
    plain_money_value,
    plain_text_value,
    validate_fields,
)
from leadboard.domain.declared import DeclaredField
from leadboard.domain.errors import InvalidInput
from leadboard.domain.planned import Due, PlannedKind, parse_due
from leadboard.domain.rules import GateMemo, RuleFailure, Rules
from leadboard.domain.stages import GATE_INTO, PIPELINE, Move, Stage
from leadboard.domain.text import LIMITS, checked, multi_line, one_line, within
from leadboard.domain.values import AmountReader, DateOrder, MomentReader, other_currency
from leadboard.service.transfer import columns as col
from leadboard.service.transfer.reading import Record
from leadboard.store.cards import CARD_COLUMNS
from leadboard.store.imports import ascii_lower

#: an extra field keeps its value whole up to this many characters (a field's own limit may be less)
EXTRA_LIMIT = 64 * 1024
_RULE_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
_CENT = Decimal("0.01")
#: fields whose blank value and absent value are the same thing (default None)
_OPTIONAL = frozenset(name for name, info in CardFields.model_fields.items() if info.default is None)
_DEFAULTS = {name: info.default for name, info in CardFields.model_fields.items() if name != "name"}


@dataclass(slots=True)
class Rejected:
    record: Record
    reason: str


class Placed(NamedTuple):
    """A valid row, placed at a stage, with everything needed to write it or update a duplicate.

    Plain values only: big imports send these from the reading process to the writing one, and
    a tuple of strings crosses over several times faster than objects do."""

    number: int
    line: int
    #: the row as read, kept only when an update may still reject it
    cells: list[Any] | None
    #: the card's columns by name (``CARD_COLUMNS``), values as the database stores them (rank is
    #: set when it is written)
    values: dict[str, Any]
    #: the card fields the row gave (non-blank), validated, for updating a duplicate
    given: dict[str, Any] | None
    #: the stage it is placed at (a ``Stage`` value)
    stage: str
    email_key: str | None
    name_key: tuple[str, str] | None
    #: ids of the gate rules it fails and keeps as accepted warnings, and the history's lines for them
    warned: tuple[str, ...]
    history_warnings: str
    #: (enforce_gates) ids of the blocking rules that held it below its source stage
    blocked_by: tuple[str, ...]
    history_reason: str
    #: a history and activities only our export carries: a tuple (empty for most rows: an empty
    #: tuple crosses to the writing process as one byte, an empty list as a new object each row)
    moves: tuple[ImportedMove, ...]
    activities: tuple[ImportedActivity, ...]
    #: names of the columns whose value could not be read into its field, kept as text
    kept: tuple[str, ...] = ()
    #: the record's id in the source system: a re-import finds its card by it first
    source_key: str | None = None
    #: open planned activities (a JSON export's ``planned``), planned again on the new card
    plans: tuple[ImportedPlan, ...] = ()
    #: (the stage it was in before, when it entered its stage) when the source dates that move (a
    #: won or lost deal's close, a lead's conversion), as the database stores times
    entered: tuple[str, str] | None = None

    @property
    def placed_lower(self) -> bool:
        return bool(self.blocked_by)


def look_up_keys(name: str, company: str | None, email: str | None) -> tuple[str | None, tuple[str, str] | None]:
    """What a card with these fields is found by (besides its source id): its email as the store's
    index holds it, and its name and company, which decide only between cards that have no email."""
    return (ascii_lower(email) if email is not None else None,
            (name, company) if company is not None and email is None else None)


class FieldCheck:
    """Validates a row's fields with ``CardFields`` itself (plain text without building the model:
    ``plain_text_value``), remembering the answer for values it has seen: an owner, a stage-like
    column, a date or an amount repeats thousands of times in a big file, and the answer for a
    value never changes (no rule of the model looks at two fields together; if one ever does,
    every row goes through ``validate_fields`` whole).

    A row with any bad value is passed to ``validate_fields`` for the error, so a rejected row says
    exactly what a manual edit would have said."""

    #: distinct values remembered per field (names, emails and phones are mostly unique)
    MEMO_LIMIT = 50_000

    def __init__(self) -> None:
        decorators = CardFields.__pydantic_decorators__
        self.per_field = not decorators.model_validators and not decorators.root_validators
        self._memo: dict[str, dict[Any, tuple[Any, Any, str]]] = {name: {} for name in FIELD_NAMES}

    def validate(self, data: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        """The validated value of every field in ``data``, also written, as the database stores it,
        into ``values`` (the card's columns by name); ``InvalidInput`` if any is bad."""
        typed: dict[str, Any] = {}
        if not self.per_field:
            valid = validate_fields(data)
            for name in data:
                value = getattr(valid, name)
                typed[name] = value
                values[name] = _stored(value)
            return typed
        fresh: dict[str, Any] = {}
        memo = self._memo
        for name, raw in data.items():
            try:
                answer = memo[name].get(raw)
            except TypeError:  # an unhashable JSON value
                answer = None
            if answer is None:
                plain = plain_text_value(name, raw)
                if plain is not UNSURE:  # a plain name, email or phone: mostly unique, not worth remembering
                    typed[name] = values[name] = plain
                elif name in MONEY_FIELDS and (amount := plain_money_value(raw)) is not UNSURE:
                    typed[name] = amount  # a plain amount: most differ, so none is remembered either
                    values[name] = str(amount.quantize(_CENT))
                else:
                    fresh[name] = raw
            else:
                typed[name] = answer[0]
                values[answer[2]] = answer[1]
        if fresh:
            placeholder = "name" not in fresh
            if placeholder:
                fresh["name"] = "-"  # the model requires a name; the remembered one stands
            try:
                valid = CardFields.model_validate(fresh)
            except ValidationError as error:
                validate_fields(data)  # the whole row, for the message a manual edit gets
                raise invalid_input(error) from None  # pragma: no cover - validate_fields raised
            for name, raw in fresh.items():
                if placeholder and name == "name":
                    continue
                value = getattr(valid, name)
                answer = (value, _stored(value), name)
                typed[name] = value
                values[answer[2]] = answer[1]
                field_memo = memo[name]
                if len(field_memo) < self.MEMO_LIMIT and raw.__class__ in _HASHABLE:
                    field_memo[raw] = answer
        return typed


_HASHABLE = frozenset({str, int, float, bool})


def _stored(value: Any) -> Any:
    """A validated value as the database stores it (what peewee would send)."""
    if value is None or isinstance(value, str):  # StrEnum values are str too
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return str(value.quantize(_CENT))
    if isinstance(value, date):
        return value.isoformat()
    return value


UserName = Annotated[str, checked(one_line, LIMITS.user)]


class ImportedMove(BaseModel):
    """A move from an exported history (``export --with-history``), kept as it happened."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    move: Move
    from_stage: Stage | None = Field(default=None, alias="from")
    to_stage: Stage = Field(alias="to")
    by: UserName
    at: datetime
    reason: Annotated[str, checked(multi_line, LIMITS.reason, required=False)] | None = None
    #: "rule-id: message" lines, stored one per line: each must stay one line
    warnings: list[Annotated[str, checked(one_line, LIMITS.rule_id + 2 + LIMITS.rule_message)]] = []


class ImportedActivity(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: ActivityKind
    summary: Annotated[str, checked(multi_line, LIMITS.summary)]
    at: datetime
    by: UserName


class ImportedPlan(BaseModel):
    """An open planned activity as a JSON export writes it."""

    model_config = ConfigDict(extra="ignore", arbitrary_types_allowed=True)

    kind: PlannedKind
    summary: Annotated[str, checked(multi_line, LIMITS.summary)]
    due: Due
    owner: UserName
    planned_by: UserName
    planned_at: datetime

    @field_validator("due", mode="before")
    @classmethod
    def _due(cls, value: Any) -> Due:
        return value if isinstance(value, Due) else parse_due(str(value))


class RowReader:
    """Turns records of one file into ``Placed`` or ``Rejected`` (or None for a blank row)."""

    def __init__(self, plan: col.ColumnPlan, stage_map: dict[str, Stage], rules: Rules, user: str,
                 now: datetime, today: date, enforce_gates: bool, source_name: str,
                 keep_for_update: bool = False, owner_map: dict[str, str] | None = None):
        self.plan = plan
        self.stage_words: dict[Any, col.Placement] = col.stage_words(plan.vendor, stage_map, rules)
        self.rules = rules
        self.user = user
        self.now = now
        self.today = today
        self.enforce_gates = enforce_gates
        self.keep_for_update = keep_for_update
        self.width = len(plan.header)
        self.source_name = source_name
        self.checker = FieldCheck()
        self.gates = GateMemo(rules, today)
        #: whether a gate may read a declared field (the card's extras)
        self._declared_rules = bool(rules.fields)
        #: the team's currency, and the column that says a row's amounts' currency
        self._currency = rules.currency
        self._currency_column = next((index for index in plan.extras
                                      if col.normalize(plan.header[index]) in col.CURRENCY_COLUMNS), None)
        self._amount = AmountReader()
        sources = plan.sources
        self._fields = [(name, sources[name]) for name in FIELD_NAMES if name in sources and name != "name"]
        self._name = sources.get("name", ())
        self._first = sources.get(col.FIRST_NAME, ())
        self._last = sources.get(col.LAST_NAME, ())
        self._stage = sources.get(col.STAGE, ())
        self._status = sources.get(col.DEAL_STATUS, ())
        # a deal's card is named after its person, else its organisation, else the deal itself
        self._company = sources.get("company", ())
        self._deal = sources.get(col.DEAL_NAME, ())
        self._email = sources.get("email", ())
        header = plan.header
        self._extra_names = [(index, _column_name(header, index)) for index in plan.extras
                             if index not in plan.declared]
        #: (column, its name, the declared field it gives, how that field reads a value)
        self._declared = [(index, _column_name(header, index), name, rules.fields[name])
                          for index, name in plan.declared.items()]
        self._extra_object = sources.get(col.EXTRA, ())
        self._source_id = sources.get(col.SOURCE_ID, ())
        #: (field, the later columns feeding it, with their names): kept as extras when the first
        #: column gave the value
        self._seconds = [(name, indexes, [_column_name(header, i) for i in indexes])
                         for name, indexes in sources.items()
                         if len(indexes) > 1 and (name in FIELD_NAMES or name == col.DEAL_NAME)]
        #: a blank owner is the importing user
        self._default_owner = user
        #: owners as the file names them (ids, full names) -> login names (``--owner-map``)
        self._owners = {key.casefold(): login for key, login in (owner_map or {}).items()}
        self._state = [(name, sources[name]) for name in (col.LOST_FROM, col.LOST_REASON, *col.STATE_COLUMNS,
                                                           col.CLOSED_AT, col.HISTORY, col.ACTIVITY_LOG, col.PLANNED)
                       if name in sources]
        self._keeps_warnings = plan.has("warnings") and not enforce_gates
        now_stored = str(now)
        # the columns every card of this import shares, unless the file says otherwise
        self._template: dict[str, Any] = dict.fromkeys(CARD_COLUMNS)
        for name, value in _DEFAULTS.items():
            self._template[name] = _stored(value)
        for name, value in (("version", 1), ("created_at", now_stored), ("created_by", user),
                            ("updated_at", now_stored), ("updated_by", user), ("activity_count", 0),
                            ("warnings", ""), ("amount", "0.00"), ("owner", self._default_owner)):
            self._template[name] = value
        self._reason = f"imported from {one_line(source_name)}"
        #: stage values seen that nothing maps, with how many rows had them
        self.unknown_stages: dict[str, int] = {}
        #: field -> reads a cell as people write it into the text validation reads (or the cell
        #: unchanged when it cannot)
        self._convert: dict[str, Callable[[str], str]] = {}
        self._moments: dict[str, MomentReader] = {}
        self.read_dates({})

    def read_dates(self, orders: dict[str, DateOrder | None]) -> None:
        """Read each date target's numeric dates in the order its column was found to use."""
        for name in MONEY_FIELDS:
            self._convert[name] = _Amounts()
        for name in (*DATE_FIELDS, *col.DATE_STATE_COLUMNS):
            moment = MomentReader(orders.get(name))
            self._moments[name] = moment
            if name in DATE_FIELDS:
                self._convert[name] = _Dates(moment)
        #: (field, its columns, what reads a cell for it, whether a blank cell is no value)
        self._field_readers = [(name, indexes, self._convert.get(name), name in _OPTIONAL)
                               for name, indexes in self._fields]

    def moment(self, name: str, text: str) -> datetime | None:
        return self._moments[name](text)

    @property
    def date_targets(self) -> list[tuple[str, tuple[int, ...]]]:
        """(target, its columns) for every date the file gives."""
        sources = self.plan.sources
        return [(name, sources[name]) for name in (*DATE_FIELDS, *col.DATE_STATE_COLUMNS) if name in sources]

    # ---- the row ------------------------------------------------------------------------------

    def read(self, record: Record) -> Placed | Rejected | None:
        if record.problem:
            return Rejected(record, _at(record, record.problem))
        cells = record.cells
        if len(cells) != self.width:
            if not any(_present(cell) for cell in cells):
                return None
            if len(cells) < self.width or any(_present(cell) for cell in cells[self.width:]):
                return Rejected(record, _at(record, f"it has {len(cells)} values but the header has "
                                                    f"{self.width} columns"))
        try:
            return self._place(record, cells)
        except _BlankRow:
            return None
        except InvalidInput as error:
            return Rejected(record, _at(record, _all_errors(error)))

    def _place(self, record: Record, cells: list[Any]) -> Placed:
        extras: dict[str, str] = {}
        for index, column in self._extra_names:
            cell = cells[index]
            if cell is not None and (cell.__class__ is not str or (cell and not cell.isspace())):
                extras[column] = _extra_text(cell)
        kept: list[str] = []
        row_currency = None
        if self._currency is not None and self._currency_column is not None:
            row_currency = cells[self._currency_column]
        for index, column, field_name, declared in self._declared:
            cell = cells[index]
            if declared.type == "money" and self._in_other_currency(cell, row_currency, column, extras, kept):
                continue
            try:
                value = declared.stored(cell)
            except ValueError:  # like any cell that cannot be read into its field: kept as text
                extras[column] = _extra_text(cell)
                kept.append(column)
            else:
                if value is not None:
                    extras[field_name] = value
        if self._extra_object:
            _merge_extras(extras, _first_present(cells, self._extra_object), self.rules.fields, kept)
        for _, indexes, names in self._seconds:
            _keep_seconds(extras, cells, indexes, names)
        data: dict[str, Any] = {}
        for name, indexes, convert, optional in self._field_readers:
            value = cells[indexes[0]] if len(indexes) == 1 else _first_present(cells, indexes)
            if value is None or (value.__class__ is str and (not value or value.isspace())):
                if not optional:
                    data[name] = value
            else:
                if (self._currency is not None and name in MONEY_FIELDS and self._in_other_currency(
                        value, row_currency, _column_name(self.plan.header, _index_of(cells, indexes) or 0),
                        extras, kept)):
                    continue
                if convert is not None and value.__class__ is str:
                    value = convert(value)
                data[name] = value
        name = _first_present(cells, self._name)
        if name is None:
            first, last = _first_present(cells, self._first), _first_present(cells, self._last)
            if first is not None and last is not None:
                name = f"{str(first).strip()} {str(last).strip()}"
            else:
                name = first if first is not None else last
        deal = _first_present(cells, self._deal) if self._deal else None
        if name is None:
            name = _first_present(cells, self._company) or deal or _first_present(cells, self._email)
            if name is deal:
                deal = None
            if name is None:
                if not any(_present(cell) for cell in cells):
                    raise _BlankRow
                raise InvalidInput("the row has no name, company or email to call its card by", field="name")
        if deal is not None:  # a deal's title beside the person or company it is named after
            where = _index_of(cells, self._deal)
            if where is not None:
                extras[_column_name(self.plan.header, where)] = _extra_text(deal)
        data["name"] = name
        if self._owners and "owner" in data:
            data["owner"] = self._owners.get(str(data["owner"]).strip().casefold(), data["owner"])
        defaulted = "owner" not in data
        if defaulted:
            data["owner"] = self._default_owner
        values = self._template.copy()
        try:
            typed = self.checker.validate(data, values)
        except InvalidInput as error:
            # one bad cell never costs the row: its value is kept as text, the field left empty
            typed, values = self._keep_as_text(error, data, cells, extras, kept)
        given_names = [key for key in data if key not in kept and not (defaulted and key == "owner")] \
            if self.keep_for_update else []
        email = typed.get("email")
        state = self._read_state(cells, extras, kept) if self._state else {}
        place = self._wanted_stage(cells) if self._stage or self._status else _CONTACT
        wanted = place.stage
        lost_from: Stage | None = state.get(col.LOST_FROM, place.lost_from) if wanted is Stage.LOST else None
        if place.reason is not None and col.LOST_REASON not in state:
            state[col.LOST_REASON] = place.reason
        gate_stage = (lost_from or Stage.CONTACT) if wanted is Stage.LOST else wanted
        warnings: list[RuleFailure] = []
        blocked_by: list[RuleFailure] = []
        reached = Stage.CONTACT
        if gate_stage is not Stage.CONTACT:
            warnings, blocked_by, reached = self._gates(typed, state.get("activity_count", 0), gate_stage, extras)
        stage = wanted if wanted is Stage.LOST else reached
        #: where the source had the card (a lost one: the stage it was lost from)
        source_stage: Stage = gate_stage
        if lost_from is not None:
            lost_from = reached

        amount = typed.get("value")
        if amount is None:
            amount = typed.get("budget")
        if amount is not None:
            values["amount"] = _stored(amount)
        values["stage"] = stage.value
        if warnings:
            values["warnings"] = ",".join(dict.fromkeys(w.rule_id for w in warnings))
        if state:
            self._apply_state(values, state, stage, lost_from)
        if self._keeps_warnings:
            values["warnings"] = state.get("warnings", "")

        company = typed.get("company")
        reason = self._reason
        if blocked_by:
            held = ", ".join(dict.fromkeys(f.rule_id for f in blocked_by if f.blocking))
            gate = GATE_INTO[PIPELINE[PIPELINE.index(reached) + 1]]
            reason += (f"; {'lost from ' if wanted is Stage.LOST else 'placed in '}{reached.value} "
                       f"instead of {source_stage.value}: the {gate} gate is blocked by {held}")
        if self._source_id:
            source_id = _first_present(cells, self._source_id)
            if source_id is not None:
                values["source_id"] = one_line(str(source_id))[:LIMITS.line] or None
        if extras:
            values["extra"] = json.dumps(extras, ensure_ascii=False)
        given = None
        if self.keep_for_update:
            given = {key: typed[key] for key in given_names if typed.get(key) is not None}
        return Placed(record.number, record.line, cells if self.keep_for_update else None, values, given,
                      stage.value, *look_up_keys(typed["name"], company, email),
                      tuple(dict.fromkeys(w.rule_id for w in warnings)), "\n".join(map(str, warnings)),
                      tuple(dict.fromkeys(f.rule_id for f in blocked_by if f.blocking)), reason,
                      tuple(state.get(col.HISTORY, ())), tuple(state.get(col.ACTIVITY_LOG, ())),
                      tuple(kept), values["source_id"], tuple(state.get(col.PLANNED, ())),
                      # a card held below its source stage never entered it: no date to keep
                      None if blocked_by and stage is not Stage.LOST else
                      self._entered(state, typed.get("close_by"), stage, lost_from))

    def _entered(self, state: dict[str, Any], close_by: date | None, stage: Stage,
                 lost_from: Stage | None) -> tuple[str, str] | None:
        """When the source says the card entered ``stage`` from the stage before it: its closed
        (won, lost, converted) time, else a won or lost deal's close date; never before the card
        was created, and none when that is in the future (an open deal's close date is its
        ``close_by``, not a move) or when the file carries the card's own history."""
        if stage is Stage.CONTACT or col.HISTORY in state:
            return None
        when: datetime | None = state.get(col.CLOSED_AT)
        if when is None and close_by is not None and stage in (Stage.ACCOUNT, Stage.LOST):
            when = datetime.combine(close_by, time())
        before = lost_from if stage is Stage.LOST else PIPELINE[PIPELINE.index(stage) - 1]
        if when is None or when > self.now or before is None:
            return None
        return before.value, str(max(when, state.get("created_at", when)))

    def _in_other_currency(self, cell: Any, row_currency: Any, column: str, extras: dict[str, str],
                           kept: list[str]) -> bool:
        """Whether ``cell`` is an amount in another currency than the team's: then it is kept as
        text under its column, never summed, and ``kept`` says why."""
        if self._currency is None or cell is None:
            return False
        amount = self._amount(str(cell))
        if amount is None:  # not an amount at all: read (and kept) like any cell
            return False
        other = other_currency(amount.currency, None if row_currency is None else str(row_currency), self._currency)
        if other is None:
            return False
        extras[column] = _extra_text(cell)
        kept.append(col.other_currency_kept(column, other, self._currency))
        return True

    def _keep_as_text(self, error: InvalidInput, data: dict[str, Any], cells: list[Any], extras: dict[str, str],
                      kept: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Validate ``data`` again without the fields ``error`` names, their cells kept as extras
        (under their columns' names) and their columns listed in ``kept``. A bad name still
        rejects the row: there is nothing else to call the card by."""
        while True:
            bad = [name for name in error.errors or {error.field or "card": str(error)} if name in data]
            if not bad or "name" in bad:
                raise error
            for name in bad:
                del data[name]
                indexes = self.plan.sources.get(name, ())
                index = _index_of(cells, indexes)
                if index is not None:
                    column = _column_name(self.plan.header, index)
                    extras[column] = _extra_text(cells[index])
                    kept.append(column)
            values = self._template.copy()
            try:
                return self.checker.validate(data, values), values
            except InvalidInput as again:
                error = again

    def _apply_state(self, values: dict[str, Any], state: dict[str, Any], stage: Stage,
                     lost_from: Stage | None) -> None:
        """Our own export's dates and counts (and lost from / lost reason) over the import's
        defaults. Who made and changed a card here and its version are this database's own: the
        importing user and version 1, whatever a file says (a forged ``created_by`` would put a
        change in someone else's name, a ``version`` would skip a colleague's conflict check)."""
        if "activity_count" in state:
            values["activity_count"] = state["activity_count"]
        if "created_at" in state:
            values["created_at"] = values["updated_at"] = str(state["created_at"])
        if "updated_at" in state:
            values["updated_at"] = str(state["updated_at"])
        if "last_activity_at" in state:
            values["last_activity_at"] = str(state["last_activity_at"])
        if stage is Stage.LOST:
            values["lost_from"] = lost_from.value if lost_from else None
            values["lost_reason"] = state.get(col.LOST_REASON)

    def _wanted_stage(self, cells: list[Any]) -> col.Placement:
        status = _first_present(cells, self._status)
        if status is not None:
            decided = _STATUS.get(col.normalize(str(status)))
            if decided is not None:
                return decided
        value = _first_present(cells, self._stage)
        if value is None:
            return _CONTACT
        return self._stage_of(value, "stage")

    def unknown(self, value: Any) -> bool:
        """Whether ``value`` is a stage value nothing places (the survey before a run asks)."""
        try:
            self._stage_of(value, "stage")
        except InvalidInput:
            return True
        return False

    def _stage_of(self, value: Any, what: str) -> col.Placement:
        stage = self.stage_words.get(value) if isinstance(value, str) else None
        if stage is None:
            text = str(value).strip()
            stage = self.stage_words.get(col.normalize(text))
            if stage is None:
                shown = text[:60]
                self.unknown_stages[shown] = self.unknown_stages.get(shown, 0) + 1
                raise InvalidInput(f"{what}: {shown!r} is not a stage leadboard knows; place it with "
                                   f"--stage-map '{shown}=lead' (or contact, opportunity, account, lost)",
                                   field=what)
            if isinstance(value, str):
                self.stage_words[value] = stage  # the raw spelling, for the next row
        return stage

    # ---- gates ----------------------------------------------------------------------------------

    def _gates(self, typed: dict[str, Any], activity_count: int, wanted: Stage,
               extras: dict[str, str]) -> tuple[list[RuleFailure], list[RuleFailure], Stage]:
        """(accepted warnings, failures that held the card back, the stage it reaches)."""
        facts = _Facts()
        facts.__dict__ = dict(typed, extra=extras) if self._declared_rules else typed
        facts.activity_count = activity_count
        accepted: list[RuleFailure] = []
        reached = Stage.CONTACT
        for stage in PIPELINE[1:PIPELINE.index(wanted) + 1]:
            failures = self.gates.check(facts, stage)
            if self.enforce_gates and any(f.blocking for f in failures):
                return accepted, failures, reached
            if self.enforce_gates:
                accepted.extend(f for f in failures if not f.blocking)
            else:
                accepted.extend(failures)
            reached = stage
        return accepted, [], reached

    def _read_state(self, cells: list[Any], extras: dict[str, str], kept: list[str]) -> dict[str, Any]:
        """Where the card stands beyond its fields: lost from/why, and our own export's columns.
        A value that cannot be read is kept as text, like a field's."""
        state: dict[str, Any] = {}
        for name, indexes in self._state:
            value = _first_present(cells, indexes)
            if value is not None:
                try:
                    state[name] = _STATE_READERS[name](self, value)
                except InvalidInput:
                    column = _column_name(self.plan.header, _index_of(cells, indexes) or indexes[0])
                    extras[column] = _extra_text(value)
                    kept.append(column)
        if "activity_count" in state or col.ACTIVITY_LOG in state:
            # a card's interactions are counted from the activities it comes with, never taken from a
            # number the file claims: a forged count would pass the relationship rule
            state["activity_count"] = sum(1 for activity in state.get(col.ACTIVITY_LOG, [])
                                          if activity.kind in INTERACTIONS)
        return state


_CONTACT = col.Placement(Stage.CONTACT)
#: a deal's won/lost status decides over its stage; an open one leaves it to the stage
_STATUS = {"won": col.Placement(Stage.ACCOUNT), "lost": col.Placement(Stage.LOST, Stage.OPPORTUNITY)}


class _BlankRow(Exception):
    """A row with nothing in it (skipped, not rejected)."""



#: What a gate looks at: an object whose attributes are the row's validated fields (its
#: ``__dict__`` is the row's dict), the model's defaults for the others, and its activities.
_Facts = type("_Facts", (), {**_DEFAULTS, "name": None, "activity_count": 0})


# ---- reading the state columns -------------------------------------------------------------------


def _lost_from(reader: RowReader, value: Any) -> Stage:
    stage = reader._stage_of(value, col.LOST_FROM).stage
    if stage is Stage.LOST:
        raise InvalidInput("lost_from: must be the open stage the card was lost from", field=col.LOST_FROM)
    return stage


def _text(clean: Callable[[str], str], limit: int, name: str) -> Callable[[RowReader, Any], str | None]:
    def read(reader: RowReader, value: Any) -> str | None:
        return within(clean(str(value)), limit, name) or None
    return read


class _Amounts:
    """A cell as an amount's plain digits, or unchanged when it is not one."""

    def __init__(self) -> None:
        self.read = AmountReader()

    def __call__(self, text: str) -> str:
        amount = self.read(text)
        return text if amount is None else format(amount.value, "f")


class _Dates:
    """A cell as an ISO date, or unchanged when it is not one."""

    def __init__(self, moment: MomentReader) -> None:
        self.moment = moment

    def __call__(self, text: str) -> str:
        when = self.moment(text)
        return text if when is None else when.date().isoformat()


def _when(name: str) -> Callable[[RowReader, Any], datetime]:
    def read(reader: RowReader, value: Any) -> datetime:
        moment = reader.moment(name, str(value))
        if moment is None:
            raise InvalidInput(f"{name}: is not a date and time (use YYYY-MM-DD HH:MM:SS)", field=name)
        return moment
    return read


#: the largest whole number a database column holds (64 bits, signed)
_MOST = 2**63 - 1


def _whole(name: str, least: int) -> Callable[[RowReader, Any], int]:
    def read(reader: RowReader, value: Any) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise InvalidInput(f"{name}: is not a whole number", field=name) from None
        if number < least:
            raise InvalidInput(f"{name}: must be at least {least}", field=name)
        if number > _MOST:
            raise InvalidInput(f"{name}: must be at most {_MOST:,} (64 bits)", field=name)
        return number
    return read


def _warnings(reader: RowReader, value: Any) -> str:
    ids = [part.strip() for part in (value if isinstance(value, list) else str(value).split(","))]
    ids = [rule_id for rule_id in ids if rule_id]
    if any(not _RULE_ID.match(rule_id) for rule_id in ids) or len(",".join(ids)) > LIMITS.warnings:
        raise InvalidInput("warnings: must be rule ids separated by commas", field="warnings")
    return ",".join(ids)


def _listed(name: str, model: type[BaseModel]) -> Callable[[RowReader, Any], list[Any]]:
    def read(reader: RowReader, value: Any) -> list[Any]:
        items = value
        if isinstance(value, str):
            try:
                items = json.loads(value)
            except json.JSONDecodeError:
                raise InvalidInput(f"{name}: is not the JSON list an export writes", field=name) from None
        if not isinstance(items, list):
            raise InvalidInput(f"{name}: is not the JSON list an export writes", field=name)
        try:
            return [model.model_validate(item) for item in items]
        except ValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(part) for part in problem["loc"])
            raise InvalidInput(f"{name}: {where}: {problem['msg']}", field=name) from None
    return read


_STATE_READERS: dict[str, Callable[[RowReader, Any], Any]] = {
    col.LOST_FROM: _lost_from,
    col.LOST_REASON: _text(multi_line, LIMITS.reason, col.LOST_REASON),
    "warnings": _warnings,
    "activity_count": _whole("activity_count", 0),
    "last_activity_at": _when("last_activity_at"),
    "created_at": _when("created_at"),
    "created_by": _text(one_line, LIMITS.user, "created_by"),
    "updated_at": _when("updated_at"),
    "updated_by": _text(one_line, LIMITS.user, "updated_by"),
    "version": _whole("version", 1),
    col.CLOSED_AT: _when(col.CLOSED_AT),
    col.HISTORY: _listed(col.HISTORY, ImportedMove),
    col.ACTIVITY_LOG: _listed(col.ACTIVITY_LOG, ImportedActivity),
    col.PLANNED: _listed(col.PLANNED, ImportedPlan),
}


# ---- small helpers ---------------------------------------------------------------------------------


def _present(cell: Any) -> bool:
    if cell is None:
        return False
    if isinstance(cell, str):
        return bool(cell.strip())
    return True


def _first_present(cells: list[Any], indexes: tuple[int, ...]) -> Any:
    for index in indexes:
        cell = cells[index] if index < len(cells) else None
        if cell is not None and (not isinstance(cell, str) or cell.strip()):
            return cell
    return None


def _column_name(header: tuple[str, ...], index: int) -> str:
    name = one_line(header[index])[:LIMITS.line] if index < len(header) else ""
    return name or f"column {index + 1}"


def _extra_text(cell: Any) -> str:
    """A cell as an extra field keeps it: text as written (cleaned like any note), anything else
    (a JSON number or list) as JSON."""
    text = cell if isinstance(cell, str) else json.dumps(cell, ensure_ascii=False)
    return multi_line(text)[:EXTRA_LIMIT]


def _merge_extras(extras: dict[str, str], value: Any, declared: dict[str, DeclaredField], kept: list[str]) -> None:
    """Our JSON export's ``extra`` object (or its JSON text) into ``extras``. A value under a
    declared field's name is read by the field's type, as a CSV column giving that field is: stored
    normalised, or, when its type refuses it, kept as text and counted in ``kept``."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            extras[col.EXTRA] = _extra_text(value)
            return
    if isinstance(value, dict):
        for key, item in value.items():
            if item is None or item == "":
                continue
            name = one_line(str(key))[:LIMITS.line] or col.EXTRA
            field = declared.get(name)
            if field is None:
                extras[name] = _extra_text(item)
                continue
            try:
                stored = field.stored(item if isinstance(item, str) else _extra_text(item))
            except ValueError:  # like a CSV cell its field cannot read: kept as text
                extras[name] = _extra_text(item)
                kept.append(name)
            else:
                if stored is not None:
                    extras[name] = stored
    elif value is not None:
        extras[col.EXTRA] = _extra_text(value)


def _keep_seconds(extras: dict[str, str], cells: list[Any], indexes: tuple[int, ...], names: list[str]) -> None:
    """Every present value after the first one feeding a field (a second phone, a second email)."""
    first = True
    for index, name in zip(indexes, names, strict=True):
        cell = cells[index] if index < len(cells) else None
        if cell is not None and (not isinstance(cell, str) or cell.strip()):
            if first:
                first = False
            else:
                extras[name] = _extra_text(cell)


def _index_of(cells: list[Any], indexes: tuple[int, ...]) -> int | None:
    """The first of ``indexes`` with a present cell (the one ``_first_present`` reads)."""
    for index in indexes:
        cell = cells[index] if index < len(cells) else None
        if cell is not None and (not isinstance(cell, str) or cell.strip()):
            return index
    return None


def _at(record: Record, reason: str) -> str:
    return f"line {record.line}: {reason}"


def _all_errors(error: InvalidInput) -> str:
    if len(error.errors) <= 1:
        return str(error)
    return "; ".join(f"{name}: {message}" for name, message in error.errors.items())


__all__ = ["ImportedActivity", "ImportedMove", "ImportedPlan", "Placed", "Rejected", "RowReader", "look_up_keys"]
