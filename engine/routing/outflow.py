"""Queue outflow per venue: the ξ samples of the Cont–Kukanov placement.

ξ_k is what leaves the queue at the best quote of venue k over the horizon T: trades against it and
cancellations. Both are measured, on the clock's grid of windows of length T (window i means the same
instants on every venue, so the scenarios keep the venues' correlation):
- depletion of the best level between two book updates of a venue (its size falling at an unchanged
  price, or the whole level when the price backs off): trades and cancellations together, but adds in
  between can mask some (the books are conflated);
- trade prints initiated against that side (a resting buy's queue is eaten by sell-initiated trades).
A window's outflow is the larger of the two: neither over-counts what left the queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from engine.clock import NS_PER_S
from engine.events import BookUpdated, TradePrinted
from engine.model import Side, Symbol, VenueId

Key = tuple[Symbol, VenueId, Side]  # the resting side whose queue flows out


class OutflowTracker:
    """Outflow per window; `scenarios` gives the last completed windows, aligned across venues."""

    def __init__(self, window_s: float, history: int, min_windows: int) -> None:
        self.window_ns = max(1, int(window_s * NS_PER_S))
        self.history = history
        self.min_windows = min_windows
        self._traded: dict[Key, dict[int, int]] = {}
        self._depleted: dict[Key, dict[int, int]] = {}
        self._touch: dict[Key, tuple[Decimal, int]] = {}
        self._first: dict[Symbol, int] = {}

    def observe_from(self, symbol: Symbol, now_ns: int) -> None:
        """Count windows for `symbol` from the one after `now_ns` (the first whole window we watched)."""
        self._first.setdefault(symbol, now_ns // self.window_ns + 1)

    def on_trade(self, trade: TradePrinted) -> None:
        if trade.aggressor is None:
            return  # which queue it ate is unknown
        self._add(self._traded, (trade.symbol, trade.venue, trade.aggressor.opposite), trade.ts_ns, trade.quantity)

    def on_book(self, book: BookUpdated) -> None:
        for side, levels in ((Side.BUY, book.bids), (Side.SELL, book.asks)):
            key = (book.symbol, book.venue, side)
            before = self._touch.get(key)
            now = (levels[0][0], levels[0][1]) if levels else None
            if now is not None:
                self._touch[key] = now
            else:
                self._touch.pop(key, None)
            if before is None:
                continue
            price, size = before
            backed_off = now is None or (now[0] < price if side is Side.BUY else now[0] > price)
            left = size if backed_off else (size - now[1] if now is not None and now[0] == price else 0)
            if left > 0:
                self._add(self._depleted, key, book.ts_ns, left)

    def _add(self, table: dict[Key, dict[int, int]], key: Key, ts_ns: int, quantity: int) -> None:
        window = ts_ns // self.window_ns
        self._first.setdefault(key[0], window + 1)
        counts = table.setdefault(key, {})
        counts[window] = counts.get(window, 0) + quantity
        if len(counts) > 2 * self.history + 8:
            for old in [w for w in counts if w < window - self.history]:
                del counts[old]

    def scenarios(self, symbol: Symbol, venues: Sequence[VenueId], resting: Side,
                  now_ns: int) -> tuple[tuple[int, ...], ...] | None:
        """One tuple per completed window (outflow at each venue in `venues` order), or None while fewer
        than `min_windows` whole windows have been watched."""
        current = now_ns // self.window_ns
        first = max(self._first.get(symbol, current), current - self.history)
        if current - first < self.min_windows:
            return None
        traded = [self._traded.get((symbol, venue, resting), {}) for venue in venues]
        depleted = [self._depleted.get((symbol, venue, resting), {}) for venue in venues]
        return tuple(tuple(max(t.get(window, 0), d.get(window, 0)) for t, d in zip(traded, depleted, strict=True))
                     for window in range(first, current))

    def rates(self, symbol: Symbol, venues: Sequence[VenueId], resting: Side,
              now_ns: int) -> dict[VenueId, float] | None:
        """Mean outflow per second of each venue's queue over the completed windows (None as `scenarios`)."""
        windows = self.scenarios(symbol, venues, resting, now_ns)
        if windows is None:
            return None
        seconds = len(windows) * self.window_ns / NS_PER_S
        return {venue: sum(w[i] for w in windows) / seconds for i, venue in enumerate(venues)}
