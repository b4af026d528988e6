"""Reads and writes of cards: the only code that touches the ``card`` table.

Every write here keeps three things in step inside the caller's transaction: the card row (guarded
by its version), the per-stage totals, and the change feed that open boards poll.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from datetime import datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

import peewee as pw

from leadboard.domain.card import FIELD_NAMES, MONEY_FIELDS, Card, CardSummary, card_amount
from leadboard.domain.filter import NO_FILTER, CardFilter, ColumnOrder
from leadboard.domain.stages import Stage
from leadboard.store import visits
from leadboard.store.db import database, is_sqlite
from leadboard.store.models import Activity, CardSearch, Change, StageTotal, tuples
from leadboard.store.models import Card as CardRow

RANK_STEP = 1.0

#: the ``stage`` of a card taken off the board (``store/removal.py``): deleted or merged into another
#: (the journal can bring it back) or erased (nothing of the person is left). Neither is a ``Stage``: every query that
#: names a stage (columns, counts, totals, Today, export) passes them by as it is, and a removed
#: card's searchable and matchable columns are cleared, so search and import look-ups never find it
DELETED, ERASED, MERGED = "deleted", "erased", "merged"
#: the stages a card on the board can be in
ON_BOARD: tuple[str, ...] = tuple(stage.value for stage in Stage)

T = TypeVar("T")


# ---- reading -------------------------------------------------------------------------------


def get(card_id: int) -> Card | None:
    """The card, or None when there is none on the board (never was, or removed)."""
    row = CardRow.get_or_none(CardRow.id == card_id)
    return to_card(row) if row and row.stage in ON_BOARD else None


def to_card(row: CardRow | dict[str, Any]) -> Card:
    data = row if isinstance(row, dict) else row.__data__
    fields: dict[str, Any] = {name: data.get(name) for name in FIELD_NAMES}
    fields.update({name: _cents(fields[name]) for name in MONEY_FIELDS if fields[name] is not None})
    lost_from = data.get("lost_from")
    return Card.model_construct(
        **fields,
        id=data["id"],
        stage=Stage(data["stage"]),
        version=data["version"],
        created_at=data["created_at"],
        created_by=data["created_by"],
        updated_at=data["updated_at"],
        updated_by=data["updated_by"],
        lost_from=Stage(lost_from) if lost_from else None,
        lost_reason=data.get("lost_reason"),
        last_activity_at=data.get("last_activity_at"),
        activity_count=data.get("activity_count") or 0,
        warnings=[w for w in (data.get("warnings") or "").split(",") if w],
        extra=_extras(data.get("extra")),
        source_id=data.get("source_id"),
        next_due=_as_datetime(data["next_due"]) if data.get("next_due") else None,
    )


def _extras(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"extra": text}
    return {str(key): str(item) for key, item in value.items()} if isinstance(value, dict) else {"extra": text}


_SUMMARY_COLUMNS = (
    CardRow.id,
    CardRow.stage,
    CardRow.name,
    CardRow.company,
    CardRow.amount,
    CardRow.owner,
    CardRow.warnings,
    CardRow.last_activity_at,
    CardRow.created_at,
    CardRow.version,
    CardRow.lost_from,
    CardRow.lost_reason,
    CardRow.next_due,
)


def _summary(row: tuple[Any, ...]) -> CardSummary:
    (card_id, stage, name, company, amount, owner, warnings, active, created, version, lost_from, lost_reason,
     next_due) = row
    return CardSummary(
        id=card_id,
        stage=Stage(stage),
        name=name,
        company=company,
        amount=_cents(amount),
        owner=owner,
        warnings=tuple(w for w in warnings.split(",") if w),
        active_at=_as_datetime(active or created),
        version=version,
        lost_from=Stage(lost_from) if lost_from else None,
        lost_reason=lost_reason,
        next_due=_as_datetime(next_due) if next_due else None,
    )


#: what a column (or the Today view) reads of a card, and how a row of them becomes a summary
SUMMARY_COLUMNS = _SUMMARY_COLUMNS
summary = _summary


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


as_datetime = _as_datetime


def _where(stage: Stage | None, card_filter: CardFilter) -> pw.ColumnBase:
    condition: pw.ColumnBase = pw.SQL("1 = 1")
    if stage is not None:
        condition = CardRow.stage == stage.value
    if card_filter.owner is not None:
        condition &= CardRow.owner == card_filter.owner
    text = card_filter.search.strip()
    if text:
        condition &= _search_condition(text)
    return condition


_TOKEN = re.compile(r"[^\W_]+")


def _search_condition(text: str) -> pw.ColumnBase:
    """Every typed word must match the start of a word of the name, company, email or phone. A typed word
    is cut into its letter-and-digit runs like the SQLite tokenizer does ("o'brien" is "o" then
    "brien", side by side); a word with none ("%") is ignored, and text with none finds nothing.
    Text that could be part of a phone number also finds the phones whose digits hold its digits in
    a row, however either is grouped (``_phone_digits``)."""
    words = _words(text)
    if not words:
        return pw.SQL("1 = 0")
    if is_sqlite():
        matched = "SELECT rowid FROM card_search WHERE card_search MATCH ?"
        phone = _fts_phone_query(text)
        if phone is None:
            return pw.NodeList((CardRow.id, pw.SQL(f"IN ({matched})", (_fts_query(text),))))
        phones = "SELECT rowid FROM card_phone_search WHERE card_phone_search MATCH ?"
        return pw.NodeList((CardRow.id, pw.SQL(f"IN ({matched} UNION {phones})", (_fts_query(text), phone))))
    # PostgreSQL: the same match as a case-blind regular expression (\m: the start of a word) over
    # the text the trigram index covers (migration 2); tokens hold only letters and digits, so the
    # typed text can never be regex syntax
    condition: pw.ColumnBase = pw.SQL("1 = 1")
    for tokens in words:
        condition &= search_text().iregexp("\\m" + "[^[:alnum:]]+".join(tokens))
    digits = _phone_digits(text)
    if digits is not None:  # only digits: never a LIKE wildcard
        condition |= phone_digits().contains(digits)
    return condition


def _words(text: str) -> list[list[str]]:
    return [tokens for tokens in (_TOKEN.findall(word) for word in text.split()) if tokens]


#: what a phone may hold besides digits (the domain's rule, and the search-phone-digits step's)
_PHONE_TEXT = re.compile(r"[0-9 ()./+-]+")
#: fewer digits than this would find a phone by any digit in it
_PHONE_DIGITS_AT_LEAST = 3


def _phone_digits(text: str) -> str | None:
    """The digits of typed text that could be (part of) a phone number, when there are enough of
    them to look for inside phones: ``(415) 555`` is ``415555``; ``ada 555`` is no phone."""
    text = text.strip()
    if not _PHONE_TEXT.fullmatch(text):
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits if len(digits) >= _PHONE_DIGITS_AT_LEAST else None


def _fts_query(text: str) -> str | None:
    """The FTS5 query for typed text: each word a quoted phrase (never FTS query syntax) whose last
    token is a prefix, in the name, company, email and phone. None when nothing searchable was
    typed."""
    words = _words(text)
    if not words:
        return None
    return _fts_columns(_fts_phrase(tokens) for tokens in words)


def _fts_columns(phrases: Iterable[str]) -> str:
    """The FTS5 query that every phrase must match, each in the name, company, email or phone."""
    return "{name company email phone} : (" + " AND ".join(phrases) + ")"


def _fts_phone_query(text: str) -> str | None:
    """For text that could be part of a phone, the query of the phone-digits index: its digits as
    one phrase of trigrams, which matches where they appear in a row in the phone's digits (see the
    search-phone-trigrams migration step). None for other text."""
    digits = _phone_digits(text)
    return None if digits is None else f'"{digits}"'


#: the longest word prefix the search index keeps (the sqlite-search-prefixes step): FTS5 answers
#: a longer one by gathering the cards of every indexed word that starts with it before it can give
#: the newest (``exam`` among a million ``example.com`` emails: ~40 ms a keystroke)
_INDEXED_PREFIX = 3
#: a longer prefix is spelled out as the indexed words it starts, when there are at most this many
#: (whose cards FTS5 then reads newest first, stopping at the LIMIT)
SPELLED_OUT_AT_MOST = 8
_ASCII_TOKEN = re.compile(r"[a-z0-9]+")


def _fts_phrase(tokens: list[str]) -> str:
    """One typed word as an FTS5 phrase whose last token is a prefix: ``"o brien"*``, or, for a
    prefix longer than the index keeps, the few indexed words it starts spelled out:
    ``("o brien" OR "o briens")``."""
    return _spelled_out(tokens) or _prefix_phrase(tokens)


def _prefix_phrase(tokens: list[str]) -> str:
    return '"' + " ".join(tokens) + '"*'


def _is_long_plain_prefix(tokens: list[str]) -> bool:
    """Whether the word's last token is a prefix longer than the index keeps, of plain ASCII letters
    and digits (which the index folds by lower() alone)."""
    last = tokens[-1].lower()
    return len(last) > _INDEXED_PREFIX and _ASCII_TOKEN.fullmatch(last) is not None


def _spelled_out(tokens: list[str]) -> str | None:
    """A word whose last token is a long plain prefix as the indexed words it starts, when they are
    few (``_indexed_words_starting``); None otherwise."""
    if not _is_long_plain_prefix(tokens):
        return None
    spelled = _indexed_words_starting(tokens[-1].lower())
    if not spelled:
        return None
    head = tokens[:-1]
    return "(" + " OR ".join('"' + " ".join([*head, word]) + '"' for word in spelled) + ")"


def _indexed_words_starting(prefix: str) -> list[str] | None:
    """The search index's words that start with ``prefix``, read in order from FTS5's vocabulary
    one seek each; None when there are more than ``SPELLED_OUT_AT_MOST``."""
    # a table of this connection alone, over the index: no schema change, nothing to migrate
    database.execute_sql("CREATE VIRTUAL TABLE IF NOT EXISTS temp.card_search_words "
                         "USING fts5vocab(main, card_search, 'instance')")
    words: list[str] = []
    # the first word at or after ``after``: word + "\x01" sorts after the word and before any
    # longer word it starts (tokens hold letters and digits only)
    after = prefix
    while len(words) <= SPELLED_OUT_AT_MOST:
        row = database.execute_sql("SELECT term FROM temp.card_search_words WHERE term >= ? LIMIT 1",
                                   (after,)).fetchone()
        if row is None or not row[0].startswith(prefix):
            return words
        words.append(row[0])
        after = row[0] + "\x01"
    return None


def phone_digits() -> pw.ColumnBase:
    """The phone's digits alone, what PostgreSQL's phone index covers (the index's expression is
    in the search-phone-digits migration step)."""
    return pw.fn.translate(pw.fn.COALESCE(CardRow.phone, ""), " ()./-+", "")


def search_text() -> pw.ColumnBase:
    """name, company, email and phone as one text: what PostgreSQL searches and indexes (the
    index's expression is in the search-phones migration step)."""
    return (
        pw.fn.COALESCE(CardRow.name, "").concat(" ")
        .concat(pw.fn.COALESCE(CardRow.company, "")).concat(" ")
        .concat(pw.fn.COALESCE(CardRow.email, "")).concat(" ")
        .concat(pw.fn.COALESCE(CardRow.phone, ""))
    )


def column_page(stage: Stage, offset: int, limit: int, card_filter: CardFilter = NO_FILTER,
                total: int | None = None, end_of_today: datetime | None = None) -> list[CardSummary]:
    """Cards ``offset`` .. ``offset + limit`` of one column, in the filter's order (under a search:
    the matches newest first, as ``stage_totals`` counts them). Ordering by urgency needs
    ``end_of_today`` (naive UTC): the next steps due before it come first.

    Deep pages are read from the far end of the index (given the column's ``total``), so the last
    page of a million-card column costs no more than the middle one.
    """
    if card_filter.search.strip():
        shown = [match.id for match in newest_matches(card_filter) if match.stage is stage]
        return summaries_of(shown[offset:offset + limit])
    where = _where(stage, card_filter)
    if card_filter.order is not ColumnOrder.RANK:
        return _ordered_page(where, _segments(card_filter.order, end_of_today), offset, limit)
    base = CardRow.select(*_SUMMARY_COLUMNS).where(where)
    if total is not None and offset > total // 2:
        from_end = max(total - offset - limit, 0)
        count = min(limit, total - offset)
        if count <= 0:
            return []
        rows = _raw_rows(base.order_by(CardRow.rank.desc(), CardRow.id.desc()).offset(from_end).limit(count))
        return [_summary(row) for row in reversed(rows)]
    return [_summary(row) for row in _raw_rows(base.order_by(CardRow.rank, CardRow.id).offset(offset).limit(limit))]


#: one stretch of a column in a non-rank order: which cards, and their order (key, descending?)
Segment = tuple[pw.ColumnBase, tuple[tuple[pw.Field, bool], ...]]


def _segments(order: ColumnOrder, end_of_today: datetime | None) -> list[Segment]:
    """A column in ``order`` as stretches that each read along one index (stage[, owner], key,
    rank, id), so every page is a short index walk however many cards the column holds."""
    by_rank = ((CardRow.rank, False), (CardRow.id, False))
    if order is ColumnOrder.URGENCY:
        if end_of_today is None:
            raise ValueError("ordering by urgency needs the end of today")
        due = ((CardRow.next_due, False), *by_rank)
        return [(CardRow.next_due < end_of_today, due),  # overdue, then due today
                (CardRow.next_due.is_null(), by_rank),  # no next step
                (CardRow.next_due >= end_of_today, due)]  # planned later
    if order is ColumnOrder.VALUE:
        return [(pw.SQL("1 = 1"), ((CardRow.amount, True), *by_rank))]
    if order is ColumnOrder.CLOSE_DATE:
        return [(CardRow.close_by.is_null(False), ((CardRow.close_by, False), *by_rank)),
                (CardRow.close_by.is_null(), by_rank)]
    return [(pw.SQL("1 = 1"), by_rank)]


def _ordering(keys: tuple[tuple[pw.Field, bool], ...]) -> list[pw.Node]:
    return [key.desc() if descending else key.asc() for key, descending in keys]


def _ordered_page(where: pw.ColumnBase, segments: list[Segment], offset: int, limit: int) -> list[CardSummary]:
    """Rows ``offset`` .. ``offset + limit`` of the segments one after another. A segment is
    counted only when the page starts beyond it."""
    found: list[CardSummary] = []
    for condition, keys in segments:
        if limit <= 0:
            break
        query = CardRow.select(*_SUMMARY_COLUMNS).where(where & condition).order_by(*_ordering(keys))
        rows = [_summary(row) for row in _raw_rows(query.offset(offset).limit(limit))]
        if rows:
            found.extend(rows)
            limit -= len(rows)
            offset = 0
        else:
            offset -= CardRow.select().where(where & condition).count()
            offset = max(offset, 0)
    return found


def _ordered_position(row: CardRow, where: pw.ColumnBase, segments: list[Segment]) -> int | None:
    """The card's index in a column read as ``segments``."""
    before = 0
    for condition, keys in segments:
        inside = CardRow.select(CardRow.id).where(where & condition & (CardRow.id == row.id)).exists()
        if not inside:
            before += CardRow.select().where(where & condition).count()
            continue
        ahead: pw.ColumnBase = pw.SQL("1 = 0")
        same: pw.ColumnBase = pw.SQL("1 = 1")
        for key, descending in keys:
            value = getattr(row, key.name)
            if value is None:  # within a segment a key is all NULL or never NULL
                continue
            ahead |= same & ((key > value) if descending else (key < value))
            same &= key == value
        return before + CardRow.select().where(where & condition & ahead).count()
    return None


def find(stage: Stage | None = None, card_filter: CardFilter = NO_FILTER, limit: int | None = None,
         after: Card | None = None) -> list[Card]:
    """Whole cards (for the CLI and export), ``limit`` at a time after the card ``after``.

    Within a stage the order is the column's (rank, id), read along the (stage, rank, id) index;
    across stages it is id order. Keyset paging keeps every page as cheap as the first.
    """
    where = _where(stage, card_filter)
    if stage is not None:
        if after is not None:
            rank = CardRow.select(CardRow.rank).where(CardRow.id == after.id)
            where &= pw.Tuple(CardRow.rank, CardRow.id) > pw.Tuple(rank, after.id)
        query = CardRow.select().where(where).order_by(CardRow.rank, CardRow.id)
    else:
        where &= CardRow.stage.in_(ON_BOARD)  # not the removed cards
        if after is not None:
            where &= CardRow.id > after.id
        query = CardRow.select().where(where).order_by(CardRow.id)
    if limit is not None:
        query = query.limit(limit)
    return [to_card(row) for row in query.dicts()]


#: a search shows the newest this-many matches across the board: typing one letter into a
#: million-card board must not count half a million matches
SEARCH_LIMIT = 500


class Totals(NamedTuple):
    cards: int
    amount: Decimal
    #: True when a search found more matches than it shows (the count is "at least")
    capped: bool = False


def _search_matches(columns: Sequence[pw.Node], card_filter: CardFilter, fts: str | None = None) -> pw.Select:
    """Cards in every stage matching the filter's search, newest first, read so that a LIMIT stops
    early: on SQLite the FTS5 index drives the query in rowid order (with ``fts`` as its query, when
    given), on PostgreSQL the id index does. Typed digits that may be a phone's are looked up in
    both of SQLite's indexes, then read in id order."""
    query = CardRow.select(*columns)
    where: pw.ColumnBase = pw.SQL("1 = 1")
    if card_filter.owner is not None:
        where &= CardRow.owner == card_filter.owner
    if is_sqlite() and _fts_phone_query(card_filter.search) is None:
        fts = fts or _fts_query(card_filter.search)
        if fts is None:
            return query.where(pw.SQL("1 = 0"))
        search = CardSearch.alias("s")
        return (
            query.join(search, on=(search.rowid == CardRow.id))
            .where(where & pw.SQL('"s"."card_search" MATCH ?', (fts,)))
            .order_by(search.rowid.desc())
        )
    return query.where(where & _search_condition(card_filter.search.strip())).order_by(CardRow.id.desc())


def search_matches(card_filter: CardFilter, limit: int = SEARCH_LIMIT) -> list[CardSummary]:
    """The newest ``limit`` cards matching the filter's search, across every stage."""
    return summaries_of([match.id for match in newest_matches(card_filter, limit)])


class Match(NamedTuple):
    """What a search's count and a column's place need of a matching card."""

    id: int
    stage: Stage
    amount: Decimal


def newest_matches(card_filter: CardFilter, limit: int | None = None) -> list[Match]:
    """The newest ``limit`` (``SEARCH_LIMIT``) matches of the filter's search across every stage, newest
    first: what the columns show of a search, their pages and places (a card's whole summary is read
    only for the pages shown).

    On SQLite, FTS5 answers a prefix longer than the index keeps only after it has gathered the
    cards of every word it starts, unless they are few enough to spell out: ``hopp`` starts 28,741
    words among a million cards whose emails are words of their own (``grace.hopper123@``), ~13 ms.
    So the newest cards matching the prefix's first letters, which the index keeps in order, are
    read and checked for the whole prefix (``_checked_matches``); FTS5 alone answers when that
    cannot decide. The same cards either way."""
    limit = SEARCH_LIMIT if limit is None else limit
    fts = None
    if is_sqlite() and _fts_phone_query(card_filter.search) is None:
        fts, broad, checks = _fts_queries(card_filter.search)
        if checks:
            kept = _checked_matches(card_filter, broad, checks, limit)
            if kept is not None:
                return kept
    query = _search_matches(_MATCH_COLUMNS, card_filter, fts=fts).limit(limit)
    return [Match(card_id, Stage(stage), _cents(amount)) for card_id, stage, amount in _raw_rows(query)]


_MATCH_COLUMNS = (CardRow.id, CardRow.stage, CardRow.amount)
#: how many of the newest cards matching a long prefix's indexed letters are read and checked for
#: the whole prefix before the search is left to FTS5 alone
CHECKED_AT_MOST = 2 * SEARCH_LIMIT
#: what ends a word in plain ASCII text for SQLite's tokenizer: every character but letters and digits
_ASCII_SEPARATOR = r"[\x00-/:-@\[-`{-\x7f]"


def _fts_queries(text: str) -> tuple[str | None, str, list[re.Pattern[str]]]:
    """The FTS5 query of typed text (``_fts_query``); the same with each long plain prefix it could
    not spell out cut to the letters the index keeps (``hopp`` to ``hop``); and, for each of those,
    the pattern that finds the whole prefix in a card's text (``_word_start``)."""
    exact, broad, checks = [], [], []
    for tokens in _words(text):
        spelled = _spelled_out(tokens)
        exact.append(spelled or _prefix_phrase(tokens))
        lowered = [token.lower() for token in tokens]
        if spelled is None and _is_long_plain_prefix(tokens) and all(map(_ASCII_TOKEN.fullmatch, lowered)):
            checks.append(_word_start(lowered))
            broad.append(_prefix_phrase([*lowered[:-1], lowered[-1][:_INDEXED_PREFIX]]))
        else:
            broad.append(exact[-1])
    return (_fts_columns(exact) if exact else None), _fts_columns(broad), checks


def _word_start(tokens: list[str]) -> re.Pattern[str]:
    """Where plain ASCII text holds a typed word as FTS5's phrase ``"o brie"*`` finds it: the
    tokens in a row, each starting a word, the last one a prefix."""
    return re.compile(f"(?:^|(?<={_ASCII_SEPARATOR}))" + f"{_ASCII_SEPARATOR}+".join(tokens),
                      re.ASCII | re.IGNORECASE)


def _checked_matches(card_filter: CardFilter, broad: str, checks: list[re.Pattern[str]],
                     limit: int) -> list[Match] | None:
    """The newest ``limit`` cards among the newest ``CHECKED_AT_MOST`` that match the FTS5
    query ``broad`` whose name, company, email or phone holds each of ``checks``. In plain ASCII text
    the tokenizer's words are the runs of letters and digits, so a pattern decides; None when a
    card's text is not plain ASCII and does not hold them (the tokenizer folds other letters:
    ``Höpper`` is ``hopper``), or when the cards read are too few to be sure of the newest."""
    columns = (*_MATCH_COLUMNS, CardRow.name, CardRow.company, CardRow.email, CardRow.phone)
    kept: list[Match] = []
    read = 0
    # read as they are checked: the newest cards usually hold the prefix, and the rest need not be read
    with closing(database.execute(_search_matches(columns, card_filter, fts=broad).limit(CHECKED_AT_MOST))) as rows:
        for card_id, stage, amount, *texts in rows:
            read += 1
            texts = [text for text in texts if text]
            if all(any(check.search(text) for text in texts) for check in checks):
                kept.append(Match(card_id, Stage(stage), _cents(amount)))
                if len(kept) == limit:
                    return kept
            elif not all(text.isascii() for text in texts):
                return None
    return kept if read < CHECKED_AT_MOST else None


def _raw_rows(query: pw.Query) -> list[tuple[Any, ...]]:
    """The rows of ``query`` as the database driver gives them: peewee's conversion of each value
    costs ~10 µs a row, as much as the search keystroke's SQL itself, and 4 ms of the board's first
    read at 400 cards (``_summary`` and ``_cents`` take the raw values)."""
    return list(database.execute(query).fetchall())


def totals_of(matches: Sequence[Match]) -> dict[Stage, Totals]:
    """Per-stage totals of a search's matches; ``capped`` when the search had more to show."""
    capped = len(matches) >= SEARCH_LIMIT
    counts: dict[Stage, tuple[int, Decimal]] = {}
    for match in matches:
        cards, amount = counts.get(match.stage, (0, Decimal(0)))
        counts[match.stage] = (cards + 1, amount + match.amount)
    totals = {stage: Totals(0, Decimal(0)) for stage in Stage}
    totals.update({stage: Totals(cards, amount, capped) for stage, (cards, amount) in counts.items()})
    return totals


def stage_totals(card_filter: CardFilter = NO_FILTER) -> dict[Stage, Totals]:
    """Cards and amount per stage. Without a search this reads the kept totals, never the cards;
    with one it counts the newest ``SEARCH_LIMIT`` matches (``capped`` says there are more)."""
    if card_filter.search.strip():
        return totals_of(newest_matches(card_filter))
    totals = {stage: Totals(0, Decimal(0)) for stage in Stage}
    query = StageTotal.select(StageTotal.stage, pw.fn.SUM(StageTotal.cards), pw.fn.SUM(StageTotal.amount))
    if card_filter.owner is not None:
        query = query.where(StageTotal.owner == card_filter.owner)
    for stage, cards, amount in tuples(query.group_by(StageTotal.stage)):
        totals[Stage(stage)] = Totals(int(cards or 0), _cents(amount))
    return totals


def _cents(amount: Any) -> Decimal:
    """An amount or a sum as exact cents, as PostgreSQL's numeric(_, 2) gives it: SQLite keeps
    DECIMAL columns as REAL, so it gives 0.1 for 0.10 and adds 0.1 + 0.2 into 0.30000000000000004,
    and Decimal(float) would keep every stray digit."""
    return Decimal(str(amount or 0)).quantize(Decimal("0.01"))


def top_rank(stage: Stage) -> float:
    row = CardRow.select(CardRow.rank).where(CardRow.stage == stage.value).order_by(CardRow.rank).first()
    return row.rank if row else 0.0


def position(card_id: int, card_filter: CardFilter = NO_FILTER, end_of_today: datetime | None = None) -> int | None:
    """The card's index in its column under ``card_filter`` (to keep focus on it after a move)."""
    row = CardRow.get_or_none(CardRow.id == card_id)
    if row is None or row.stage not in ON_BOARD:
        return None
    if card_filter.search.strip():
        stage = Stage(row.stage)
        return sum(1 for match in newest_matches(card_filter) if match.stage is stage and match.id > row.id)
    if card_filter.order is not ColumnOrder.RANK:
        return _ordered_position(row, _where(Stage(row.stage), card_filter),
                                 _segments(card_filter.order, end_of_today))
    # a row-value comparison walks the (stage, rank, id) index; the equivalent OR of two
    # conditions cost ~15 ms even for the top card of a 240,000-card column
    before = pw.Tuple(CardRow.rank, CardRow.id) < pw.Tuple(row.rank, row.id)
    return CardRow.select().where(_where(Stage(row.stage), card_filter) & before).count()


# ---- writing (call inside a transaction) ---------------------------------------------------


def lock(card_id: int) -> None:
    """Hold the card's row until the transaction ends, so what is read next about it (its journal)
    stays true until the write. On SQLite the transaction holds the write lock already; on
    PostgreSQL a writer that touches the card (logging an activity bumps no version) waits."""
    if not is_sqlite():
        CardRow.select(CardRow.id).where(CardRow.id == card_id).for_update().execute()


def insert(stage: Stage, fields: dict[str, Any], by: str, at: datetime, **state: Any) -> int:
    values = dict(fields)
    values.update(state)
    values.update(
        stage=stage.value,
        rank=top_rank(stage) - RANK_STEP,
        created_at=at,
        created_by=by,
        updated_at=at,
        updated_by=by,
        amount=card_amount(fields),
    )
    card_id = CardRow.insert(values).execute()
    _add_to_totals(stage.value, values.get("owner"), 1, values["amount"])
    note_change(card_id, at)
    return int(card_id)


def update(card: Card, values: dict[str, Any], by: str, at: datetime) -> bool:
    """Write ``values`` over ``card`` if nobody changed it since it was read; False if somebody did.

    ``card`` must be the row as read (its version is the guard and its stage, owner and amount are
    what the totals held).
    """
    values = dict(values)
    fields = card.fields() | {k: v for k, v in values.items() if k in FIELD_NAMES}
    new_stage = values.get("stage", card.stage)
    new_stage = new_stage.value if isinstance(new_stage, Stage) else new_stage
    if new_stage != card.stage.value:
        values["rank"] = top_rank(Stage(new_stage)) - RANK_STEP
    values["stage"] = new_stage
    values["amount"] = card_amount(fields)
    values.update(updated_at=at, updated_by=by, version=CardRow.version + 1)
    updated = (
        CardRow.update(values)
        .where((CardRow.id == card.id) & (CardRow.version == card.version))
        .execute()
    )
    if not updated:
        return False
    old_amount = card.amount if card.amount is not None else Decimal(0)
    if (card.stage.value, card.owner, old_amount) != (new_stage, fields.get("owner"), values["amount"]):
        # totals rows are always touched in key order, so two writers on PostgreSQL (row locks)
        # can never wait on each other in a circle
        for stage, owner, cards, amount in sorted(
            [(card.stage.value, card.owner or "", -1, -old_amount),
             (new_stage, fields.get("owner") or "", 1, values["amount"])],
            key=lambda change: change[:2],
        ):
            _add_to_totals(stage, owner, cards, amount)
    if (card.owner, old_amount) != (fields.get("owner"), values["amount"]):
        visits.card_changed(card.id, fields.get("owner"), values["amount"])
    if card.owner != fields.get("owner"):
        Activity.update(owner=fields.get("owner")).where(Activity.card == card.id).execute()
    note_change(card.id, at)
    return True


#: the card columns a bulk insert may give, by name: every column but ``id``
CARD_COLUMNS: tuple[str, ...] = tuple(
    name for name in CardRow._meta.sorted_field_names if name != "id"  # type: ignore[attr-defined]
)
#: what a column left out of a bulk insert's rows holds (peewee's defaults live in Python, not in
#: the table)
_COLUMN_DEFAULTS: dict[str, Any] = {
    name: field.default for name, field in CardRow._meta.fields.items()  # type: ignore[attr-defined]
    if name != "id" and field.default is not None
}
#: SQLite's full-text indexes of cards, each with the trigger that puts a new card in it (see the
#: search-phone-trigrams migration step)
_SEARCH_INDEXES = (("card_search", "card_search_ai"), ("card_phone_search", "card_phone_search_ai"))


def insert_many(rows: Sequence[dict[str, Any]], at: datetime) -> list[int]:
    """Insert whole cards and return their ids in order: the one bulk writer (import and demo).

    Each row is a dict of ``CARD_COLUMNS`` by name, values as peewee takes them (every row naming
    the same columns; one with a default may be left out). The search index, the kept totals and
    the change feed (under the feed lock, so no board polls past a batch still being written)
    follow in the caller's transaction.
    """
    if not rows:
        return []
    first = rows[0]
    unknown = set(first) - set(CARD_COLUMNS)
    if unknown:
        raise ValueError(f"not card columns: {', '.join(sorted(unknown))}")
    missing = {name: value for name, value in _COLUMN_DEFAULTS.items() if name not in first}
    if missing:
        rows = [missing | row for row in rows]
    columns = tuple(name for name in CARD_COLUMNS if name in rows[0])
    ids = _insert_sqlite(rows, columns) if is_sqlite() else _insert_returning(rows)
    per_key: dict[tuple[str, str | None], tuple[int, Decimal]] = {}
    for row in rows:
        key = (row["stage"], row.get("owner"))
        cards, amount = per_key.get(key, (0, Decimal(0)))
        per_key[key] = (cards + 1, amount + Decimal(row.get("amount") or 0))
    # in key order, like update(): writers never lock totals rows in opposite orders
    for (stage, owner), (cards, amount) in sorted(per_key.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        _add_to_totals(stage, owner, cards, amount)
    note_change(None, at)
    return ids


def _insert_sqlite(rows: Sequence[dict[str, Any]], columns: tuple[str, ...]) -> list[int]:
    # Each search index is filled by one INSERT ... SELECT for the lot instead of by its per-row
    # insert trigger (which costs ~45 µs a card). The triggers are dropped and put back, exactly as
    # the database had them, inside this transaction: no other connection ever sees the table
    # without them, and a crash rolls the drop back with the rest.
    cursor = database.cursor()
    before = _newest_card(cursor)
    triggers = []
    for index, name in _SEARCH_INDEXES:
        trigger = cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                                 (name,)).fetchone()
        if trigger:
            cursor.execute(f'DROP TRIGGER "{name}"')
            triggers.append((index, trigger[0]))
    # a column no row gives a value is left out: it is NULL all the same (no card column has an SQL
    # default), and Python's sqlite3 takes ~0.5 µs to bind each None (a plain contact leaves some
    # twenty columns empty)
    given = tuple(name for name in columns if any(row[name] is not None for row in rows))
    names = ", ".join(f'"{name}"' for name in given)
    marks = ", ".join("?" for _ in given)
    # peewee's adapters (Decimal, date, datetime) are registered with sqlite3, so values bind as
    # peewee would store them
    values = map(itemgetter(*given), rows) if len(given) > 1 else ((row[given[0]],) for row in rows)
    cursor.executemany(f'INSERT INTO "card" ({names}) VALUES ({marks})', values)
    after = _newest_card(cursor)
    # holding the write lock, SQLite numbers new rows max(id)+1, +2, ...; check rather than trust
    if after - before != len(rows):
        raise pw.IntegrityError("cards were not numbered in one run; the batch is not written")
    for index, trigger_sql in triggers:
        # an external-content index: its columns are card columns of the same names (the phone's
        # digits a generated column), so it holds exactly what a rebuild or the trigger would put
        indexed = ", ".join(f'"{row[1]}"' for row in cursor.execute(f'PRAGMA table_info("{index}")'))
        cursor.execute(f'INSERT INTO "{index}"(rowid, {indexed}) SELECT "id", {indexed} FROM "card" WHERE "id" > ?',
                       (before,))
        cursor.execute(trigger_sql)
    return list(range(before + 1, after + 1))


def _newest_card(cursor: Any) -> int:
    return int(cursor.execute('SELECT COALESCE(MAX("id"), 0) FROM "card"').fetchone()[0])


def _insert_returning(rows: Sequence[dict[str, Any]]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(rows), 1000):
        query = CardRow.insert_many(rows[start:start + 1000]).returning(CardRow.id).tuples()
        ids.extend(row[0] for row in query.execute())
    return ids


def activities_follow_owner(card_ids: Iterable[int]) -> None:
    """The activities of ``card_ids`` carry their card's owner now (after a bulk write of them,
    or a merge that gave them to another card)."""
    ids = sorted(set(card_ids))
    for start in range(0, len(ids), 500):
        # the ids are ints from the database, so they are safe to write into the statement
        listed = ", ".join(str(int(card_id)) for card_id in ids[start:start + 500])
        database.execute_sql('UPDATE "activity" SET "owner" = (SELECT c."owner" FROM "card" c '
                             f'WHERE c."id" = "activity"."card_id") WHERE "card_id" IN ({listed})')


def _add_to_totals(stage: str, owner: str | None, cards: int, amount: Decimal | int) -> None:
    (
        StageTotal.insert(stage=stage, owner=owner or "", cards=cards, amount=amount)
        .on_conflict(
            conflict_target=[StageTotal.stage, StageTotal.owner],
            update={
                StageTotal.cards: StageTotal.cards + pw.EXCLUDED.cards,
                StageTotal.amount: StageTotal.amount + pw.EXCLUDED.amount,
            },
        )
        .execute()
    )


def recount_totals() -> None:
    """Rebuild the kept totals from the cards (after a repair or a raw bulk load)."""
    StageTotal.delete().execute()
    query = (
        CardRow.select(
            CardRow.stage, pw.fn.COALESCE(CardRow.owner, ""), pw.fn.COUNT(CardRow.id), pw.fn.SUM(CardRow.amount)
        )
        .where(CardRow.stage.in_(ON_BOARD))
        .group_by(CardRow.stage, CardRow.owner)
    )
    for stage, owner, cards, amount in tuples(query):
        _add_to_totals(stage, owner, cards, _cents(amount))


# ---- the change feed -----------------------------------------------------------------------
#
# Open boards poll for change ids above the newest they have seen. On SQLite writers commit one at
# a time, so ids become visible in order. PostgreSQL hands out ids at INSERT and writers commit in
# any order: a poll could see id 11 while id 10 is still uncommitted, and never look back for it.
# So there, every writer holds an advisory lock *shared* from its first change row until it
# commits, and a poll first takes it *exclusively* (trying, never queueing, so it can neither
# stall writers nor deadlock with them): when it has it, no change row is uncommitted, and every
# later one will get a higher id.

#: any fixed number: the advisory lock of the change feed on PostgreSQL
FEED_LOCK = 0x6C6266656564  # "lbfeed"


def note_change(card_id: int | None, at: datetime) -> None:
    """Append to the feed (inside the writer's transaction); ``None`` means "reload everything"."""
    if not is_sqlite():
        database.execute_sql("SELECT pg_advisory_xact_lock_shared(%s)", (FEED_LOCK,))
    Change.insert(card_id=card_id, at=at).execute()


def _when_feed_settled(read: Callable[[], T], wait_s: float = 1.0) -> T | None:
    """``read()`` at a moment no change row is uncommitted; None if writers kept it busy ``wait_s``."""
    if is_sqlite():
        return read()
    deadline = time.monotonic() + wait_s
    while True:
        with database.atomic():
            if database.execute_sql("SELECT pg_try_advisory_xact_lock(%s)", (FEED_LOCK,)).fetchone()[0]:
                return read()
        if time.monotonic() > deadline:
            return None
        time.sleep(0.002)


def _newest_change() -> int:
    return int(Change.select(pw.fn.COALESCE(pw.fn.MAX(Change.id), 0)).scalar() or 0)


def latest_change() -> int:
    """The newest change id: a board that starts now asks for changes after it."""
    newest = _when_feed_settled(_newest_change)
    if newest is None:  # writers never paused for a second: wait in line for them this once
        with database.atomic():
            database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (FEED_LOCK,))
            newest = _newest_change()
    return newest


def changes_after(change_id: int, limit: int = 500) -> list[tuple[int, int | None]]:
    """(change id, card id) of up to ``limit`` changes after ``change_id``, oldest first, never
    skipping one that is still being committed (empty when writers are too busy to tell)."""
    def read() -> list[tuple[int, int | None]]:
        return [(row[0], row[1]) for row in tuples(Change.select(Change.id, Change.card_id)
                .where(Change.id > change_id).order_by(Change.id).limit(limit))]

    return _when_feed_settled(read) or []


def changes_since(change_id: int, limit: int = 500) -> tuple[int, set[int] | None]:
    """(newest change id, the ids of cards changed after ``change_id``), or None for "reload all"
    when a bulk change happened or too many cards changed to list."""
    rows = changes_after(change_id, limit + 1)
    if not rows:
        return change_id, set()
    newest = rows[-1][0]
    if len(rows) > limit or any(card_id is None for _, card_id in rows):
        return max(newest, latest_change()), None
    return newest, {card_id for _, card_id in rows if card_id is not None}


def summaries_of(card_ids: Sequence[int]) -> list[CardSummary]:
    """The column summaries of ``card_ids``, in that order (the as-of board's pages)."""
    if not card_ids:
        return []
    # read by id alone, and the cards off the board (deleted, merged) left out here: with the stage
    # in the query too, SQLite would rather read a whole stage's index than the few ids
    # the ids are ints from the database, written into the statement: as parameters peewee builds
    # a node for each (~6 µs), more than reading the card costs
    listed = pw.SQL("IN (" + ", ".join(str(int(card_id)) for card_id in card_ids) + ")")
    rows = {row[0]: _summary(row) for row in _raw_rows(CardRow.select(*_SUMMARY_COLUMNS)
                                                        .where(pw.NodeList((CardRow.id, listed))))
            if row[1] in ON_BOARD}
    return [rows[card_id] for card_id in card_ids if card_id in rows]


def owners() -> list[str]:
    """Everyone who owns a card now, by name (read from the kept totals, never the cards)."""
    query = (StageTotal.select(StageTotal.owner).where((StageTotal.cards > 0) & (StageTotal.owner != ""))
             .group_by(StageTotal.owner).order_by(StageTotal.owner))
    return [owner for (owner,) in tuples(query)]
