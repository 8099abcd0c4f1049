"""A time-of-day field where select-all works: Ctrl+A (or a click-and-drag over the whole time) then
typing replaces the time, as in any other field.

QTimeEdit edits one section at a time: with the whole text selected it ignores digits, so a trader who
selects everything and types 10:30 gets nothing. Here a digit typed over a selection spanning more than
one section starts a new time from the hour (the rest reads 00 until typed).
"""

from __future__ import annotations

from PySide6.QtCore import QTime
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QTimeEdit, QWidget

DISPLAY_FORMAT = "HH:mm:ss"


class TimeField(QTimeEdit):
    """HH:mm:ss; select-all then type replaces the whole time."""

    def __init__(self, time: QTime | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat(DISPLAY_FORMAT)
        if time is not None:
            self.setTime(time)

    def whole_text_selected(self) -> bool:
        """True when the selection spans more than one section (e.g. after Ctrl+A)."""
        edit = self.lineEdit()
        selected = edit.selectedText() if edit is not None else ""
        return len(selected) > 2 and ":" in selected

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.text().isdigit() and self.whole_text_selected():
            self.setTime(QTime(0, 0))
            self.setSelectedSection(QTimeEdit.Section.HourSection)
        super().keyPressEvent(event)
