"""The restart notice: after the app comes back on a journal, what came back and in what state.

Non-modal (the engine keeps running behind it); the text can be selected and copied.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget


class RestartNotice(QDialog):
    """Title line, then one line per parent / child order, and an OK button."""

    def __init__(self, title: str, lines: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RestartNotice")
        self.setWindowTitle("Restart notice")
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        self.title = QLabel(title)
        self.title.setWordWrap(True)
        self.title.setObjectName("RestartNoticeTitle")
        layout.addWidget(self.title)
        self.details = QPlainTextEdit("\n".join(lines))
        self.details.setReadOnly(True)
        self.details.setMinimumSize(520, 220)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)

    @property
    def text(self) -> str:
        return f"{self.title.text()}\n{self.details.toPlainText()}"
