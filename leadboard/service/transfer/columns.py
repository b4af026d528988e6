"""Which column of an imported file gives which card field, and which stage a source's stage
value means.

Column names are compared without case, spaces or punctuation (``E-mail``, ``email``, ``EMAIL
ADDRESS`` and ``email_address`` are alike), through a table of the names other CRMs and
spreadsheets use; ``--map "COLUMN=field"`` settles the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from leadboard.domain.card import FIELD_NAMES
from leadboard.domain.errors import LeadboardError
from leadboard.domain.stages import Stage


class BadImportFile(LeadboardError):
    """The file (or an import option) cannot be used at all; nothing was imported."""


#: columns that are not card fields but say where a card stands, or come from our own export
STAGE, LOST_FROM, LOST_REASON = "stage", "lost_from", "lost_reason"
FIRST_NAME, LAST_NAME = "first_name", "last_name"
STATE_COLUMNS: Final = ("warnings", "activity_count", "last_activity_at", "created_at", "created_by",
                        "updated_at", "updated_by", "version")
HISTORY, ACTIVITY_LOG = "history", "activity_log"
#: a JSON export's open planned activities of a card (import plans them again), and its next step
#: and that step's state (derived from them, so not read back)
PLANNED, NEXT_STEP, NEXT_STEP_STATE = "planned", "next_step", "next_step_state"
#: a column named ``id`` is recognised (our export writes it) and not used: ids belong to a database
ID = "id"
IGNORE = "ignore"
TARGETS: Final = (*FIELD_NAMES, STAGE, LOST_FROM, LOST_REASON, FIRST_NAME, LAST_NAME, *STATE_COLUMNS,
                  HISTORY, ACTIVITY_LOG, ID, PLANNED, NEXT_STEP, NEXT_STEP_STATE)
#: columns our own export writes that an import recognises and does not read
NOT_READ: Final = frozenset({ID, NEXT_STEP, NEXT_STEP_STATE})


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
    HISTORY: ("history",),
    ACTIVITY_LOG: ("activitylog",),
    ID: ("id",),
    PLANNED: ("planned",),
    NEXT_STEP: ("nextstep",),
    NEXT_STEP_STATE: ("nextstepstate",),
}
#: normalised column name -> target
ALIASES: Final[dict[str, str]] = {alias: target for target, names in _ALIASES.items() for alias in names}
assert set(_ALIASES) == set(TARGETS)


@dataclass(frozen=True)
class ColumnPlan:
    """Where each target's value comes from: column indexes, the first non-blank one wins."""

    header: tuple[str, ...]
    sources: dict[str, tuple[int, ...]]
    #: columns that match nothing (or were mapped to ``ignore``)
    unused: tuple[str, ...] = ()

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
            if used is None or used in NOT_READ:
                lines.append(f"{name or '(unnamed)'} -> (not imported)")
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


def plan_columns(header: list[str], column_map: dict[str, str]) -> ColumnPlan:
    """Match ``header`` to targets; ``BadImportFile`` if a ``--map`` names a missing column or no
    column gives the card's name."""
    keys = [normalize(name) for name in header]
    for column in column_map:
        if column not in keys:
            shown = ", ".join(repr(name) for name in header[:20])
            raise BadImportFile(f"--map: the file has no column like {column!r}; its columns are {shown}.")
    chosen: list[tuple[int, int, str]] = []  # (priority, index, target)
    unused: list[str] = []
    for index, key in enumerate(keys):
        if key in column_map:
            target = column_map[key]
            if target == IGNORE:
                unused.append(header[index])
            else:
                chosen.append((0, index, target))
        elif key in ALIASES:
            target = ALIASES[key]
            exact = key == normalize(target)
            chosen.append((1 if exact else 2, index, target))
        else:
            unused.append(header[index] or f"(unnamed column {index + 1})")
    sources: dict[str, list[int]] = {}
    for _, index, target in sorted(chosen):
        sources.setdefault(target, []).append(index)
    if "name" not in sources and FIRST_NAME not in sources and LAST_NAME not in sources:
        shown = ", ".join(repr(name) for name in header[:20])
        raise BadImportFile(
            "No column gives the card's name (looked for Name, Full Name, First Name + Last Name, ...); "
            f"the columns are {shown}; name one with --map 'COLUMN=name'."
        )
    return ColumnPlan(tuple(header), {t: tuple(c) for t, c in sources.items()}, tuple(unused))

