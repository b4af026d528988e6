"""The card form: new card, edit, and the fix-the-fields form of a blocked promote.

One form for all three: the fields to show come from ``FIELD_LABELS`` and the field types in the
domain, and ``save`` (given by the board) does the writing. A user's mistake (``InvalidInput``, a
still-blocked gate, a colleague's change) is shown beside the fields it concerns and the form stays
open with everything typed; nothing is written until the whole form is valid.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Static

from leadboard.domain.card import (
    BOOL_FIELDS,
    CHOICE_FIELDS,
    DATE_FIELDS,
    FIELD_LABELS,
    INTERACTIONS,
    MONEY_FIELDS,
    ActivityKind,
)
from leadboard.domain.declared import DeclaredField
from leadboard.domain.errors import Conflict, GateBlocked, InvalidInput, LeadboardError
from leadboard.tui.screens.confirm import ConfirmModal
from leadboard.tui.screens.parts import Choice, Dialog, dialog_box, labelled, problem_line
from leadboard.tui.text import display_text, form_text, safe

LONG_TEXT_HINT = {"need", "requirements", "terms", "notes"}
PLACEHOLDERS = {
    **{name: "YYYY-MM-DD" for name in DATE_FIELDS},
    **{name: "amount, e.g. 12500" for name in MONEY_FIELDS},
    "email": "name@example.com",
    "phone": "+44 20 7946 0000",
}

#: the activities a gate counts, as the blocked-promote form offers them
INTERACTION_KINDS = tuple(kind.value for kind in ActivityKind if kind in INTERACTIONS)

_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DECLARED_PLACEHOLDERS = {"date": "YYYY-MM-DD", "money": "amount, e.g. 12500", "number": "a number"}


class ConflictSeen(LeadboardError):
    """A save refused because a colleague changed the card; ``changed`` holds their values."""

    def __init__(self, conflict: Conflict, changed: dict[str, Any]):
        super().__init__(
            f"{conflict} Your values are kept: save again to write them over it, or Esc to leave."
        )
        self.conflict = conflict
        self.changed = changed


@dataclass
class FormValues:
    """What the user typed, as text (blank means "no value")."""

    fields: dict[str, str]
    #: (kind, summary) when the form asks for an activity
    activity: tuple[str, str] | None = None

    def changed(self, before: dict[str, Any]) -> dict[str, str]:
        """Only the fields whose text differs from what the form was filled with."""
        return {name: value for name, value in self.fields.items() if value != form_text(before.get(name))}


Saver = Callable[[FormValues], Any | Awaitable[Any]]


class CardForm(Dialog[Any]):
    """Fields of a card; dismissed with whatever ``save`` returned, or None on cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, title: str, fields: Sequence[str], values: dict[str, Any], save: Saver, *,
                 intro: Iterable[Text] = (), required: Iterable[str] = (), activity: bool = False,
                 save_label: str = "Save", declared: Mapping[str, DeclaredField] | None = None) -> None:
        super().__init__()
        #: the team's own fields (the rules file's), by name
        self.declared = declared or {}
        self.form_title = title
        self.field_names = tuple(fields)
        self.values = values
        self.save = save
        self.intro = list(intro)
        self.required = set(required)
        self.asks_activity = activity
        self.save_label = save_label

    def compose(self) -> ComposeResult:
        with dialog_box(self.form_title, f"Tab next · Enter {self.save_label.lower()} · Esc cancel"):
            # why a move is blocked stays in view above the fields as they scroll (inside the
            # list, Textual scrolled it away as the first field took the focus)
            if self.intro:
                yield Static(Text("\n").join(self.intro), classes="intro", id="intro")
            # the fields scroll to whichever has the focus: the list itself is no stop on the Tab
            # round, where letters typed after a Shift+Tab from the first field would vanish
            with VerticalScroll(id="fields", can_focus=False):
                fields = [labelled(self._editor(name), self._label(name), required=name in self.required)
                          for name in self.field_names]
                if self.asks_activity:
                    fields.append(labelled(Choice(INTERACTION_KINDS, ActivityKind.CALL.value, blank=False,
                                                  id="activity-kind"), "Activity (the gate wants one logged)",
                                           required=True))
                    fields.append(Input(placeholder="What happened, in a few words", id="activity-summary"))
                if fields:
                    self.opens_focused(fields[0])
                yield from fields

    def _key(self, name: str) -> str:
        """A field's part of its widgets' ids: its name, or its place for a declared field whose
        name (a column's, say) is no id."""
        if _ID.match(name):
            return name
        return f"n{self.field_names.index(name)}" if name in self.field_names else "unknown"

    def _label(self, name: str) -> str:
        declared = self.declared.get(name)
        return FIELD_LABELS.get(name, name) if declared is None else declared.label

    def _editor(self, name: str) -> Input:
        value = form_text(self.values.get(name))
        declared = self.declared.get(name)
        choices: Sequence[str] | None = None
        if declared is not None:
            if declared.type in ("choice", "yes/no"):
                choices = declared.choices or ("yes", "no")
            placeholder = _DECLARED_PLACEHOLDERS.get(declared.type, "")
        else:
            if name in CHOICE_FIELDS or name in BOOL_FIELDS:
                choices = CHOICE_FIELDS.get(name) or ("yes", "no")
            placeholder = PLACEHOLDERS.get(name, "")
        if choices is not None:
            return Choice([str(choice) for choice in choices], value, id=f"field-{self._key(name)}")
        # not selected on focus: one stray letter typed ahead must not wipe a name. "-valid" is the
        # class an Input without validators gives itself as its value is set: added then, it would
        # restyle the input once more before it is even mounted
        return Input(value=value, placeholder=placeholder, id=f"field-{self._key(name)}", select_on_focus=False,
                     classes="-valid")

    # ---- reading what was typed --------------------------------------------------------------

    def typed(self) -> FormValues:
        fields: dict[str, str] = {}
        for name in self.field_names:
            fields[name] = self.query_one(f"#field-{self._key(name)}", Input).value
        activity = None
        if self.asks_activity:
            kind, summary = self.query_one("#activity-kind", Choice), self.query_one("#activity-summary", Input)
            activity = (kind.value, summary.value)
        return FormValues(fields, activity)

    # ---- saving ------------------------------------------------------------------------------

    def changed(self) -> bool:
        """Whether anything was typed or chosen since the form opened."""
        values = self.typed()
        return bool(values.changed(self.values)) or bool(values.activity and values.activity[1].strip())

    def action_cancel(self) -> None:
        """Esc: a form with changes asks before throwing them away."""
        if not self.changed():
            self.dismiss(None)
            return
        question = ConfirmModal("Throw away your changes?", [Text("Nothing has been saved.")],
                                yes="Throw away", no="Keep editing")
        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(question, answered)

    def action_save(self) -> None:
        self._save()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self._save()

    @work(exclusive=True, group="save")
    async def _save(self) -> None:
        values = self.typed()
        self.clear_problems()
        if values.activity is not None and not values.activity[1].strip():
            await self.show_problem("Say in a few words what happened (activity).", {"activity": "is required"})
            return
        try:
            result = self.save(values)
            if inspect.isawaitable(result):
                result = await result
        except ConflictSeen as seen:
            await self.show_problem(str(seen), {name: f"now: {display_text(value) or '(empty)'}"
                                                for name, value in seen.changed.items()}, note=True)
            return
        except InvalidInput as error:
            await self.show_problem("Please fix the marked fields; nothing was saved.", error.errors or {})
            return
        except GateBlocked as blocked:
            errors = {name: safe(f.message) for f in blocked.failures if f.blocking for name in f.fields}
            await self.show_problem(str(blocked) + " Nothing was saved.", errors)
            return
        except LeadboardError as error:
            await self.show_problem(safe(error), {})
            return
        if result is not None:  # None: the user stepped back (declined the warnings)
            self.dismiss(result)

    def clear_problems(self) -> None:
        for problem in self.query("#problem"):
            problem.remove_class("shown")
        for error in self.query(".field-error"):
            error.remove_class("shown")
        for editor in self.query(".-invalid"):
            editor.remove_class("-invalid")

    async def _error_line(self, name: str, editor: Widget) -> Static:
        """The shown line under a field that says what is wrong with it: added the first time it
        is needed (a form opens faster without twenty empty lines), hidden again by the next save."""
        lines = self.query(f"#error-{name}")
        if lines:
            return lines.first(Static).add_class("shown")
        line = Static(id=f"error-{name}", classes="field-error shown")
        await self.query_one("#fields").mount(line, after=editor)
        return line

    def _show_field(self, editor: Widget, line: Static) -> None:
        """Scroll the form so ``editor`` and its error ``line`` below it are both in view."""
        fields = self.query_one("#fields")
        fields.scroll_to_region(editor.virtual_region.union(line.virtual_region), animate=False, immediate=True)

    async def show_problem(self, message: str, errors: dict[str, str], note: bool = False) -> None:
        problem = await problem_line(self, before="#fields")
        problem.update(Text(safe(message)))
        problem.add_class("shown")
        problem.set_class(note, "note")
        first: tuple[Widget, Static] | None = None
        for name, text in errors.items():
            editors = self.query("#activity-summary" if name == "activity" else f"#field-{self._key(name)}")
            if not editors:
                continue
            editor = editors.first()
            line = await self._error_line(self._key(name), editor)
            line.update(Text(f"{self._label(name)}: {safe(text)}" if not note else safe(text)))
            editor.set_class(not note, "-invalid")
            first = first or (editor, line)
        if first is not None:
            editor, line = first
            editor.focus(scroll_visible=False)
            # the field and the line saying what is wrong, once the problem and error lines have
            # taken their room (scrolling at once would use the layout from before them)
            self.call_after_refresh(self._show_field, editor, line)
