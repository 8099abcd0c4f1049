"""The recorded book at the replay cursor, as we would have seen it after our own trades.

Prices are LOBSTER integers (USD x 10000); `direction` is the side of the resting orders: +1 bids,
-1 asks (a buy child rests at +1 and takes from -1).

Depletion ledger: shares we took from a recorded level (or that our resting orders traded against)
are still shown by the recording, which knows nothing of us. The ledger remembers them per
(direction, price) and subtracts them from the displayed size until recorded events refresh the
level: after every recorded cancel, delete or execution at that price the entry is capped at the
level's new displayed size (0 when the level is gone), because the orders we consumed cannot be
more than what the recording still shows. Recorded executions at the level therefore do not give our
shares back (someone else's trade would have hit the next order in the queue), while a level that
empties and refills starts fresh. A level outside the recorded depth keeps its entry unchanged.
"""

from __future__ import annotations

import numpy as np

from engine.marketdata.lobster import LobsterDay

BID = 1
ASK = -1


class ReplayBook:
    """Recorded depth at the cursor row minus the depletion ledger."""

    __slots__ = ("_cached", "_cached_row", "_rows", "ledger", "levels", "row")

    def __init__(self, day: LobsterDay) -> None:
        # one interleaved row per message (the file's own layout): one tolist() per book read
        self._rows = np.stack([day.ask_price, day.ask_size, day.bid_price, day.bid_size], axis=2).reshape(
            day.rows, 4 * day.levels
        )
        self._cached_row = -1
        self._cached: tuple[list[tuple[int, int]], list[tuple[int, int]]] = ([], [])
        self.levels = day.levels
        self.row = -1
        """Index of the last recorded message applied; -1 before the first (empty book)."""
        self.ledger: dict[tuple[int, int], int] = {}

    def recorded(self, direction: int) -> list[tuple[int, int]]:
        """Non-empty recorded levels (price, size) of one side, best first (empty levels have size 0)."""
        row = self.row
        if row < 0:
            return []
        if row != self._cached_row:
            cells = self._rows[row].tolist()
            width = len(cells)
            asks = [(cells[i], cells[i + 1]) for i in range(0, width, 4) if cells[i + 1] > 0]
            bids = [(cells[i + 2], cells[i + 3]) for i in range(0, width, 4) if cells[i + 3] > 0]
            self._cached_row, self._cached = row, (bids, asks)
        return self._cached[0] if direction == BID else self._cached[1]

    def displayed(self, direction: int, price: int) -> int | None:
        """Recorded size at `price` on one side; 0 if inside the recorded depth but absent, None if
        beyond the recorded depth (unknown)."""
        levels = self.recorded(direction)
        for level_price, size in levels:
            if level_price == price:
                return size
        if len(levels) < self.levels:
            return 0
        worst = levels[-1][0]
        beyond = price < worst if direction == BID else price > worst
        return None if beyond else 0

    def available(self, direction: int) -> list[tuple[int, int]]:
        """Levels (price, size) we could still trade against: recorded minus the ledger, best first."""
        levels = self.recorded(direction)
        if not self.ledger:
            return levels
        ledger = self.ledger
        out = []
        for price, size in levels:
            left = size - ledger.get((direction, price), 0)
            if left > 0:
                out.append((price, left))
        return out

    def best(self, direction: int) -> int | None:
        levels = self.available(direction)
        return levels[0][0] if levels else None

    def take(self, direction: int, quantity: int, limit: int | None) -> list[tuple[int, int]]:
        """Walk the available levels of `direction` (asks for a buy) up to `limit`, never more than is
        shown; record what we took in the ledger. Returns (price, shares) per level touched."""
        fills = []
        remaining = quantity
        for price, size in self.available(direction):
            if remaining <= 0:
                break
            if limit is not None and (price > limit if direction == ASK else price < limit):
                break
            shares = min(size, remaining)
            self.consume(direction, price, shares)
            fills.append((price, shares))
            remaining -= shares
        return fills

    def consume(self, direction: int, price: int, shares: int) -> None:
        """Mark recorded shares at a level as used by us."""
        key = (direction, price)
        self.ledger[key] = self.ledger.get(key, 0) + shares

    def refresh(self, direction: int, price: int) -> None:
        """A recorded cancel/delete/execution touched this level: cap its ledger entry."""
        key = (direction, price)
        taken = self.ledger.get(key)
        if taken is None:
            return
        shown = self.displayed(direction, price)
        if shown is None:
            return
        if shown < taken:
            if shown == 0:
                del self.ledger[key]
            else:
                self.ledger[key] = shown
