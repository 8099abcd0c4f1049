"""Enter as the order-entry desks use it: move to the next field, never send. Sending takes a second,
deliberate key (Ctrl+Enter) or a click."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def is_enter(event: QKeyEvent) -> bool:
    return event.key() in ENTER_KEYS


def is_send(event: QKeyEvent) -> bool:
    """Ctrl+Enter."""
    return is_enter(event) and bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)


def focus_next(chain: Sequence[QWidget]) -> bool:
    """Focus the field after the one holding the focus (a line edit gets its text selected, ready to be
    typed over); False when the focus is on the last field (or outside the chain and the chain is empty)."""
    focused = QApplication.focusWidget()
    while focused is not None and focused not in chain:
        focused = focused.parentWidget()
    at = list(chain).index(focused) if focused is not None else -1
    if at + 1 >= len(chain):
        return False
    following = chain[at + 1]
    following.setFocus(Qt.FocusReason.TabFocusReason)
    if isinstance(following, QLineEdit):
        following.selectAll()
    return True
