"""The global kill switch: always visible, confirmed in a modal dialog, its state shown until re-enabled.

The widget only asks; the engine decides. `kill_requested` / `reenable_requested` go out, and the
state shown changes only when the app calls `set_engaged` with the engine's answer.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

Confirm = Callable[[QWidget, str, str], bool]
"""(parent, title, question) -> True to go ahead. The only modal dialog in the application."""

KILL_QUESTION = (
    "Stop all trading?\n\n"
    "New parent orders will be blocked and every working child order will be canceled.\n"
    "Trading stays stopped until someone re-enables it."
)
REENABLE_QUESTION = "Re-enable trading?\n\nNew parent orders will be accepted again."


def ask_with_message_box(parent: QWidget, title: str, question: str) -> bool:
    """Default confirmation: a modal QMessageBox defaulting to No (Enter must not kill by accident)."""
    answer = QMessageBox.warning(
        parent,
        title,
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def _restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class KillSwitch(QWidget):
    """A big red KILL ALL button with a banner showing the kill state."""

    kill_requested = Signal(str)
    """Reason for the kill, confirmed by the trader."""
    reenable_requested = Signal()

    def __init__(self, confirm: Confirm | None = None, operator: str = "trader", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._confirm = confirm or ask_with_message_box
        self._operator = operator
        self._engaged = False
        self.banner = QLabel("", self)
        self.banner.setObjectName("killBanner")
        self.banner.hide()
        self.button = QPushButton("KILL ALL", self)
        self.button.setObjectName("killButton")
        self.button.setProperty("engaged", False)
        self.button.setToolTip("Block new parent orders and cancel every working child order")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.button)
        self.button.clicked.connect(self._on_click)

    @property
    def engaged(self) -> bool:
        return self._engaged

    def set_engaged(self, engaged: bool, detail: str = "") -> None:
        """Show the engine's kill state; it stays on screen until called again with engaged=False."""
        self._engaged = engaged
        if engaged:
            self.banner.setText(f"KILLED — {detail}" if detail else "KILLED")
            self.banner.setProperty("state", "engaged")
            self.banner.show()
            self.button.setText("Re-enable")
            self.button.setToolTip("Allow new parent orders again (asks for confirmation)")
        else:
            self.banner.hide()
            self.banner.setText("")
            self.button.setText("KILL ALL")
            self.button.setToolTip("Block new parent orders and cancel every working child order")
        self.button.setProperty("engaged", engaged)
        self.button.setEnabled(True)
        _restyle(self.button)
        _restyle(self.banner)

    def _on_click(self) -> None:
        if self._engaged:
            if self._confirm(self, "Re-enable trading", REENABLE_QUESTION):
                self.reenable_requested.emit()
            return
        if self._confirm(self, "KILL ALL", KILL_QUESTION):
            self.banner.setText("Kill requested — waiting for the engine")
            self.banner.setProperty("state", "pending")
            self.banner.show()
            _restyle(self.banner)
            self.kill_requested.emit(f"KILL ALL by {self._operator}")
