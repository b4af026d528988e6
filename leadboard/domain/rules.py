"""Gate rules and stage settings as data: the rules file, its validation, and checking a card.

A rules file is TOML (the default ships beside this module). It is validated whole when loaded:
a bad file is refused with the file, the rule (and its line) and the problem, so the board never
starts with half a rule set.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from operator import attrgetter
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from leadboard.domain.card import ACTIVITY, BOOL_FIELDS, CHOICE_FIELDS, DATE_FIELDS, FIELD_NAMES, MONEY_FIELDS, Card
from leadboard.domain.declared import FIELD_TYPES, DeclaredField, DeclaredView
from leadboard.domain.errors import InvalidInput, RulesFileError
from leadboard.domain.inputs import read_regular
from leadboard.domain.stages import GATE_INTO, GATES, PIPELINE, Stage
from leadboard.domain.text import LIMITS, checked, one_line

#: a rules file larger than this is refused before it is read
MAX_RULES_BYTES = 1_000_000
#: the furthest a date_within check may look, either way (a century)
MAX_DAYS = 36_500


class _Check(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def fields(self) -> tuple[str, ...]:
        raise NotImplementedError

    def passes(self, card: Any, today: date) -> bool:
        raise NotImplementedError


def _declared(info: ValidationInfo) -> dict[str, Any]:
    """The declared fields' raw tables (``parse_rules`` passes them as the validation context):
    a gate check may name one."""
    context = info.context or {}
    declared = context.get("declared") if isinstance(context, dict) else None
    return declared if isinstance(declared, dict) else {}


def _declared_type(name: str, info: ValidationInfo) -> str | None:
    table = _declared(info).get(name)
    if not isinstance(table, dict):
        return None
    return str(table.get("type", "text"))


def _known_field(name: str, info: ValidationInfo) -> str:
    if name not in FIELD_NAMES and name not in _declared(info):
        raise ValueError(f"there is no card field or declared field {name!r}")
    return name


class IsSet(_Check):
    kind: Literal["set"]
    field: str

    _field = field_validator("field")(_known_field)

    def fields(self) -> tuple[str, ...]:
        return (self.field,)

    def passes(self, card: Any, today: date) -> bool:
        return _has_value(getattr(card, self.field))


class AnySet(_Check):
    kind: Literal["any_set"]
    fields_: Annotated[list[str], Field(alias="fields", min_length=1)]

    @field_validator("fields_")
    @classmethod
    def _known(cls, names: list[str], info: ValidationInfo) -> list[str]:
        return [_known_field(name, info) for name in names]

    def fields(self) -> tuple[str, ...]:
        return tuple(self.fields_)

    def passes(self, card: Any, today: date) -> bool:
        return any(_has_value(getattr(card, name)) for name in self.fields_)


class Positive(_Check):
    kind: Literal["positive"]
    field: str

    @field_validator("field")
    @classmethod
    def _money(cls, name: str, info: ValidationInfo) -> str:
        if _known_field(name, info) not in MONEY_FIELDS and _declared_type(name, info) not in ("money", "number"):
            raise ValueError(f"{name!r} is not an amount; positive checks {sorted(MONEY_FIELDS)} "
                             "or a declared money or number field")
        return name

    def fields(self) -> tuple[str, ...]:
        return (self.field,)

    def passes(self, card: Any, today: date) -> bool:
        amount = getattr(card, self.field)
        return amount is not None and amount > 0


class DateWithin(_Check):
    kind: Literal["date_within"]
    field: str
    min_days: Annotated[int, Field(ge=-MAX_DAYS, le=MAX_DAYS)] | None = None
    max_days: Annotated[int, Field(ge=-MAX_DAYS, le=MAX_DAYS)] | None = None

    @field_validator("field")
    @classmethod
    def _date(cls, name: str, info: ValidationInfo) -> str:
        if _known_field(name, info) not in DATE_FIELDS and _declared_type(name, info) != "date":
            raise ValueError(f"{name!r} is not a date; date_within checks {sorted(DATE_FIELDS)} "
                             "or a declared date field")
        return name

    @model_validator(mode="after")
    def _ordered(self) -> DateWithin:
        if self.min_days is not None and self.max_days is not None and self.min_days > self.max_days:
            raise ValueError("min_days is greater than max_days")
        return self

    def fields(self) -> tuple[str, ...]:
        return (self.field,)

    def passes(self, card: Any, today: date) -> bool:
        when = getattr(card, self.field)
        if when is None:
            return False
        if self.min_days is not None and when < today + timedelta(days=self.min_days):
            return False
        return not (self.max_days is not None and when > today + timedelta(days=self.max_days))


class OneOf(_Check):
    kind: Literal["one_of"]
    field: str
    values: Annotated[list[str | bool], Field(min_length=1)]

    _field = field_validator("field")(_known_field)

    def fields(self) -> tuple[str, ...]:
        return (self.field,)

    @model_validator(mode="after")
    def _values_the_field_can_take(self, info: ValidationInfo) -> OneOf:
        declared_type = _declared_type(self.field, info)
        if self.field in DATE_FIELDS or self.field in MONEY_FIELDS or declared_type in ("date", "money", "number"):
            raise ValueError(f"{self.field!r} is a date or an amount; use date_within or positive for it")
        allowed: tuple[str | bool, ...] | None = CHOICE_FIELDS.get(self.field)
        if self.field in BOOL_FIELDS or declared_type == "yes/no":
            allowed = (True, False)
        if declared_type == "choice":
            choices = _declared(info)[self.field].get("choices")
            allowed = tuple(str(choice) for choice in choices) if isinstance(choices, list) else None
        # a value the field can never hold would make the rule fail (or pass) for every card
        wrong = [value for value in self.values if allowed is not None and value not in allowed]
        if wrong:
            takes = ", ".join(str(value).lower() for value in allowed or ())
            raise ValueError(f"{wrong[0]!r} is not a value of {self.field!r}; it takes {takes}")
        return self

    def passes(self, card: Any, today: date) -> bool:
        value = getattr(card, self.field)
        return value is not None and value in self.values


class Activities(_Check):
    kind: Literal["activities"]
    at_least: Annotated[int, Field(ge=1)] = 1

    def fields(self) -> tuple[str, ...]:
        return (ACTIVITY,)

    def passes(self, card: Any, today: date) -> bool:
        return int(getattr(card, "activity_count", 0)) >= self.at_least


Check = Annotated[IsSet | AnySet | Positive | DateWithin | OneOf | Activities, Field(discriminator="kind")]


def _has_value(value: Any) -> bool:
    return value is not None and value is not False and value != ""


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=LIMITS.rule_id)]
    severity: Literal["block", "warn"]
    message: Annotated[str, checked(one_line, LIMITS.rule_message)]
    checks: Annotated[list[Check], Field(min_length=1)]

    @property
    def blocking(self) -> bool:
        return self.severity == "block"

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields that would satisfy the rule, in the order its checks name them."""
        return tuple(dict.fromkeys(name for check in self.checks for name in check.fields()))

    def failed_fields(self, card: Any, today: date) -> tuple[str, ...]:
        """The fields of the checks that fail (empty when the rule passes)."""
        failing = [check for check in self.checks if not check.passes(card, today)]
        return tuple(dict.fromkeys(name for check in failing for name in check.fields()))


class StageSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    probability: Annotated[float, Field(ge=0, le=1)]
    """The chance a card in this stage becomes a sale; weights the column's value."""
    stale_after_days: Annotated[int, Field(ge=1, le=3650)]
    """Days without an activity after which a card in this stage is marked stale."""
    require_next_step: bool | None = None
    """Whether every card in this stage should have a next step planned: "no next step" is then a
    warning on the board and in the Today view. Unset: yes for leads and opportunities."""


#: the stages that need a next step when the rules file does not say
NEXT_STEP_BY_DEFAULT = frozenset({Stage.LEAD, Stage.OPPORTUNITY})


@dataclass(frozen=True)
class RuleFailure:
    """One rule a card does not meet: what to show and which fields would fix it."""

    rule_id: str
    severity: Literal["block", "warn"]
    message: str
    fields: tuple[str, ...]

    @property
    def blocking(self) -> bool:
        return self.severity == "block"

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.message}"


class Rules(BaseModel):
    """A whole rules file: the gates, the stage settings and the lost reasons."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lost_reasons: Annotated[list[Annotated[str, checked(one_line, LIMITS.lost_reason_choice)]], Field(min_length=1)]
    stages: dict[Stage, StageSettings]
    gates: dict[str, list[Rule]] = {}
    fields: dict[str, DeclaredField] = {}
    """The team's own fields, by name: their values live in a card's extras under that name."""
    currency: str | None = None
    """The team's currency (ISO 4217): an imported amount in another one is kept as text."""

    @field_validator("currency")
    @classmethod
    def _iso_code(cls, code: str | None) -> str | None:
        if code is not None and not re.fullmatch(r"[A-Z]{3}", code):
            raise ValueError(f"{code!r} is not a currency code; write its three capital letters (ISO 4217), e.g. USD")
        return code

    @field_validator("fields", mode="before")
    @classmethod
    def _names_of_their_own(cls, fields: Any) -> Any:
        if not isinstance(fields, dict):
            return fields
        taken = {name.casefold() for name in (*Card.model_fields, ACTIVITY)}
        for name in fields:
            text = str(name)
            if text.casefold() in taken:
                raise ValueError(f"field {text!r} has the name of a card field; give it a name of its own")
            if not text.strip() or "=" in text or not text.isprintable() or len(text) > LIMITS.line:
                raise ValueError(f"field {text!r}: a field's name is one line of text without '='")
        return fields

    @field_validator("stages")
    @classmethod
    def _every_open_stage(cls, stages: dict[Stage, StageSettings]) -> dict[Stage, StageSettings]:
        missing = [stage.value for stage in PIPELINE if stage not in stages]
        if missing:
            raise ValueError(f"settings are missing for stage(s) {', '.join(missing)}")
        if Stage.LOST in stages:
            raise ValueError("lost is not a stage with settings")
        return stages

    @field_validator("gates")
    @classmethod
    def _known_gates(cls, gates: dict[str, list[Rule]]) -> dict[str, list[Rule]]:
        for name, rules in gates.items():
            if name not in GATES:
                raise ValueError(f"unknown gate {name!r}; gates are {', '.join(GATES)}")
            seen: set[str] = set()
            for rule in rules:
                if rule.id in seen:
                    raise ValueError(f"rule id {rule.id!r} appears twice in gate {name!r}")
                seen.add(rule.id)
        return gates

    def gate(self, name: str) -> list[Rule]:
        return self.gates.get(name, [])

    def check(self, card: Any, into: Stage, today: date | None = None) -> list[RuleFailure]:
        """Every rule of the gate into ``into`` that ``card`` fails, blocking and warnings alike."""
        today = today or date.today()
        gate = GATE_INTO.get(into)
        if gate is None:
            return []
        card = self.seen(card)
        failures = []
        for rule in self.gate(gate):
            failed = rule.failed_fields(card, today)
            if failed:
                failures.append(RuleFailure(rule.id, rule.severity, rule.message, failed))
        return failures

    def seen(self, card: Any) -> Any:
        """``card`` as the checks read it: with the declared fields' values when there are any."""
        return DeclaredView(card, self.fields) if self.fields else card

    def probability(self, stage: Stage) -> float:
        return self.stages[stage].probability if stage in self.stages else 0.0

    def stale_after_days(self, stage: Stage) -> int | None:
        return self.stages[stage].stale_after_days if stage in self.stages else None

    def requires_next_step(self, stage: Stage) -> bool:
        settings = self.stages.get(stage)
        if settings is None or settings.require_next_step is None:
            return stage in NEXT_STEP_BY_DEFAULT
        return settings.require_next_step


class GateMemo:
    """``Rules.check`` for many cards in a row (an import): the same failures, faster.

    A rule's checks read nothing but the fields the rule names (``Rule.fields``; the pseudo-field
    ``activity`` stands for ``activity_count``), so cards with the same values there get the same
    verdict, and it is remembered. A rule whose values rarely repeat (an email) is remembered for
    its first ``limit`` values only.
    """

    def __init__(self, rules: Rules, today: date, limit: int = 20_000):
        self.today = today
        self.limit = limit
        self._seen = rules.seen
        self._gates: dict[Stage, list[tuple[Rule, Callable[[Any], Any], dict[Any, tuple[str, ...]]]]] = {
            stage: [(rule, _reader(rule.fields), {}) for rule in rules.gate(gate)]
            for stage, gate in GATE_INTO.items()
        }

    def check(self, card: Any, into: Stage) -> list[RuleFailure]:
        card = self._seen(card)
        failures = []
        for rule, read, memo in self._gates.get(into, ()):
            key = read(card)
            failed = memo.get(key)
            if failed is None:
                failed = rule.failed_fields(card, self.today)
                if len(memo) < self.limit:
                    memo[key] = failed
            if failed:
                failures.append(RuleFailure(rule.id, rule.severity, rule.message, failed))
        return failures


def _reader(fields: tuple[str, ...]) -> Callable[[Any], Any]:
    """What a rule looks at on a card, as one hashable value."""
    names = ["activity_count" if name == ACTIVITY else name for name in fields]
    return attrgetter(*names) if names else (lambda card: ())


DEFAULT_RULES_NAME = "default_rules.toml"


def default_rules_text() -> str:
    return resources.files("leadboard.domain").joinpath(DEFAULT_RULES_NAME).read_text("utf-8")


def load_rules(path: str | Path | None = None) -> Rules:
    """The rules in ``path``, or the default rules; ``RulesFileError`` if anything is wrong."""
    if path is None:
        return parse_rules(default_rules_text(), "default rules")
    path = Path(path)
    try:
        text = read_regular(path, f"Rules file {path}", MAX_RULES_BYTES).decode("utf-8")
    except InvalidInput as error:
        raise RulesFileError(str(error)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise RulesFileError(f"Rules file {path}: cannot be read ({error}).") from None
    return parse_rules(text, str(path))


def parse_rules(text: str, source: str) -> Rules:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulesFileError(f"Rules file {source}: not valid TOML: {error}.") from None
    except RecursionError:
        raise RulesFileError(f"Rules file {source}: nested too deeply to be a rules file.") from None
    fields = data.get("fields")
    try:
        return Rules.model_validate(data, context={"declared": fields if isinstance(fields, dict) else {}})
    except ValidationError as error:
        raise RulesFileError(_describe(error, data, text, source)) from None


def _describe(error: ValidationError, data: dict[str, Any], text: str, source: str) -> str:
    """The first problem, placed as precisely as the file allows: gate, rule id and line."""
    problem = error.errors()[0]
    loc = [part for part in problem["loc"] if part not in _CHECK_KINDS]
    message = str(problem["msg"]).removeprefix("Value error, ")
    line = None
    if len(loc) >= 3 and loc[0] == "gates" and isinstance(loc[2], int):
        gate, index = str(loc[1]), loc[2]
        rules = data.get("gates", {}).get(gate, [])
        rule = rules[index] if index < len(rules) and isinstance(rules[index], dict) else {}
        rule_id = rule.get("id", f"#{index + 1}")
        where = f"gate {gate}, rule {rule_id}"
        rest = [str(part) for part in loc[3:] if not isinstance(part, int)]
        if rest:
            where += f", {'.'.join(rest)}"
        line = _line_matching(text, rf'^\s*id\s*=\s*"{re.escape(str(rule_id))}"')
        if line is None:
            line = _nth_line_matching(text, rf"^\s*\[\[gates\.{re.escape(gate)}\]\]", index)
    elif len(loc) >= 2 and loc[0] == "gates":
        where = f"gate {loc[1]}"
        line = _line_matching(text, rf"gates\.{re.escape(str(loc[1]))}\b")
    elif loc == ["gates"]:
        where, line = _place_gates_problem(data, text)
    else:
        where = ".".join(str(part) for part in loc) or "file"
        if len(loc) >= 2:
            header = _line_matching(text, rf"^\s*\[{re.escape(str(loc[0]))}\.{re.escape(str(loc[1]))}\]")
            key = _line_matching(text, rf"^\s*{re.escape(str(loc[-1]))}\s*=", start=header or 0)
            line = key if key and problem["type"] != "missing" else header
        elif loc:
            line = _line_matching(text, rf"^\s*\[?{re.escape(str(loc[0]))}\b")
    if problem["type"] == "literal_error" and loc[:1] == ["fields"] and loc[-1:] == ["type"]:
        message = f"unknown type {problem.get('input')!r}; types are {', '.join(FIELD_TYPES)}"
    elif problem["type"] == "union_tag_invalid":
        kinds = ", ".join(_CHECK_KINDS)
        message = f"unknown check kind {problem['ctx'].get('tag')!r}; kinds are {kinds}"
    elif problem["type"] == "extra_forbidden":
        message = f"unknown setting {loc[-1]!r}"
    elif len(loc) == 3 and loc[0] == "stages" and loc[2] == "[key]":
        where = f"stages.{loc[1]}"
        message = f"unknown stage {loc[1]!r}; stages are {', '.join(stage.value for stage in PIPELINE)}"
    at_line = f" (line {line})" if line else ""
    return f"Rules file {source}: {where}{at_line}: {message}."


def _place_gates_problem(data: dict[str, Any], text: str) -> tuple[str, int | None]:
    """The gate (and rule) behind a problem found across the gates: an unknown gate or a rule id
    used twice in one gate; the line is that gate's first table, or the repeated id's line."""
    rule_ids: list[str] = []
    for gate, rules in (data.get("gates") or {}).items():
        if gate not in GATES:
            return f"gate {gate}", _line_matching(text, rf"^\s*\[\[gates\.{re.escape(str(gate))}\]\]")
        seen: set[str] = set()
        for rule in rules if isinstance(rules, list) else []:
            rule_id = str(rule.get("id")) if isinstance(rule, dict) else ""
            if rule_id in seen:
                pattern = rf'^\s*id\s*=\s*"{re.escape(rule_id)}"'
                line = _nth_line_matching(text, pattern, rule_ids.count(rule_id))
                return f"gate {gate}, rule {rule_id}", line
            seen.add(rule_id)
            rule_ids.append(rule_id)
    return "gates", None


_CHECK_KINDS = ("set", "any_set", "positive", "date_within", "one_of", "activities")


def _line_matching(text: str, pattern: str, start: int = 0) -> int | None:
    regex = re.compile(pattern)
    for number, line in enumerate(text.splitlines(), start=1):
        if number > start and regex.search(line):
            return number
    return None


def _nth_line_matching(text: str, pattern: str, nth: int) -> int | None:
    regex = re.compile(pattern)
    found = [n for n, line in enumerate(text.splitlines(), start=1) if regex.search(line)]
    return found[nth] if nth < len(found) else None
