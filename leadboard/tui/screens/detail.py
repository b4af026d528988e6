"""A card's detail: every field, its history (every move and every other change), what is planned,
its activities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from leadboard.domain.card import FIELD_LABELS, FIELD_NAMES, Card
from leadboard.domain.history import MOVE_FIELDS, ActivityRecord, ChangeKind, ChangeRecord, HistoryItem
from leadboard.domain.planned import PlannedRecord, PlanState
from leadboard.domain.stages import Stage
from leadboard.tui.screens.parts import Dialog, dialog_box
from leadboard.tui.text import display_text, local_time, safe


def fields_table(card: Card, stale: bool, labels: Mapping[str, str] | None = None) -> Table:
    """The card's fields; ``labels``: the team's declared fields (kept in the extras), by name."""
    labels = labels or {}
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row(Text("Stage"), Text(card.stage.value.capitalize()))
    for name in FIELD_NAMES:
        value = getattr(card, name)
        if value is not None:
            label = FIELD_LABELS[name].split(" (")[0]  # "(yes/no)"-style hints are for forms
            table.add_row(Text(label), Text(display_text(value)))
    for name, label in labels.items():
        if name in card.extra:
            table.add_row(Text(safe(label)), Text(safe(card.extra[name])))
    if card.stage is Stage.LOST:
        table.add_row(Text("Lost from"), Text(card.lost_from.value if card.lost_from else "—"))
        table.add_row(Text("Lost because"), Text(safe(card.lost_reason)))
    if card.warnings:
        table.add_row(Text("⚠ Warnings accepted"), Text(", ".join(safe(w) for w in card.warnings)))
    if card.source_id:
        table.add_row(Text("Source id"), Text(safe(card.source_id)))
    kept = {key: value for key, value in card.extra.items() if key not in labels}
    if kept:  # kept from an imported file, under its columns' names
        table.add_row(Text("From the import", style="italic"),
                      Text("fields leadboard has no place for", style="italic"))
    for key, value in kept.items():
        table.add_row(Text(f"  {safe(key)}"), Text(safe(value)))
    if stale:
        table.add_row(Text("◷ Stale"), Text("no activity for longer than this stage allows"))
    table.add_row(Text("Created"), Text(f"{local_time(card.created_at)} by {safe(card.created_by)}"))
    table.add_row(Text("Last changed"), Text(f"{local_time(card.updated_at)} by {safe(card.updated_by)}"
                                            f" (version {card.version})"))
    return table


def who(by: str, database_role: str | None) -> str:
    """The user a row claims, and beside it the database role that wrote it where the engine
    knows one (PostgreSQL): ``alice (role sales_alice)``."""
    if database_role is None:
        return safe(by)
    return f"{safe(by)} (role {safe(database_role)})"


def _field_lines(change: ChangeRecord | None, skip: frozenset[str] = frozenset(),
                 only: frozenset[str] | None = None) -> list[Text]:
    lines = []
    for field in change.changes if change else ():
        if field.field in skip or (only is not None and field.field not in only):
            continue
        old = "—" if field.old is None else safe(field.old)
        new = "—" if field.new is None else safe(field.new)
        lines.append(Text(f"{safe(field.field)}: {old} → {new}"))
    return lines


def history_table(items: Sequence[HistoryItem]) -> Table:
    """Every change to the card, oldest first: moves, and between them edits, reassigns, activities
    and undos, each field's old and new value on a line of its own."""
    table = Table(expand=True, box=None, padding=(0, 1), header_style="bold")
    for column in ("When", "Who", "Change", "From → to", "Why / what changed"):
        table.add_column(column, overflow="fold")
    for item in items:
        move, change = item.move, item.change
        if move is None:
            assert change is not None
            if change.kind is ChangeKind.ACTIVITY:
                lines = [Text(safe(change.describe()))]
            elif change.kind is ChangeKind.MERGE:  # which card, then the fields it filled
                lines = [Text(safe(change.merged_line or "")), *_field_lines(change, only=frozenset(FIELD_NAMES))]
            else:
                lines = _field_lines(change)
            table.add_row(Text(local_time(change.at)), Text(safe(change.by)), Text(change.kind.value), Text(""),
                          Text("\n").join(lines))
            continue
        source = move.from_stage.value if move.from_stage else "—"
        lines = [Text(safe(move.reason))] if move.reason else []
        lines += [Text(f"⚠ {safe(warning)}", style="italic") for warning in move.warnings]
        lines += _field_lines(change, MOVE_FIELDS)
        why = Text("\n").join(lines)
        table.add_row(Text(local_time(move.at)), Text(who(move.by, move.database_role)), Text(move.move.value),
                      Text(f"{source} → {move.to_stage.value}"), why)
    return table


def activities_table(activities: Sequence[ActivityRecord]) -> Table | Text:
    if not activities:
        return Text("No activities logged yet.", style="italic")
    table = Table(expand=True, box=None, padding=(0, 1), header_style="bold")
    for column in ("When", "Who", "Kind", "What happened"):
        table.add_column(column, overflow="fold")
    for activity in reversed(activities):
        table.add_row(Text(local_time(activity.at)), Text(who(activity.by, activity.database_role)),
                      Text(activity.kind.value),
                      Text(safe(activity.summary)))
    return table


def planned_table(planned: Sequence[PlannedRecord]) -> Table | Text:
    """The card's open planned activities, next step first."""
    if not planned:
        return Text("Nothing planned: no next step.", style="italic")
    table = Table(expand=True, box=None, padding=(0, 1), header_style="bold")
    for column in ("Due", "Who", "Kind", "What is planned"):
        table.add_column(column, overflow="fold")
    for step in sorted(planned, key=lambda p: (p.due.key, p.id)):
        table.add_row(Text(step.due.text().replace("T", " ")), Text(safe(step.owner)), Text(step.kind.value),
                      Text(safe(step.summary)))
    return table


class CardDetail(Dialog[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,o,enter", "close", "Close")]

    def __init__(self, card: Card, moves: Sequence[HistoryItem], activities: Sequence[ActivityRecord],
                 stale: bool, planned: Sequence[PlannedRecord] = (), labels: Mapping[str, str] | None = None
                 ) -> None:
        super().__init__()
        self.labels = labels
        self.planned = [step for step in planned if step.state is PlanState.PLANNED]
        self.card = card
        self.moves = moves
        self.activities = activities
        self.stale = stale

    def compose(self) -> ComposeResult:
        with dialog_box(self._heading(), "↑/↓ scroll · Esc close"), self.opens_focused(VerticalScroll(id="detail")):
            yield Static(self._body(), id="detail-body")

    def _heading(self) -> Text:
        heading = Text(safe(self.card.name), style="bold")
        if self.card.company:
            heading.append(f" · {safe(self.card.company)}", style="")
        return heading

    def _body(self) -> Group:
        return Group(
            fields_table(self.card, self.stale, self.labels),
            Text(""), Text("History", style="bold underline"), history_table(self.moves),
            Text(""), Text(f"Planned ({len(self.planned)})", style="bold underline"),
            planned_table(self.planned),
            Text(""), Text(f"Activities ({len(self.activities)})", style="bold underline"),
            activities_table(self.activities),
        )

    def show(self, card: Card, moves: Sequence[HistoryItem], activities: Sequence[ActivityRecord],
             stale: bool, planned: Sequence[PlannedRecord] = ()) -> None:
        """The card as it is now (a colleague changed it while it was open); the scroll stays."""
        self.card, self.moves, self.activities, self.stale = card, moves, activities, stale
        self.planned = [step for step in planned if step.state is PlanState.PLANNED]
        self.query_one(".dialog").border_title = self._heading()
        self.query_one("#detail-body", Static).update(self._body())

    def action_close(self) -> None:
        self.dismiss(None)
