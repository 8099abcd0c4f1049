"""The status bar: market clock, venue connections, journal path, engine events/s, loop lag, last error."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QStatusBar, QWidget

from widgets.formatting import time_of_day

LAG_WARN_MS = 100.0
"""Loop lag above this is shown as a warning: the GUI is about to feel sluggish."""


def _restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class StatusBar(QStatusBar):
    """Permanent indicators on the right, the last error on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.last_error = QLabel("", self)
        self.last_error.setObjectName("lastError")
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
        self.addWidget(self.last_error, 1)
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

    def set_error(self, message: str) -> None:
        """Show the last error until cleared or replaced (full text in the tooltip)."""
        self.last_error.setText(message)
        self.last_error.setToolTip(message)

    def clear_error(self) -> None:
        self.set_error("")
