"""The engine's view of the market: latest book per venue, consolidated quotes, traded volume/VWAP.

Fed only by venue market data; algos and the router read it. Cumulative volume and notional per
symbol let anyone compute volume and VWAP over [t0, now] as a difference of two marks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from engine.events import BookUpdated, TradePrinted
from engine.model import Symbol, VenueId
from engine.quick_init import quick_init

_TWO = Decimal(2)


@quick_init
@dataclass(frozen=True, slots=True)
class Quote:
    """Consolidated top of book across lit venues."""

    bid: Decimal | None
    bid_size: int
    ask: Decimal | None
    ask_size: int

    @property
    def mid(self) -> Decimal | None:
        if self.bid is None or self.ask is None:
            return None
        return (self.bid + self.ask) / _TWO


@quick_init
@dataclass(frozen=True, slots=True)
class VolumeMark:
    """Cumulative traded volume and notional of a symbol at some instant."""

    volume: int
    notional: Decimal


@dataclass(frozen=True, slots=True)
class VenueLevel:
    venue: VenueId
    price: Decimal
    size: int


class MarketView:
    """Latest books and cumulative trade statistics, per symbol."""

    def __init__(self) -> None:
        self._books: dict[Symbol, dict[VenueId, BookUpdated]] = {}
        self._volume: dict[Symbol, int] = {}
        self._notional: dict[Symbol, Decimal] = {}
        self._quotes: dict[Symbol, Quote] = {}  # the consolidated touch since the symbol's last book update
        self._levels: dict[tuple[Symbol, bool], tuple[VenueLevel, ...]] = {}  # likewise, every level of a side
        self.last_update_ns = 0

    def on_book(self, book: BookUpdated) -> None:
        self._books.setdefault(book.symbol, {})[book.venue] = book
        self._quotes.pop(book.symbol, None)
        self._levels.pop((book.symbol, False), None)
        self._levels.pop((book.symbol, True), None)
        self.last_update_ns = book.ts_ns

    def on_trade(self, trade: TradePrinted) -> None:
        self._volume[trade.symbol] = self._volume.get(trade.symbol, 0) + trade.quantity
        self._notional[trade.symbol] = self._notional.get(trade.symbol, Decimal(0)) + trade.price * trade.quantity

    def books(self, symbol: Symbol) -> Mapping[VenueId, BookUpdated]:
        return self._books.get(symbol, {})

    def quote(self, symbol: Symbol) -> Quote:
        """The consolidated best bid and offer with the size shown at each (kept until the next book update)."""
        found = self._quotes.get(symbol)
        if found is None:
            found = self._quotes[symbol] = self._consolidate(symbol)
        return found

    def _consolidate(self, symbol: Symbol) -> Quote:
        bid: Decimal | None = None
        ask: Decimal | None = None
        bid_size = ask_size = 0
        for book in self._books.get(symbol, {}).values():
            if book.bids:
                price, size = book.bids[0]
                if bid is None or price > bid:
                    bid, bid_size = price, size
                elif price == bid:
                    bid_size += size
            if book.asks:
                price, size = book.asks[0]
                if ask is None or price < ask:
                    ask, ask_size = price, size
                elif price == ask:
                    ask_size += size
        return Quote(bid, bid_size, ask, ask_size)

    def mid(self, symbol: Symbol) -> Decimal | None:
        return self.quote(symbol).mid

    def levels(self, symbol: Symbol, *, asks: bool) -> list[VenueLevel]:
        """Every displayed level on one side across venues, best price first (ties: larger size first)."""
        found = self._levels.get((symbol, asks))
        if found is None:
            found = self._levels[(symbol, asks)] = tuple(self._sort_levels(symbol, asks))
        return list(found)

    def _sort_levels(self, symbol: Symbol, asks: bool) -> list[VenueLevel]:
        found = [
            VenueLevel(venue, price, size)
            for venue, book in self._books.get(symbol, {}).items()
            for price, size in (book.asks if asks else book.bids)
            if size > 0
        ]
        found.sort(key=lambda lvl: (lvl.price if asks else -lvl.price, -lvl.size, lvl.venue))
        return found

    def mark(self, symbol: Symbol) -> VolumeMark:
        return VolumeMark(self._volume.get(symbol, 0), self._notional.get(symbol, Decimal(0)))

    def volume_since(self, symbol: Symbol, start: VolumeMark) -> tuple[int, Decimal | None]:
        """Market volume and VWAP traded since `start` was taken."""
        now = self.mark(symbol)
        volume = now.volume - start.volume
        if volume <= 0:
            return 0, None
        return volume, (now.notional - start.notional) / volume
