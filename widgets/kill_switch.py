"""The global kill switch: always visible, confirmed in a modal dialog, its state shown until re-enabled.

The widget only asks; the engine decides. `kill_requested` / `reenable_requested` go out, and the
state shown changes only when the app calls `set_engaged` with the engine's answer.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QMessageBox, QPushButton, QWidget

Confirm = Callable[[QWidget, str, str], bool]
"""(parent, title, question) -> True to go ahead. The only modal dialog in the application."""
AskReason = Callable[[QWidget, str, str], str | None]
"""(parent, title, prompt) -> the typed reason, or None when the trader cancels."""
MAX_REASON_CHARS = 200

KILL_QUESTION = (
    "Stop all trading?\n\n"
    "New parent orders will be blocked and every working child order will be canceled.\n"
    "Trading stays stopped until someone re-enables it."
)
REENABLE_QUESTION = "Re-enable trading?\n\nNew parent orders will be accepted again."
REENABLE_PROMPT = "Why is trading safe again? (journaled with the re-enable)"


def ask_with_input_dialog(parent: QWidget, title: str, prompt: str) -> str | None:
    """Default reason prompt: a QInputDialog line; None when canceled."""
    text, ok = QInputDialog.getText(parent, title, prompt)
    return text if ok else None


def reason_problem(reason: str, action: str = "Re-enable") -> str:
    """Why a reason for `action` is refused ("" when it is fine): empty, or longer than MAX_REASON_CHARS."""
    if not reason.strip():
        return f"{action} needs a reason: nothing was sent"
    if len(reason) > MAX_REASON_CHARS:
        return f"{action} reason is {len(reason)} characters; at most {MAX_REASON_CHARS}: nothing was sent"
    return ""


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
    reenable_requested = Signal(str)
    """Reason for the re-enable, typed by the trader (never empty)."""

    def __init__(self, confirm: Confirm | None = None, operator: str = "trader", parent: QWidget | None = None,
                 ask_reason: AskReason | None = None) -> None:
        super().__init__(parent)
        self._confirm = confirm or ask_with_message_box
        self.ask_reason: AskReason = ask_reason or ask_with_input_dialog
        """Public so the app (or a test) can swap the prompt, like `MainWindow.confirm_close`."""
        self._operator = operator
        self._engaged = False
        self.banner = QLabel("", self)
        self.banner.setObjectName("killBanner")
        self.banner.hide()
        self.notice = QLabel("", self)
        self.notice.setObjectName("killNotice")
        self.notice.hide()
        self.button = QPushButton("KILL ALL", self)
        self.button.setObjectName("killButton")
        self.button.setProperty("engaged", False)
        self.button.setToolTip("Block new parent orders and cancel every working child order")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.notice)
        layout.addWidget(self.button)
        self.button.clicked.connect(self._on_click)

    @property
    def engaged(self) -> bool:
        return self._engaged

    def set_engaged(self, engaged: bool, detail: str = "") -> None:
        """Show the engine's kill state; it stays on screen until called again with engaged=False."""
        self._engaged = engaged
        self._show_notice("")
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
                self._ask_reenable_reason()
            return
        if self._confirm(self, "KILL ALL", KILL_QUESTION):
            self.banner.setText("Kill requested — waiting for the engine")
            self.banner.setProperty("state", "pending")
            self.banner.show()
            _restyle(self.banner)
            self.kill_requested.emit(f"KILL ALL by {self._operator}")

    def _ask_reenable_reason(self) -> None:
        reason = self.ask_reason(self, "Re-enable trading", REENABLE_PROMPT)
        if reason is None:
            return self._show_notice("")
        problem = reason_problem(reason)
        self._show_notice(problem)
        if not problem:
            self.reenable_requested.emit(reason.strip())

    def _show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
