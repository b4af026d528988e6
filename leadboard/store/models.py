"""The tables. Cards change in place (guarded by ``version``); history, the change journal and the
change feed are append-only (an activity is removed only by an undo, which the journal records);
planned activities change (planned -> done or cancelled, rescheduled)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import peewee as pw

from leadboard.store.db import database


def _money() -> pw.DecimalField:
    """An amount to the cent, unknown until set."""
    return pw.DecimalField(max_digits=16, decimal_places=2, auto_round=True, null=True)


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


def tuples(query: pw.BaseQuery) -> Iterator[tuple[Any, ...]]:
    """The rows of ``query`` as tuples. peewee's type hints give a model query's rows as model
    instances even after ``.tuples()``; this says what they are."""
    return cast(Iterator[tuple[Any, ...]], iter(query.tuples()))


def dicts(query: pw.BaseQuery) -> Iterator[dict[str, Any]]:
    """The rows of ``query`` as dicts (see ``tuples``)."""
    return cast(Iterator[dict[str, Any]], iter(query.dicts()))


class Card(BaseModel):
    id = pw.AutoField()
    stage = pw.CharField(max_length=20)
    #: order inside a column, sparse: a card entering a column goes above the top one
    rank = pw.DoubleField()
    #: bumped by every write; a write names the version it read (optimistic locking)
    version = pw.IntegerField(default=1)
    owner = pw.CharField(max_length=200, null=True)
    created_at = pw.DateTimeField()
    created_by = pw.CharField(max_length=200)
    updated_at = pw.DateTimeField()
    updated_by = pw.CharField(max_length=200)

    name = pw.CharField(max_length=200)
    kind = pw.CharField(max_length=10, default="person")
    company = pw.CharField(max_length=200, null=True)
    title = pw.CharField(max_length=200, null=True)
    email = pw.CharField(max_length=320, null=True)
    phone = pw.CharField(max_length=200, null=True)
    need = pw.TextField(null=True)
    budget = _money()
    purchase_by = pw.DateField(null=True)
    authority = pw.BooleanField(null=True)
    decision_maker = pw.CharField(max_length=200, null=True)
    requirements = pw.TextField(null=True)
    supplier = pw.CharField(max_length=10, null=True)
    value = _money()
    close_by = pw.DateField(null=True)
    terms = pw.TextField(null=True)
    payment_terms = pw.CharField(max_length=200, null=True)
    contract_signed_on = pw.DateField(null=True)
    notes = pw.TextField(null=True)

    #: what the card is worth on the board (value, else budget): summed into column totals
    amount = pw.DecimalField(max_digits=16, decimal_places=2, auto_round=True, default=0)
    lost_from = pw.CharField(max_length=20, null=True)
    lost_reason = pw.TextField(null=True)
    last_activity_at = pw.DateTimeField(null=True)
    #: interactions logged (calls, meetings, emails); notes refresh the card but are not contact
    activity_count = pw.IntegerField(default=0)
    #: ids of the warning rules accepted on the last move, comma-separated
    warnings = pw.CharField(max_length=500, default="")
    #: what an imported file had beyond the fields: JSON {column name: text}, NULL for none
    #: (the "card-extras" migration step)
    extra = pw.TextField(null=True)
    #: the card's id in the system it was imported from; indexed as card_source_id
    source_id = pw.CharField(max_length=200, null=True)
    #: the card's next step (its earliest-due open planned activity) and that step's due key, kept
    #: current by every change of a planned activity; a column in urgency order reads along them
    next_step_id = pw.IntegerField(null=True)
    next_due = pw.DateTimeField(null=True)

    class Meta:
        indexes = (
            (("stage", "rank", "id"), False),
            (("stage", "owner", "rank", "id"), False),
            (("name", "company"), False),
            (("stage", "next_due", "rank", "id"), False),
            (("stage", "owner", "next_due", "rank", "id"), False),
            (("stage", "amount", "rank", "id"), False),
            (("stage", "close_by", "rank", "id"), False),
        )
        # plus card_email_lower, an index on lower(email) made by the "imports" migration step


class History(BaseModel):
    """One row per move (and per creation or import), never updated or deleted."""

    id = pw.AutoField()
    #: the ids behind the foreign keys, which peewee adds (declared for the type checker)
    card_id: int
    undoes_id: int | None
    card = pw.ForeignKeyField(Card, backref="history", on_delete="CASCADE")
    move = pw.CharField(max_length=10)
    from_stage = pw.CharField(max_length=20, null=True)
    to_stage = pw.CharField(max_length=20)
    by = pw.CharField(max_length=200)
    at = pw.DateTimeField()
    reason = pw.TextField(null=True)
    #: accepted warnings, "rule-id: message" lines
    warnings = pw.TextField(default="")
    #: for an undo: the move it reversed
    undoes = pw.ForeignKeyField("self", null=True, backref="undone_by", on_delete="SET NULL")
    #: on PostgreSQL the role that wrote the row (a trigger sets session_user); None on SQLite
    database_role = pw.CharField(max_length=200, null=True)

    class Meta:
        indexes = ((("card", "id"), False), (("by", "id"), False), (("move", "at", "card"), False))


class Activity(BaseModel):
    id = pw.AutoField()
    card_id: int
    card = pw.ForeignKeyField(Card, backref="activities", on_delete="CASCADE")
    kind = pw.CharField(max_length=10)
    summary = pw.TextField()
    at = pw.DateTimeField()
    by = pw.CharField(max_length=200)
    #: as on History: who wrote it as the database knows it (PostgreSQL only)
    database_role = pw.CharField(max_length=200, null=True)
    #: the card's owner now, kept with the card (``store/journal.py``): the activity report counts
    #: per owner without reading a card
    owner = pw.CharField(max_length=200, null=True)

    class Meta:
        indexes = ((("card", "id"), False), (("at", "kind", "card"), False), (("at", "kind", "owner"), False))


class JournalEntry(BaseModel):
    """One change a person made to a card, with who and when: ``kind`` is move, edit, reassign,
    activity or undo. Never updated or deleted (but with its card). What it changed is in
    ``JournalField``; a move's own row is in ``History`` (``move``)."""

    id = pw.AutoField()
    card_id: int
    move_id: int | None
    undoes_id: int | None
    card = pw.ForeignKeyField(Card, backref="journal", on_delete="CASCADE")
    kind = pw.CharField(max_length=20)
    by = pw.CharField(max_length=200)
    at = pw.DateTimeField()
    move = pw.ForeignKeyField(History, null=True, on_delete="CASCADE")
    #: the activity the change logged (or changed); not a foreign key: an undone activity is gone
    activity_id = pw.IntegerField(null=True)
    #: for an undo: the entry it reversed
    undoes = pw.ForeignKeyField("self", null=True, backref="undone_by", on_delete="SET NULL")

    class Meta:
        indexes = ((("card", "id"), False), (("by", "id"), False), (("undoes",), False), (("at", "card"), False))


class JournalField(BaseModel):
    """One field a journal entry changed: its value before and after, as text (``field_text``),
    NULL for "not set". Fields of the card itself are named as on the card (``company``,
    ``stage``); an activity's are prefixed (``activity.summary``)."""

    id = pw.AutoField()
    entry_id: int
    entry = pw.ForeignKeyField(JournalEntry, backref="fields", on_delete="CASCADE")
    field = pw.CharField(max_length=40)
    old = pw.TextField(null=True)
    new = pw.TextField(null=True)

    class Meta:
        indexes = ((("entry", "field"), False),)


class PlannedActivity(BaseModel):
    """A call, meeting, email or task planned on a card. Unlike the activity log it changes:
    rescheduled, done (it then points at the entry of the log it became) or cancelled, each
    change recording who and when. ``state`` says which: planned, done or cancelled."""

    id = pw.AutoField()
    card_id: int
    card = pw.ForeignKeyField(Card, backref="planned", on_delete="CASCADE", index=False)
    kind = pw.CharField(max_length=10)
    summary = pw.TextField()
    owner = pw.CharField(max_length=200)
    state = pw.CharField(max_length=10, default="planned")
    #: a local calendar day, or (with a time) an instant in UTC; due_key sorts both
    due_on = pw.DateField(null=True)
    due_at = pw.DateTimeField(null=True)
    due_key = pw.DateTimeField()
    planned_by = pw.CharField(max_length=200)
    planned_at = pw.DateTimeField()
    rescheduled_by = pw.CharField(max_length=200, null=True)
    rescheduled_at = pw.DateTimeField(null=True)
    #: who completed or cancelled it, and when
    closed_by = pw.CharField(max_length=200, null=True)
    closed_at = pw.DateTimeField(null=True)
    outcome = pw.TextField(null=True)
    activity_id = pw.IntegerField(null=True)

    class Meta:
        indexes = (
            (("card", "state", "due_key", "id"), False),
            (("owner", "state", "due_key", "id"), False),
            (("state", "due_key", "id"), False),
        )


class Change(BaseModel):
    """Append-only feed of which cards changed, so open boards redraw only those.

    ``card`` is NULL for bulk changes (demo, import) after which a board reloads every column.
    """

    id = pw.AutoField()
    card_id = pw.IntegerField(null=True)
    at = pw.DateTimeField()


class StageTotal(BaseModel):
    """Per (stage, owner): how many cards and their summed amount, kept current by every write,
    so column headers never scan a million rows."""

    id = pw.AutoField()
    stage = pw.CharField(max_length=20)
    owner = pw.CharField(max_length=200)
    cards = pw.IntegerField(default=0)
    amount = pw.DecimalField(max_digits=20, decimal_places=2, auto_round=True, default=0)

    class Meta:
        indexes = ((("stage", "owner"), True),)


class UserPreference(BaseModel):
    """One setting of one user's board (``name`` = ``value``), e.g. ``column_order`` = ``urgency``."""

    id = pw.AutoField()
    user = pw.CharField(max_length=200)
    name = pw.CharField(max_length=100)
    value = pw.TextField()

    class Meta:
        indexes = ((("user", "name"), True),)


class CardSearch(BaseModel):
    """SQLite's FTS5 index over name, company, email and phone (made by the migrations, not create_tables);
    modelled only so queries can join it. On PostgreSQL there is no such table."""

    rowid = pw.AutoField(column_name="rowid")

    class Meta:
        table_name = "card_search"


class StageVisit(BaseModel):
    """One row per card per stage entered: when it came in, from where, and when and where it left
    (NULL while it is still there). Kept by every move (``store/visits.py``), built from the
    history by the "stage-visits" migration step; every report reads it instead of the cards.
    An undone move is taken as never made: its visit is removed and the one before it reopened."""

    id = pw.AutoField()
    card_id: int
    card = pw.ForeignKeyField(Card, backref="visits", on_delete="CASCADE")
    stage = pw.CharField(max_length=20)
    #: the stage it came from (NULL for a created or imported card)
    from_stage = pw.CharField(max_length=20, null=True)
    entered_at = pw.DateTimeField()
    left_at = pw.DateTimeField(null=True)
    #: the stage it went to when it left
    left_to = pw.CharField(max_length=20, null=True)
    #: the history row of the move that brought it in (its reason is a lost card's reason)
    opened_by = pw.IntegerField()
    #: the card's owner and amount now, kept with the card (``store/visits.py``): the board as of
    #: a day sums the visits that spanned it from one index, reading no card
    owner = pw.CharField(max_length=200, null=True)
    amount = pw.DecimalField(max_digits=16, decimal_places=2, auto_round=True, null=True)

    class Meta:
        indexes = (
            (("stage", "entered_at", "left_at", "card"), False),
            (("stage", "left_at", "entered_at", "card"), False),
            (("card", "entered_at", "opened_by", "stage", "left_at", "from_stage"), False),
            (("stage", "left_at", "entered_at", "owner", "amount"), False),
        )


TABLES: list[type[BaseModel]] = [
    Card, History, Activity, JournalEntry, JournalField, PlannedActivity, Change, StageTotal,
    UserPreference, StageVisit,
]
