"""The venue panel: each venue's connection state, FIX sequence numbers and scorecard, venues across.

It shows what it is given (`widgets.venue_model.VenueModel`); app/venue_view.py feeds it venue status events
as they come and the scorecard on a timer. Repaints are coalesced on the panel's own timer.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from widgets.venue_model import VenueModel

DEFAULT_REDRAW_HZ = 5.0


class VenuePanel(QWidget):
    """A caption with the scorecard's age, then the venues table."""

    def __init__(self, redraw_hz: float = DEFAULT_REDRAW_HZ, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("venuePanel")
        self.model = VenueModel(self)
        self.caption = QLabel("Scorecard: our own flow, past days weighted by age, plus today", self)
        self.caption.setProperty("role", "muted")
        self.caption.setWordWrap(True)
        self.table = QTableView(self)
        self.table.setObjectName("venueTable")
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setMinimumSectionSize(40)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(max(1, round(1000 / redraw_hz)))
        self._timer.timeout.connect(self.flush)
        self._timer.start()

    def set_refreshed(self, text: str) -> None:
        """When the scorecard was last read (market time), shown in the caption."""
        self.caption.setText(f"Scorecard as of {text}: our own flow, past days weighted by age, plus today")

    def flush(self) -> None:
        """Repaint what changed (tests; the timer does it otherwise)."""
        self.model.flush()
