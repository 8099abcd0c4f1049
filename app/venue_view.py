"""The venue panel wired to the engine: venue status as it is reported, the scorecard and FIX sequence
numbers read on a timer.

Status changes come from the engine's `VenueStatusChanged` (the state at start-up from one snapshot). Every
`REFRESH_MS` the scorecard is summed per venue (`engine.venue_views.venue_scores`, a few dozen rows) and each
venue that runs a FIX session is asked its sequence numbers (`SequencedVenue`; an in-process venue shows "—").
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from app.timers import start_timer
from engine import events as ev
from engine.engine import Engine
from engine.venue_views import sequence_numbers, venue_scores
from widgets.formatting import time_of_day
from widgets.main_window import MainWindow
from widgets.venue_panel import VenuePanel

REFRESH_MS = 2_000


def dark_venues(engine: Engine) -> set[str]:
    """The venues the router knows as dark (no displayed book)."""
    facts = engine.router.facts if engine.router is not None else {}
    return {str(venue) for venue, fact in facts.items() if fact.dark}


class VenueView(QObject):
    """Owns the Venues dock (tabbed with the VWAP progress) and keeps it current."""

    def __init__(self, engine: Engine, window: MainWindow, *, refresh_ms: int = REFRESH_MS) -> None:
        super().__init__(window)
        self.engine = engine
        self.panel = VenuePanel()
        self.dock = window.add_right_tab("Venues", self.panel)
        model = self.panel.model
        model.set_venues([str(v) for v in engine.venues], dark_venues(engine))
        for venue, connected in engine.snapshot().venues:
            model.set_status(str(venue), connected)
        self._unsubscribe = engine.subscribe(self._on_event)
        self._timer = start_timer(self, refresh_ms, self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Read the scorecard and the sequence numbers now."""
        model = self.panel.model
        for venue_id, venue in self.engine.venues.items():
            model.set_sequence(str(venue_id), sequence_numbers(venue))
        if self.engine.router is not None:
            model.set_scores({str(v): s for v, s in venue_scores(self.engine.router.scorecard.rows()).items()})
        self.panel.set_refreshed(time_of_day(self.engine.clock.now_ns())[:8])

    def close(self) -> None:
        self._timer.stop()
        self._unsubscribe()

    def _on_event(self, event: ev.Event) -> None:
        if isinstance(event, ev.VenueStatusChanged):
            self.panel.model.set_status(str(event.venue), event.connected, event.detail, event.ts_ns,
                                        degraded=event.degraded)
