"""Which column of an imported file gives which card field, and which stage a source's stage
value means.

Column names are compared without case, spaces or punctuation (``E-mail``, ``email``, ``EMAIL
ADDRESS`` and ``email_address`` are alike), through a table of the names other CRMs and
spreadsheets use; ``--map "COLUMN=field"`` settles the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from leadboard.domain.card import FIELD_NAMES
from leadboard.domain.errors import LeadboardError
from leadboard.domain.stages import Stage
from leadboard.domain.text import LIMITS, one_line
from leadboard.service.transfer.names import (
    ACTIVITY_LOG,
    EXPORT_COLUMNS,
    EXTRA,
    HISTORY,
    ID,
    LOST_FROM,
    LOST_REASON,
    NEXT_STEP,
    NEXT_STEP_STATE,
    PLANNED,
    SOURCE_ID,
    STAGE,
    STATE_COLUMNS,
)
from leadboard.service.transfer.vendors import VENDORS, Vendor

if TYPE_CHECKING:  # the rules are read only when a command needs them
    from leadboard.domain.rules import Rules


class BadImportFile(LeadboardError):
    """The file (or an import option) cannot be used at all; nothing was imported."""


FIRST_NAME, LAST_NAME = "first_name", "last_name"
#: when the source's record reached its stage (a won or lost deal's close time, a lead's
#: converted date): the card's move into that stage is recorded then
CLOSED_AT = "closed_at"
#: the state columns that are dates and times
DATE_STATE_COLUMNS: Final = ("last_activity_at", "created_at", "updated_at", CLOSED_AT)
#: the deal's title (a card's name only when the file names no person or organisation), a deal's
#: won/lost/open status (over its stage)
DEAL_NAME, DEAL_STATUS = "deal_name", "deal_status"
IGNORE = "ignore"
TARGETS: Final = (*FIELD_NAMES, STAGE, LOST_FROM, LOST_REASON, FIRST_NAME, LAST_NAME, *STATE_COLUMNS,
                  CLOSED_AT, HISTORY, ACTIVITY_LOG, ID, DEAL_NAME, DEAL_STATUS, SOURCE_ID, EXTRA, PLANNED, NEXT_STEP,
                  NEXT_STEP_STATE)
#: columns our own export writes that an import recognises and does not read
NOT_READ: Final = frozenset({ID, NEXT_STEP, NEXT_STEP_STATE})
#: what only our own (JSON) export names so: read from it, and kept as extras in anyone else's file
#: (a Salesforce "Next Step" is the salesperson's text, not our record)
OUR_NEXT_STEP_COLUMNS: Final = (PLANNED, NEXT_STEP, NEXT_STEP_STATE)


#: columns that say which currency a row's amounts are in (kept as extras too), normalised
CURRENCY_COLUMNS: Final = frozenset({"currency", "currencycode", "currencyisocode", "dealcurrency",
                                     "opportunitycurrency", "amountcurrency", "currencyid"})
_OTHER_CURRENCY = re.compile(r"^(?P<column>.*) \(amount in (?P<other>\S+), not the team's (?P<team>[A-Z]{3})\)$")


def other_currency_kept(column: str, other: str, team: str) -> str:
    """How an import counts an amount kept as text for its currency, beside its column."""
    return f"{column} (amount in {other}, not the team's {team})"


def kept_reason(kept: str) -> tuple[str, str | None]:
    """(column, why) for an entry of an import's kept-as-text count: why is None when the value
    could not be read, else the amount's currency sentence."""
    match = _OTHER_CURRENCY.match(kept)
    if match is None:
        return kept, None
    return match["column"], f"amount in {match['other']}, not the team's {match['team']}"


def normalize(text: str) -> str:
    """``"E-mail Address "`` -> ``"emailaddress"``: how column names and stage values compare."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "fullname", "contactname", "contactperson", "leadname", "personname",
             "displayname"),
    FIRST_NAME: ("firstname", "first", "givenname", "forename"),
    LAST_NAME: ("lastname", "last", "surname", "familyname"),
    "kind": ("kind", "personorcompany"),
    "company": ("company", "companyname", "account", "accountname", "organization", "organisation",
                "organizationname", "organisationname", "org", "business", "employer"),
    "title": ("title", "jobtitle", "position", "role"),
    DEAL_NAME: ("dealname", "dealtitle", "opportunityname", "potentialname"),
    DEAL_STATUS: ("dealstatus",),
    SOURCE_ID: ("id", "recordid", "sourceid", "externalid", "leadid", "opportunityid", "dealid", "contactid"),
    "email": ("email", "emailaddress", "mail", "primaryemail", "workemail", "businessemail",
              "emailaddr"),
    "phone": ("phone", "phonenumber", "telephone", "tel", "mobile", "mobilephone", "mobilenumber",
              "cell", "cellphone", "workphone", "businessphone", "officephone", "phoneno"),
    "owner": ("owner", "ownername", "assignedto", "assignee", "salesperson", "salesrep", "rep",
              "accountowner", "contactowner", "dealowner", "leadowner", "opportunityowner",
              "recordowner"),
    "need": ("need", "needs", "interest", "interests", "painpoint", "painpoints"),
    "budget": ("budget", "budgetamount"),
    "purchase_by": ("purchaseby", "buyingby", "buyby", "purchasedate", "expectedpurchasedate"),
    "authority": ("authority", "candecide", "decisionauthority", "isdecisionmaker"),
    "decision_maker": ("decisionmaker", "signer", "signatory"),
    "requirements": ("requirements", "requirement"),
    "supplier": ("supplier", "currentsupplier", "incumbent", "currentvendor"),
    "value": ("value", "amount", "dealvalue", "dealamount", "closevalue", "opportunityamount",
              "dealsize", "expectedrevenue", "revenue"),
    "close_by": ("closeby", "closedate", "expectedclosedate", "expectedclose", "closingdate"),
    "terms": ("terms", "dealterms"),
    "payment_terms": ("paymentterms",),
    "contract_signed_on": ("contractsignedon", "contractsigned", "contractdate", "signedon",
                           "datesigned", "signeddate"),
    "notes": ("notes", "note", "comments", "comment", "description"),
    STAGE: ("stage", "dealstage", "lifecyclestage", "status", "leadstatus", "pipelinestage",
            "salesstage", "opportunitystage"),
    LOST_FROM: ("lostfrom",),
    LOST_REASON: ("lostreason", "reasonlost", "lossreason", "closedlostreason", "closelostreason"),
    "warnings": ("warnings",),
    "activity_count": ("activitycount",),
    "last_activity_at": ("lastactivityat",),
    "created_at": ("createdat",),
    "created_by": ("createdby",),
    "updated_at": ("updatedat",),
    "updated_by": ("updatedby",),
    "version": ("version",),
    CLOSED_AT: ("closedat", "closedon", "closeddate", "dateclosed", "converteddate", "convertedat"),
    HISTORY: ("history",),
    ACTIVITY_LOG: ("activitylog",),
    ID: (),
    EXTRA: ("extra",),
    # matched by their exact names in our own export only (``plan_columns``)
    PLANNED: (),
    NEXT_STEP: (),
    NEXT_STEP_STATE: (),
}
#: normalised column name -> target
GENERIC_ALIASES: Final[dict[str, str]] = {
    alias: target for target, names in _ALIASES.items() for alias in names}
assert set(_ALIASES) == set(TARGETS)


def _vendor_columns(vendor: Vendor) -> dict[str, str]:
    return {normalize(name): target for name, target in vendor.columns.items()}


_BY_VENDOR: Final = {vendor.name: _vendor_columns(vendor) for vendor in VENDORS}


def _agreed() -> dict[str, str]:
    """Vendors' column names that no generic alias has and every vendor using them agrees on."""
    seen: dict[str, set[str]] = {}
    for columns in _BY_VENDOR.values():
        for key, target in columns.items():
            seen.setdefault(key, set()).add(target)
    return {key: next(iter(targets)) for key, targets in seen.items()
            if key not in GENERIC_ALIASES and len(targets) == 1 and targets != {EXTRA}}


#: every column name understood without a vendor being recognised
ALIASES: Final[dict[str, str]] = {**GENERIC_ALIASES, **_agreed()}


#: a header with all of these is leadboard's own export (an older one may lack the source id); in
#: it, every column not named exactly as one of ours is an extra field
_OUR_SIGNATURE: Final = {name for name in EXPORT_COLUMNS if name != SOURCE_ID}
_OUR_EXPORT: Final = {*EXPORT_COLUMNS, HISTORY, ACTIVITY_LOG, EXTRA, *OUR_NEXT_STEP_COLUMNS}


def detect_vendor(header: list[str]) -> Vendor | None:
    """The vendor whose export this header looks like: the one with the most column names no
    generic alias has (then the most names in all), if one is ahead of the rest."""
    keys = {normalize(name) for name in header}
    scores = []
    for vendor in VENDORS:
        columns = _BY_VENDOR[vendor.name]
        own = sum(1 for key in keys if key in columns and key not in GENERIC_ALIASES)
        scores.append(((own, sum(1 for key in keys if key in columns)), vendor))
    scores.sort(key=lambda pair: pair[0], reverse=True)
    (best, vendor), (second, _) = scores[0], scores[1]
    return vendor if best[0] >= 2 and best > second else None


@dataclass(frozen=True)
class ColumnPlan:
    """Where each target's value comes from: column indexes, the first non-blank one wins."""

    header: tuple[str, ...]
    sources: dict[str, tuple[int, ...]]
    #: columns that match nothing (or were mapped to ``ignore``)
    unused: tuple[str, ...] = ()
    #: whose export the file is, when its header says so
    vendor: Vendor | None = None
    #: columns kept on each card as extra fields, under their own names
    extras: tuple[int, ...] = ()
    #: of the ``extras``, the columns that give a field the rules file declares: index -> its name
    declared: dict[int, str] = field(default_factory=dict)

    def has(self, target: str) -> bool:
        return target in self.sources

    def describe(self) -> list[str]:
        """``"Email Address -> email"`` lines, in the file's column order."""
        by_column: dict[int, str] = {}
        for target, columns in self.sources.items():
            for index in columns:
                by_column[index] = target
        lines = []
        for index, name in enumerate(self.header):
            used = by_column.get(index)
            if index in self.declared:
                lines.append(f"{name} -> {self.declared[index]} (declared field)")
            elif index in self.extras:
                lines.append(f"{name or '(unnamed)'} -> extra")
            elif used is None or used in NOT_READ:
                lines.append(f"{name or '(unnamed)'} -> (not imported)")
            elif used == SOURCE_ID:
                lines.append(f"{name} -> source id")
            else:
                lines.append(f"{name} -> {used}")
        return lines


def parse_column_map(texts: list[str]) -> dict[str, str]:
    """``--map`` values (``"Deal Owner=owner"``, several per value with commas) -> {column: target}.

    A target of ``ignore`` (or nothing) leaves the column out.
    """
    mapping: dict[str, str] = {}
    for text in texts:
        for pair in _pairs(text, "--map"):
            column, _, target = pair.partition("=")
            key = normalize(column)
            wanted = target.strip().lower().replace(" ", "_").replace("-", "_") or IGNORE
            if not key:
                raise BadImportFile(f"--map needs 'COLUMN=field', got {pair.strip()!r}.")
            if wanted not in TARGETS and wanted != IGNORE:
                names = ", ".join((*FIELD_NAMES, STAGE, LOST_FROM, LOST_REASON, FIRST_NAME, LAST_NAME))
                raise BadImportFile(f"--map {pair.strip()!r}: there is no field {target.strip()!r}; "
                                    f"fields are {names}, or ignore.")
            mapping[key] = wanted
    return mapping


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a source's stage value puts a card."""

    stage: Stage
    #: for a lost card: the open stage it was lost from (when the file does not say)
    lost_from: Stage | None = None
    #: for a lost card: the source's word, its lost reason when the file gives none
    reason: str | None = None


def placement(entry: str | int, word: str, rules: Rules) -> Placement:
    """A vendor table's entry (see ``vendors``) as a placement under ``rules``."""
    if isinstance(entry, int):
        below = entry / 100 < rules.probability(Stage.OPPORTUNITY)
        return Placement(Stage.LEAD if below else Stage.OPPORTUNITY)
    if entry.startswith("lost from "):
        return Placement(Stage.LOST, Stage(entry.removeprefix("lost from ")), word)
    return Placement(Stage(entry))


def stage_words(vendor: Vendor | None, stage_map: dict[str, Stage], rules: Rules) -> dict[str, Placement]:
    """Normalised source stage value -> placement: ``--stage-map`` first, then the recognised
    vendor's defaults, then leadboard's own names, then what every vendor agrees on."""
    words: dict[str, Placement] = {}
    agreed: dict[str, set[Placement]] = {}
    for other in VENDORS:
        for word, entry in other.stages.items():
            agreed.setdefault(normalize(word), set()).add(placement(entry, word, rules))
    for key, places in agreed.items():
        stages = {(place.stage, place.lost_from) for place in places}
        if len(stages) == 1:
            words[key] = next(iter(places))
    words.update((key, Placement(stage)) for key, stage in DEFAULT_STAGE_WORDS.items())
    if vendor is not None:
        words.update((normalize(word), placement(entry, word, rules)) for word, entry in vendor.stages.items())
    words.update((key, Placement(stage)) for key, stage in stage_map.items())
    return words


def parse_stage_map(texts: list[str]) -> dict[str, Stage]:
    """``--stage-map "Prospecting=lead,Won=account"`` -> {normalised source value: stage}."""
    mapping: dict[str, Stage] = {}
    for text in texts:
        for pair in _pairs(text, "--stage-map"):
            source, _, target = pair.partition("=")
            word = target.strip().lower()
            stage = next((s for s in Stage if word in (s.value, s.title.lower())), None)
            if not normalize(source) or stage is None:
                names = ", ".join(s.value for s in Stage)
                raise BadImportFile(f"--stage-map {pair.strip()!r}: use 'SOURCE VALUE=stage' with a "
                                    f"stage out of {names}.")
            mapping[normalize(source)] = stage
    return mapping


def parse_owner_map(texts: list[str]) -> dict[str, str]:
    """``--owner-map "005bm00000NCJmQAAX=alice,Jane Doe=jane"`` -> {owner as the file has it: login}."""
    mapping: dict[str, str] = {}
    for text in texts:
        for pair in _pairs(text, "--owner-map"):
            source, _, login = pair.partition("=")
            source, login = one_line(source), one_line(login)
            if not source or not login or len(login) > LIMITS.user:
                raise BadImportFile(f"--owner-map {pair.strip()!r}: use 'OWNER IN THE FILE=login'.")
            mapping[source] = login
    return mapping


def _pairs(text: str, option: str) -> list[str]:
    # commas separate pairs, unless a piece has no '=' (then it was a comma inside a name)
    pieces = text.split(",")
    if len(pieces) > 1 and all("=" in piece for piece in pieces):
        return pieces
    if "=" not in text:
        raise BadImportFile(f"{option} needs 'NAME=VALUE' pairs, got {text!r}.")
    return [text]


_STAGE_WORDS: dict[str, tuple[str, ...]] = {
    Stage.CONTACT: ("subscriber", "newcontact"),
    Stage.LEAD: ("qualified", "qualifiedlead", "mql", "marketingqualifiedlead", "sql",
                 "salesqualifiedlead"),
    Stage.OPPORTUNITY: ("opp",),
    Stage.ACCOUNT: ("customer", "customers", "won", "closedwon"),
    Stage.LOST: ("closedlost", "disqualified"),
}
#: stage values understood without ``--stage-map``: our names and titles, and a few common ones
DEFAULT_STAGE_WORDS: Final[dict[str, Stage]] = {
    **{normalize(word): stage for stage in Stage for word in (stage.value, stage.title)},
    **{word: Stage(stage) for stage, words in _STAGE_WORDS.items() for word in words},
}


def plan_columns(header: list[str], column_map: dict[str, str], rules: Rules | None = None) -> ColumnPlan:
    """Match ``header`` to targets; ``BadImportFile`` if a ``--map`` names a missing column or no
    column gives the card's name. A column named like a field the ``rules`` declare (its name or
    its label) gives that field, before any other name's meaning."""
    keys = [normalize(name) for name in header]
    declared_keys: dict[str, str] = {}
    for name, declared_field in (rules.fields if rules is not None else {}).items():
        declared_keys.setdefault(normalize(declared_field.label), name)
    for name in rules.fields if rules is not None else ():
        declared_keys[normalize(name)] = name  # the name wins over another field's label
    ours = set(header) >= _OUR_SIGNATURE
    vendor = None if ours else detect_vendor(header)
    own = _BY_VENDOR[vendor.name] if vendor else {}
    for column in column_map:
        if column not in keys:
            shown = ", ".join(repr(name) for name in header[:20])
            raise BadImportFile(f"--map: the file has no column like {column!r}; its columns are {shown}.")
    chosen: list[tuple[int, int, str]] = []  # (priority, index, target)
    unused: list[str] = []
    extras: list[int] = []
    for index, key in enumerate(keys):
        if key in column_map:
            target = column_map[key]
            if target == IGNORE:
                unused.append(header[index])
            elif target == EXTRA and key != EXTRA:
                extras.append(index)
            else:
                chosen.append((0, index, target))
        elif ours and header[index] not in _OUR_EXPORT:
            extras.append(index)  # an extra field of our own export, or a declared field's value
        elif not ours and key and key in declared_keys:
            extras.append(index)
        elif ours and header[index] in OUR_NEXT_STEP_COLUMNS:
            chosen.append((2, index, header[index]))
        elif key in own:
            if own[key] == EXTRA:
                extras.append(index)
            else:
                chosen.append((1, index, own[key]))
        elif key in ALIASES:
            target = ALIASES[key]
            exact = key == normalize(target)
            chosen.append((2 if exact else 3, index, target))
        else:
            extras.append(index)
    sources: dict[str, list[int]] = {}
    for _, index, target in sorted(chosen):
        sources.setdefault(target, []).append(index)
    if not any(target in sources for target in ("name", FIRST_NAME, LAST_NAME, "company", "email", DEAL_NAME)):
        shown = ", ".join(repr(name) for name in header[:20])
        raise BadImportFile(
            "No column gives the card's name (looked for Name, Full Name, First Name + Last Name, Company, "
            "Email, a deal's title, ...); "
            f"the columns are {shown}; name one with --map 'COLUMN=name'."
        )
    # our own export names a declared field exactly as it is named (another column like it is text
    # an import kept)
    declared = {index: header[index] if ours else declared_keys[keys[index]] for index in extras
                if (header[index] in declared_keys.values() if ours else keys[index] in declared_keys)}
    return ColumnPlan(tuple(header), {t: tuple(c) for t, c in sources.items()}, tuple(unused), vendor,
                      tuple(extras), declared)

