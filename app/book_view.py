"""Our own working orders on the book ladder: the engine's live children of the shown symbol, as marks.

A child event marks the ladder's orders stale; a timer (the ladder's repaint rate) reads them again from the
order store's live-child index (`engine.book_views.working_orders`), only for the symbol on screen, so a burst
of fills costs one read per tick. The ladder's venue toggle lists the engine's venues, dark ones flagged.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from app.timers import start_timer
from app.venue_view import dark_venues
from engine import events as ev
from engine.book_views import working_orders
from engine.engine import Engine
from engine.model import Side
from widgets.book_ladder import BookLadder, Mark
from widgets.main_window import MainWindow

REFRESH_MS = 200


class OwnOrdersOnBook(QObject):
    """Feeds the ladder our working children of the symbol it shows."""

    def __init__(self, engine: Engine, window: MainWindow, *, refresh_ms: int = REFRESH_MS) -> None:
        super().__init__(window)
        self.engine = engine
        self.book: BookLadder = window.book
        self.book.set_venues([str(v) for v in engine.venues], dark_venues(engine))
        self._stale = True
        self._unsubscribe = engine.subscribe(self._on_event)
        self.book.shown_changed.connect(self._on_symbol)
        self._timer = start_timer(self, refresh_ms, self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Hand the ladder our orders of its symbol, if a child changed since the last time."""
        if not self._stale:
            return
        self._stale = False
        symbol = self.book.shown_symbol
        if symbol:
            self.book.set_own_orders(symbol, [
                Mark(str(o.venue), o.side is Side.BUY, o.price, o.leaves_qty)
                for o in working_orders(self.engine.store, symbol)
            ])

    def close(self) -> None:
        self._timer.stop()
        self._unsubscribe()

    def _on_symbol(self, _symbol: str) -> None:
        self._stale = True
        self.refresh()

    def _on_event(self, event: ev.Event) -> None:
        if not self._stale and hasattr(event, "child_id"):
            self._stale = True
