"""A salesperson's day as one script of keys, for the board in a real terminal (tmux) and under
Pilot: a new card, a blocked promote filled in, an edit, a call logged with the next step planned,
a card lost with a reason, a search by a phone number, and an undo. Sent in one burst or one key at
a time, it must leave the database exactly as ``expected`` says."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from leadboard.service import Pipeline

#: a stroke is ("text", characters typed) or ("key", a key named as Textual names it)
Stroke = tuple[str, str]


def start_the_day(pipeline: Pipeline) -> None:
    """Two contacts: Alan (to be lost) and Grace above him (to be promoted: need and timeline are
    missing; authority only warns)."""
    pipeline.create({"name": "Alan Turing", "email": "alan@example.com", "company": "Bletchley"})
    pipeline.create({"name": "Grace Hopper", "email": "grace@example.com", "budget": "9000"})


def purchase_by() -> str:
    return (date.today() + timedelta(days=40)).isoformat()


def the_day() -> list[Stroke]:
    def text(characters: str) -> Stroke:
        return ("text", characters)

    def keys(*names: str) -> list[Stroke]:
        return [("key", name) for name in names]

    return [
        # a new contact, whole: name, (kind), company, (title), email, phone; it lands on top, focused
        *keys("n"), text("Ada Lovelace"), *keys("tab", "tab"), text("Analytical Engines"),
        *keys("tab", "tab"), text("ada@example.com"), *keys("tab"), text("+1 (415) 555-0134"), *keys("ctrl+s"),
        # down to Grace, promote: blocked, so the form asks for need and date; authority "yes"
        *keys("j", "p"), text("Order tracking"), *keys("tab"), text(purchase_by()),
        *keys("tab"), text("y"), *keys("ctrl+s"),
        # the cursor followed Grace to Leads: her title (name, kind, company, title)
        *keys("e", "tab", "tab", "tab"), text("Rear Admiral"), *keys("ctrl+s"),
        # a call logged, and the next step planned a week ahead
        *keys("a"), text("Called about the demo"), *keys("tab", "tab"), text("+1w"), *keys("tab"),
        text("Send the quote"), *keys("enter"),
        # back to Contacts (Ada, on Grace's row), down to Alan, lose him: the third reason, and why
        *keys("h", "j", "x", "down", "down", "tab"), text("Kept the spreadsheet"), *keys("enter"),
        # find Ada by her phone typed run together, go to her, clear the search
        *keys("slash"), text("5550134"), *keys("enter", "escape"),
        # undo the last change here (losing Alan): it asks, y
        *keys("u", "y"),
    ]


def expected() -> dict[str, dict[str, Any]]:
    """Each card as the day leaves it (see ``summary``)."""
    plain = {"title": None, "need": None, "purchase_by": None, "authority": None, "lost_reason": None,
             "phone": None, "company": None, "logged": [], "planned": []}
    return {
        "Ada Lovelace": plain | {
            "stage": "contact", "company": "Analytical Engines", "email": "ada@example.com",
            "phone": "+1 (415) 555-0134", "owner": "alice", "version": 1, "moves": ["create"]},
        "Grace Hopper": plain | {
            "stage": "lead", "email": "grace@example.com", "owner": "alice", "title": "Rear Admiral",
            "need": "Order tracking", "purchase_by": purchase_by(), "authority": True, "version": 3,
            "moves": ["create", "promote"],
            "logged": [("call", "Called about the demo")],
            "planned": [("call", "Send the quote", (date.today() + timedelta(days=7)).isoformat(), "planned")]},
        "Alan Turing": plain | {
            "stage": "contact", "company": "Bletchley", "email": "alan@example.com", "owner": "alice",
            "version": 3, "moves": ["create", "lose", "undo"],
            "lost": "Chose a competitor: Kept the spreadsheet"},
    }


def summary(pipeline: Pipeline) -> dict[str, dict[str, Any]]:
    """Each card's fields, moves and activities as the service reads them, in ``expected``'s form."""
    cards = {}
    for card in pipeline.find():
        moves = pipeline.history(card.id)
        cards[card.name] = {
            "stage": card.stage.value, "company": card.company, "email": card.email, "phone": card.phone,
            "owner": card.owner, "title": card.title, "need": card.need,
            "purchase_by": card.purchase_by.isoformat() if card.purchase_by else None,
            "authority": card.authority, "lost_reason": card.lost_reason, "version": card.version,
            "moves": [move.move.value for move in moves],
            "logged": [(a.kind.value, a.summary) for a in pipeline.activities(card.id)],
            "planned": [(p.kind.value, p.summary, p.due.day.isoformat() if p.due.day else None, p.state.value)
                        for p in pipeline.planned_of(card.id)],
        }
        lost = [move.reason for move in moves if move.move.value == "lose"]
        if lost:
            cards[card.name]["lost"] = lost[0]
    return cards
