"""The consolidated view of the venues' books: the touch and the levels follow every book update, though
they are kept between updates (algos and the router ask for them many times per update)."""

from __future__ import annotations

from decimal import Decimal

from engine import events as ev
from engine.market import MarketView, Quote, VenueLevel
from engine.model import Symbol, VenueId

AAPL, MSFT = Symbol("AAPL"), Symbol("MSFT")
LIT1, LIT2 = VenueId("LIT1"), VenueId("LIT2")


def book(venue: VenueId, bids: list[tuple[str, int]], asks: list[tuple[str, int]], symbol: Symbol = AAPL,
         ts: int = 1) -> ev.BookUpdated:
    return ev.BookUpdated(ts, venue, symbol, tuple((Decimal(p), q) for p, q in bids),
                          tuple((Decimal(p), q) for p, q in asks))


def test_the_touch_and_the_levels_follow_every_book_update() -> None:
    market = MarketView()
    assert market.quote(AAPL) == Quote(None, 0, None, 0) and market.levels(AAPL, asks=True) == []
    market.on_book(book(LIT1, [("10.00", 100)], [("10.02", 200)]))
    assert market.quote(AAPL) == Quote(Decimal("10.00"), 100, Decimal("10.02"), 200)
    market.on_book(book(LIT2, [("10.00", 300), ("9.99", 50)], [("10.01", 400)]))
    assert market.quote(AAPL) == Quote(Decimal("10.00"), 400, Decimal("10.01"), 400)
    assert market.levels(AAPL, asks=False) == [VenueLevel(LIT2, Decimal("10.00"), 300),
                                               VenueLevel(LIT1, Decimal("10.00"), 100),
                                               VenueLevel(LIT2, Decimal("9.99"), 50)]
    market.on_book(book(LIT2, [], [("10.03", 10)], ts=2))  # LIT2 pulls its bids and backs off its offer
    assert market.quote(AAPL) == Quote(Decimal("10.00"), 100, Decimal("10.02"), 200)
    assert market.levels(AAPL, asks=False) == [VenueLevel(LIT1, Decimal("10.00"), 100)]
    assert [lvl.price for lvl in market.levels(AAPL, asks=True)] == [Decimal("10.02"), Decimal("10.03")]
    market.on_book(book(LIT1, [("5.00", 1)], [("5.01", 1)], symbol=MSFT))  # another symbol changes nothing here
    assert market.quote(AAPL).bid == Decimal("10.00") and market.quote(MSFT).bid == Decimal("5.00")


def test_a_caller_that_changes_the_levels_it_got_changes_nothing_for_the_next() -> None:
    market = MarketView()
    market.on_book(book(LIT1, [("10.00", 100)], [("10.02", 200)]))
    market.levels(AAPL, asks=True).clear()
    assert market.levels(AAPL, asks=True) == [VenueLevel(LIT1, Decimal("10.02"), 200)]
