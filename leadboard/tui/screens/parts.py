"""The parts dialogs are made of, made with as few widgets and style passes as they can be: a
dialog opens in the time Textual takes to mount and style its widgets."""

from __future__ import annotations

from typing import TypeVar

from rich.text import Text
from textual import events
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button

Editor = TypeVar("Editor", bound=Widget)
Result = TypeVar("Result")


class Dialog(ModalScreen[Result]):
    """A modal screen that is not restyled as it is first shown. Textual restyles a screen each
    time it is shown (``ScreenResume``), to catch up with what changed while it was covered; a
    dialog just pushed was styled as its widgets were mounted, and styling them all a second time
    took as long again (it also ran after the dialog was painted, holding up the first keys typed
    into it). Shown again after a dialog over it closes, it is restyled as Textual does."""

    _covered = False

    def on_screen_suspend(self) -> None:
        self._covered = True

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._covered:
            event.refresh_styles = False


def dialog_button(label: str, id: str, *, primary: bool = False) -> Button:
    """A button made with the classes Textual's ``Button`` gives itself as it is created (its
    variant's and its default look's): added one at a time afterwards, each restyles the button
    before it is even mounted, three style passes that were a tenth of opening a small form."""
    classes = "-style-default -primary" if primary else "-style-default"
    return Button(label, "primary" if primary else "default", id=id, classes=classes)


def labelled(editor: Editor, label: str, *, required: bool = False) -> Editor:
    """``editor`` (an input or a choice) with its label on the line above what is typed: the
    title of its own top border (``.field`` in the stylesheet), so a field is one widget, not a
    label and an editor (the labels were a third of the widgets of a form of twenty fields).
    The label is plain text, never markup."""
    editor.border_title = Text(label + (" *" if required else ""))
    editor.add_class("field", "required" if required else "optional", update=False)
    return editor
