"""The parts dialogs are made of, made with as few widgets and style passes as they can be: a
dialog opens in the time Textual takes to mount and style its widgets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from weakref import WeakSet

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Region, Size
from textual.renderables.background_screen import BackgroundScreen
from textual.screen import ModalScreen, Screen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Button, Input, Static

if TYPE_CHECKING:
    from typing import Self

Editor = TypeVar("Editor", bound=Widget)
Result = TypeVar("Result")


class StyledOnce:
    """A screen that is not restyled as it is first shown. Textual restyles a screen each time it
    is shown (``ScreenResume``), to catch up with what changed while it was covered; a screen just
    pushed was styled as its widgets were mounted, and styling them all a second time took as long
    again (for a dialog it also ran after the dialog was painted, holding up the first keys typed
    into it; for the board, a third of the style passes before its first paint). Shown again after
    a screen over it closes, it is restyled as Textual does."""

    _covered = False

    def on_screen_suspend(self) -> None:
        self._covered = True

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._covered:
            event.refresh_styles = False


if TYPE_CHECKING:
    _Screen = Screen[Any]
else:
    _Screen = object


class KeepsLayout(_Screen):
    """A screen not laid out again when a dialog opens over it. Textual gives a screen just pushed
    the terminal's size, and lays out every screen below it again too, as if the terminal had been
    resized: for the board, a layout and a full repaint, a third of opening a dialog over it. At
    another size (the terminal was resized) it is laid out as Textual does."""

    def _screen_resized(self, size: Size) -> None:
        if size != self._size:
            super()._screen_resized(size)


class Dialog(StyledOnce, ModalScreen[Result]):
    """A modal screen, restyled only when shown again (``StyledOnce``), whose app has learnt the
    dialogs' styles; the field it marks ``opens_focused`` has the focus as it opens, and the screen
    behind it shows through as ``Behind`` draws it."""

    def __init__(self) -> None:
        super().__init__()
        learn_dialog_styles(self.app)
        self._opens_focused: Widget | None = None
        self._behind: Behind | None = None

    def opens_focused(self, editor: Editor) -> Editor:
        """``editor``, the field that has the focus as the dialog opens, styled as focused from its
        first style pass: focused once mounted (Textual's ``AUTO_FOCUS``), it was styled twice, as
        Textual restyles a widget that takes the focus, some 5% of opening a form."""
        editor.set_reactive(Widget.has_focus, True)
        self._opens_focused = editor
        return editor

    async def mount_composed_widgets(self, widgets: list[Widget]) -> None:
        await super().mount_composed_widgets(widgets)
        # focused where Textual's auto focus would focus a field, which then leaves it be
        if self._opens_focused is not None:
            self.set_focus(self._opens_focused)

    def render(self) -> RenderableType:
        behind = super().render()
        if not isinstance(behind, BackgroundScreen):
            return behind  # a terminal of the 16 ANSI colours: nothing is drawn behind a dialog
        if self._behind is None:
            self._behind = Behind(behind)
        return self._behind

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        if regions:  # what is behind changed: Textual refreshes the regions of the dialog it shows in
            self._behind = None
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)


class Behind:
    """The screen behind a dialog, as the dialog shows it: its text in one dimmed colour on its
    dimmed background (Textual's ``BackgroundScreen`` tint, of the screen's own colours). Drawn
    once, and again only at another size or when the screen behind changes (``Dialog.refresh``).
    Textual draws the screen behind whenever the dialog is refreshed (three times as a dialog
    opens), each time the board in every colour it has, then cut at every edge of the dialog's
    widgets at every paint: a line of one colour is one piece to cut, and still shows where the
    cards are."""

    def __init__(self, dimmed: BackgroundScreen) -> None:
        self.dimmed = dimmed
        self._drawn: tuple[tuple[int, int | None], list[Segment]] | None = None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> list[Segment]:
        size = (options.max_width, options.height)
        if self._drawn is None or self._drawn[0] != size:
            self._drawn = (size, self._draw(Size(options.max_width, options.height or options.size.height)))
        return self._drawn[1]

    def _draw(self, size: Size) -> list[Segment]:
        screen, tint = self.dimmed.screen, self.dimmed.color
        style = Style(color=(screen.styles.color + tint).rich_color,
                      bgcolor=(screen.styles.background + tint).rich_color)
        drawn: list[Segment] = []
        for line in screen._compositor.render_strips(size):
            drawn += (Segment(line.text, style), Segment.line())
        return drawn[:-1]


#: the apps whose stylesheet has the dialogs' default styles
_learned: WeakSet[App[Any]] = WeakSet()


def learn_dialog_styles(app: App[Any]) -> None:
    """Give ``app``'s stylesheet the default styles of the kinds of widget a dialog has and the
    board has not (a modal screen, a scrolling list of fields) at once, and parse it.
    Added one kind at a time as it is first mounted, each had Textual parse the whole stylesheet
    again: three times, a fifth of opening the first dialog. Once is still some 10 ms, so the app
    does it as soon as the board is painted, not as the first dialog opens. Textual adds a
    widget's default styles itself the same way (``Widget._post_register``)."""
    if app in _learned:
        return
    _learned.add(app)
    stylesheet = app.stylesheet
    for part in (ModalScreen[None](), VerticalScroll()):
        for read_from, css, tie_breaker, scope in part._get_default_css():
            stylesheet.add_source(css, read_from=read_from, is_default_css=True, tie_breaker=tie_breaker, scope=scope)
    stylesheet.rules  # noqa: B018 (parsed now, not as the first dialog is mounted)


def dialog_box(title: Text | str, keys: str) -> Vertical:
    """The ``.dialog`` box a dialog's parts go in, its ``title`` on its top border and its ``keys``
    ("Tab next · Enter save · Esc cancel") on its bottom border, as a field's label is on its
    editor's (``labelled``): a title line and a row of a hint and two buttons were five widgets
    more to mount and style than a bare modal's, the larger part of what a dialog took to open
    beyond it. Enter saves and Esc cancels, as the keys say. Both are plain text, never markup."""
    box = Vertical(classes="dialog")
    box.border_title = title if isinstance(title, Text) else Text(title)
    box.border_subtitle = Text(keys)
    return box


def dialog_button(label: str, id: str, *, primary: bool = False) -> Button:
    """A button made with the classes Textual's ``Button`` gives itself as it is created (its
    variant's and its default look's): added one at a time afterwards, each restyles the button
    before it is even mounted, three style passes that were a tenth of opening a small form."""
    classes = "-style-default -primary" if primary else "-style-default"
    return Button(label, "primary" if primary else "default", id=id, classes=classes)


async def problem_line(dialog: Screen[Any], before: str | None = None) -> Static:
    """The line of ``dialog`` that says why a save failed (``#problem``): mounted in its ``.dialog``
    box, before ``before`` (or last), the first time there is something to say (a dialog opens faster
    without an empty line it may never need), then the same line again. Returns once it is
    mounted, so what scrolls to a field after it knows where the field is."""
    lines = dialog.query("#problem")
    if lines:
        return lines.first(Static)
    line = Static(id="problem", classes="problem")
    await dialog.query_one(".dialog").mount(line, before=before)
    return line


def labelled(editor: Editor, label: str, *, required: bool = False) -> Editor:
    """``editor`` (an input or a choice) with its label on the line above what is typed: the
    title of its own top border (``.field`` in the stylesheet), so a field is one widget, not a
    label and an editor (the labels were a third of the widgets of a form of twenty fields).
    The label is plain text, never markup."""
    editor.border_title = Text(label + (" *" if required else ""))
    editor.add_class("field", "required" if required else "optional", update=False)
    return editor


class Choice(Input):
    """A field holding one of a few values (a card's kind, yes/no, an activity's kind, a team's
    declared choice): an input that only ever holds one of its ``choices``, or nothing when it may
    be left ``blank``. One widget, typed into like the form's other fields: Textual's ``Select`` is
    six widgets and an overlay list a field, and a form's few choices made it open twice as slowly
    as the same form of inputs.

    Typing picks the first choice that starts with what was typed (``c`` company, ``d`` dropped),
    the rest of it shown as a suggestion; a letter that starts no choice from there picks the next
    choice it starts (``c`` again: the next choice in ``c``), any other key is refused with the
    bell. ←/→ (and ↑/↓) step through the choices, Backspace to the start or Ctrl+U empties a
    choice that may be blank. An empty choice shows its choices as the placeholder; "←/→" on its
    right says how it changes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "step(-1)", "Previous choice", show=False),
        Binding("down", "step(1)", "Next choice", show=False),
    ]
    #: drawn, dimmed, at the right end of the field
    KEYS = " ←/→ "

    def __init__(self, choices: Sequence[str], value: str = "", *, blank: bool = True, id: str | None = None) -> None:
        # a value no longer among the choices (a rules file changed since) is kept as one, so an
        # edit of other fields does not lose it
        self.choices = tuple(choices) if not value or value in choices else (*choices, value)
        self.blank = blank
        super().__init__(value=value, placeholder=" / ".join(self.choices), id=id, select_on_focus=False,
                         classes="-valid")  # the class an input gives itself as its value is set

    def replace(self, text: str, start: int, end: int) -> None:
        """Every edit (a key typed, a paste, a delete) comes here: what is typed up to the cursor
        picks the choice; the cursor stays after what was typed."""
        value = self.value
        start = max(0, min(start, end))
        typed = value[:start] + text
        picked = self._pick(typed) if typed else ("", 0) if self.blank else (value, 0)
        if picked is None and text:
            picked = self._pick(text, after=value)
        if picked is None:
            self.restricted()
            return
        self.value, self.cursor_position = picked

    def _pick(self, typed: str, after: str = "") -> tuple[str, int] | None:
        """The first choice that starts with ``typed`` (the first after ``after``, round the end)."""
        choices = self.choices
        if after in choices:
            index = choices.index(after) + 1
            choices = choices[index:] + choices[:index]
        folded = typed.casefold()
        choice = next((choice for choice in choices if choice.casefold().startswith(folded)), None)
        return None if choice is None else (choice, len(typed))

    def action_step(self, by: int) -> None:
        """The next (``by`` 1) or previous (-1) choice, round the ends (through empty, if it may be)."""
        values = ("", *self.choices) if self.blank else self.choices
        index = values.index(self.value) if self.value in values else -1
        self.value = values[(index + by) % len(values)]
        self.cursor_position = len(self.value)

    def action_cursor_left(self, select: bool = False) -> None:
        self.action_step(-1)

    def action_cursor_right(self, select: bool = False) -> None:
        self.action_step(1)

    @property
    def _value(self) -> Text:
        """The choice, what was not typed of it dimmed as a suggestion while the field has focus."""
        text = super()._value
        if self.has_focus and self.cursor_position < len(self.value):
            text.stylize(self.get_component_rich_style("input--suggestion"), self.cursor_position)
        return text

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        width = self.scrollable_content_region.width
        if y or width <= 2 * len(self.KEYS):
            return line
        style = self.rich_style
        keys = Segment(self.KEYS, style + self.get_component_rich_style("input--placeholder"))
        return Strip.join([line.crop_extend(0, width - len(self.KEYS), style), Strip([keys])])
