"""The status bar: the newest unacknowledged message with the count of alerts waiting, market clock,
venue connections, journal path, engine events/s, loop lag."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QStatusBar, QToolButton, QWidget

from widgets.formatting import time_of_day

LAG_WARN_MS = 100.0
"""Loop lag above this is shown as a warning: the GUI is about to feel sluggish."""


def _restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class ElidedLabel(QLabel):
    """A one-line label that takes the room it is given and cuts its text with "…" (the full text stays in
    `text()` and the tooltip): a long message must never widen the window past the screen."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        self.style().drawItemText(painter, rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                                  self.palette(), self.isEnabled(), shown, self.foregroundRole())


class StatusBar(QStatusBar):
    """Permanent indicators on the right; on the left the alerts button and the newest message."""

    alerts_requested = Signal()
    """The alerts button was clicked: show the alerts panel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.alerts_button = QToolButton(self)
        self.alerts_button.setObjectName("alertsButton")
        self.alerts_button.setToolTip("Warnings and errors not yet acknowledged: click to open the alerts panel")
        self.alerts_button.clicked.connect(self.alerts_requested)
        self.last_error = ElidedLabel("", self)
        self.last_error.setObjectName("lastError")
        """The newest unacknowledged message (named for what it showed first: the last error)."""
        self.journal = QLabel("journal: —", self)
        self.journal.setProperty("role", "muted")
        self.events_rate = QLabel("— ev/s", self)
        self.loop_lag = QLabel("lag —", self)
        self.loop_lag.setObjectName("loopLag")
        self._venue_box = QWidget(self)
        self._venue_layout = QHBoxLayout(self._venue_box)
        self._venue_layout.setContentsMargins(0, 0, 0, 0)
        self._venue_layout.setSpacing(4)
        self.venues: dict[str, QLabel] = {}
        self.clock = QLabel("--:--:--", self)
        self.clock.setObjectName("marketClock")
        self.clock.setToolTip("Market (exchange-local) time")
        self.addWidget(self.alerts_button)
        self.addWidget(self.last_error, 1)
        self.show_alert_summary("", "", 0)
        for widget in (self.journal, self.events_rate, self.loop_lag, self._venue_box, self.clock):
            self.addPermanentWidget(widget)

    def set_clock(self, ns: int) -> None:
        """Exchange-local epoch nanoseconds; shown as the time of day."""
        self.clock.setText(time_of_day(ns)[:8])

    def set_venue(self, name: str, connected: bool, detail: str = "") -> None:
        """Add or update one venue's indicator (green when connected, red when not)."""
        label = self.venues.get(name)
        if label is None:
            label = QLabel(self._venue_box)
            self._venue_layout.addWidget(label)
            self.venues[name] = label
        label.setText(f"● {name}")
        label.setProperty("venue", "up" if connected else "down")
        state = "connected" if connected else "disconnected"
        label.setToolTip(f"{name}: {state}" + (f" — {detail}" if detail else ""))
        _restyle(label)

    def set_journal_path(self, path: str) -> None:
        self.journal.setText(f"journal: {path}")
        self.journal.setToolTip(path)

    def set_events_per_s(self, rate: float) -> None:
        self.events_rate.setText(f"{rate:,.0f} ev/s")

    def set_loop_lag_ms(self, lag_ms: float) -> None:
        self.loop_lag.setText(f"lag {lag_ms:.0f} ms")
        self.loop_lag.setProperty("level", "warn" if lag_ms > LAG_WARN_MS else "ok")
        _restyle(self.loop_lag)

    def show_alert_summary(self, message: str, severity: str, unacknowledged: int) -> None:
        """The newest unacknowledged message ("" for none) and how many warnings and errors wait."""
        self.set_error(message, severity or "error")
        self.alerts_button.setText(f"⚠ {unacknowledged:,} alert{'s' if unacknowledged != 1 else ''}"
                                   if unacknowledged else "Alerts")
        self.alerts_button.setProperty("pending", unacknowledged > 0)
        _restyle(self.alerts_button)

    def set_error(self, message: str, severity: str = "error") -> None:
        """Show one message until replaced (full text in the tooltip), coloured by its severity."""
        self.last_error.setText(message)
        self.last_error.setToolTip(message)
        if self.last_error.property("severity") != severity:
            self.last_error.setProperty("severity", severity)
            _restyle(self.last_error)

    def clear_error(self) -> None:
        self.set_error("")
