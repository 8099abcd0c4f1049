"""The desk's hotkeys, in one table: what each does, where it works, and the help overlay (F1 or ?) that
lists exactly this table, so the list shown can never drift from what is bound.

Keys that act on orders work only where the orders are (the blotters), so Delete in a ticket field still
deletes text; the ticket's own keys (Enter, Ctrl+Enter) are handled by the ticket and listed here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QMouseEvent, QShortcut
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

ANYWHERE, BLOTTERS, TICKET = "anywhere", "blotters", "ticket"


@dataclass(frozen=True, slots=True)
class Hotkey:
    """One hotkey: its name (the handler's key), key sequences, what it does and where it works.

    `bound_here`: installed by `install_hotkeys`; False for keys another widget handles (F2 is the main
    window's action, Enter and Ctrl+Enter the ticket's), listed for the overlay only.
    """

    name: str
    keys: tuple[str, ...]
    description: str
    scope: str
    bound_here: bool = True


HOTKEYS: tuple[Hotkey, ...] = (
    Hotkey("help", ("F1", "?"), "Show or hide this list of keys", ANYWHERE),
    Hotkey("new_ticket", ("F2",), "Order ticket, cursor in the symbol", ANYWHERE, bound_here=False),
    Hotkey("buy_ticket", ("F3",), "New buy order in the ticket", ANYWHERE),
    Hotkey("sell_ticket", ("F4",), "New sell order in the ticket", ANYWHERE),
    Hotkey("next_field", ("Return",), "Next field (never sends)", TICKET, bound_here=False),
    Hotkey("send", ("Ctrl+Return",), "Send the order (asks first when large, far from the market or "
           "repeated)", TICKET, bound_here=False),
    Hotkey("cancel_selected", ("Del",), "Cancel the selected parents or tickets (asks first)", BLOTTERS),
    Hotkey("kill_selected", ("Shift+Del",), "Kill the selected parents or tickets: cancel now, no question",
           BLOTTERS),
    Hotkey("pause_resume_selected", ("Ctrl+P",), "Pause the selected running parents, resume the paused ones",
           BLOTTERS),
)
_WHERE = {ANYWHERE: "anywhere", BLOTTERS: "in a blotter", TICKET: "in the ticket"}


def key_text(key: str) -> str:
    """A key sequence as a trader reads it: the platform's text, Return called Enter ("Ctrl+Enter")."""
    text = QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText) or key
    return text.replace("Return", "Enter")


def install_hotkeys(
    scopes: Mapping[str, QWidget], handlers: Mapping[str, Callable[[], object]]
) -> dict[str, list[QShortcut]]:
    """A QShortcut per key of every hotkey bound here, on the widget of its scope (the window for
    ANYWHERE, the blotter tabs for BLOTTERS). A hotkey without a handler is an error: the overlay would
    list a key that does nothing."""
    installed: dict[str, list[QShortcut]] = {}
    for hotkey in HOTKEYS:
        if not hotkey.bound_here:
            continue
        handler = handlers.get(hotkey.name)
        if handler is None:
            raise KeyError(f"hotkey {hotkey.name!r} ({', '.join(hotkey.keys)}) has no handler")
        owner = scopes[hotkey.scope]
        context = (Qt.ShortcutContext.WindowShortcut if hotkey.scope == ANYWHERE
                   else Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcuts = []
        for key in hotkey.keys:
            shortcut = QShortcut(QKeySequence(key), owner)
            shortcut.setContext(context)
            shortcut.activated.connect(lambda h=handler: h())
            shortcuts.append(shortcut)
        installed[hotkey.name] = shortcuts
    return installed


class HotkeyHelp(QFrame):
    """The overlay listing every hotkey over the window below `keep_clear` (the toolbar: the kill switch
    stays in reach); Esc, F1, ? or a click closes it."""

    def __init__(self, window: QWidget, keep_clear: QWidget | None = None) -> None:
        super().__init__(window)
        self._keep_clear = keep_clear
        self.setObjectName("hotkeyHelp")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        panel = QFrame(self)
        panel.setObjectName("hotkeyPanel")
        grid = QGridLayout(panel)
        title = QLabel("Keys", panel)
        title.setObjectName("hotkeyTitle")
        grid.addWidget(title, 0, 0, 1, 3)
        self.rows: list[tuple[str, str, str]] = []
        for row, hotkey in enumerate(HOTKEYS, start=1):
            keys = " or ".join(key_text(key) for key in hotkey.keys)
            cells = (keys, hotkey.description, _WHERE[hotkey.scope])
            self.rows.append(cells)
            for column, text in enumerate(cells):
                label = QLabel(text, panel)
                label.setProperty("role", ("hotkey", "", "muted")[column])
                grid.addWidget(label, row, column)
        hint = QLabel("Esc, F1 or a click closes this list", panel)
        hint.setProperty("role", "muted")
        grid.addWidget(hint, len(HOTKEYS) + 1, 0, 1, 3)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(panel, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        window.installEventFilter(self)
        self.hide()

    def toggle(self) -> None:
        """Show the list over the window, or hide it."""
        if self.isVisible():
            self.hide()
            return
        self._cover()
        self.raise_()
        self.show()
        self.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F1, Qt.Key.Key_Question):
            self.hide()
            event.accept()
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.hide()
        event.accept()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self._cover()
        return False

    def _cover(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        area = parent.rect()
        clear = self._keep_clear
        if clear is not None and clear.isVisible():
            area.setTop(clear.geometry().bottom() + 1)
        self.setGeometry(area)
