"""The venue panel: each venue's connection state, FIX sequence numbers and scorecard, venues across.

It shows what it is given (`widgets.venue_model.VenueModel`); app/venue_view.py feeds it venue status events
as they come and the scorecard on a timer. Repaints are coalesced on the panel's own timer. A right-click on a
venue's column (or its header) offers "Kill VENUE…": confirmed, with a reason, then `kill_requested`.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import QHeaderView, QLabel, QMenu, QTableView, QVBoxLayout, QWidget

from widgets.display_table import make_display_only
from widgets.scope_kill import ScopeKillPrompt
from widgets.venue_model import VenueModel

DEFAULT_REDRAW_HZ = 5.0


class VenuePanel(QWidget):
    """A caption with the scorecard's age, then the venues table."""

    kill_requested = Signal(str, str)
    """(venue, reason): stop sending to one venue and cancel our orders there, confirmed and with a reason."""

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
        make_display_only(self.table)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setMinimumSectionSize(40)
        self.kill_prompt = ScopeKillPrompt()
        for view in (self.table, self.table.horizontalHeader()):
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(partial(self._menu_at, view))
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

    def venue_menu(self, column: int) -> QMenu | None:
        """The menu for one venue's column (None outside the venues)."""
        venues = self.model.venues()
        if not 0 <= column < len(venues):
            return None
        menu = QMenu(self)
        venue = venues[column]
        menu.addAction(f"Kill {venue}…", partial(self.request_kill, venue))
        return menu

    def request_kill(self, venue: str) -> None:
        """Kill one venue (no new orders there, our working children there canceled) once the trader confirms
        and says why."""
        reason = self.kill_prompt.ask(self, f"Kill venue {venue}")
        if reason is not None:
            self.kill_requested.emit(venue, reason)

    def _menu_at(self, view: QWidget, point: QPoint) -> None:
        header = self.table.horizontalHeader()
        column = header.logicalIndexAt(point) if view is header else self.table.indexAt(point).column()
        menu = self.venue_menu(column)
        if menu is not None:
            menu.exec(view.mapToGlobal(point))
