"""The parts dialogs are made of, made with as few widgets and style passes as they can be: a
dialog opens in the time Textual takes to mount and style its widgets."""

from __future__ import annotations

from typing import TypeVar

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Button

Editor = TypeVar("Editor", bound=Widget)


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
