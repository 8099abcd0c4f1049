"""The replay venue on the recorded LOBSTER sample days (skipped when ../shared/data is absent)."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from typing import Any

import numpy as np

from engine.clock import VirtualClock
from engine.events import BookUpdated, ChildCanceled, ChildFilled, ChildSubmitted, TradePrinted
from engine.marketdata.lobster import NS_PER_SECOND, LobsterDay, load_symbol_day, lobster_price
from engine.model import ChildId, OrdType, ParentId, Side, Symbol, TimeInForce, VenueId
from engine.venues.replay import ReplayVenue
from tests.engine.marketdata.realdata import require_symbol_day
from tests.engine.venues.replay.harness import Recorder

TEN_AM = 10 * 3600 * NS_PER_SECOND


def _venue(day: LobsterDay, start_tod_ns: int) -> tuple[VirtualClock, ReplayVenue, Recorder]:
    clock = VirtualClock(day.symbol_day.midnight_epoch_ns + start_tod_ns)
    venue = ReplayVenue(clock, day)
    listener = Recorder()
    venue.connect(listener)
    return clock, venue, listener


def _order(
    clock: VirtualClock, cid: str, symbol: str, side: Side, quantity: int, price: str | None, tif: TimeInForce
) -> ChildSubmitted:
    return ChildSubmitted(
        clock.now_ns(),
        ChildId(cid),
        ParentId("P"),
        VenueId("REPLAY"),
        Symbol(symbol),
        side,
        quantity,
        None if price is None else Decimal(price),
        OrdType.MARKET if price is None else OrdType.LIMIT,
        tif,
    )


def test_a_full_recorded_day_prints_every_execution_once() -> None:
    day = load_symbol_day(require_symbol_day("AAPL", "2012-06-21"))
    clock, venue, listener = _venue(day, day.symbol_day.session_start_ns)
    clock.run_until(day.symbol_day.midnight_epoch_ns + day.symbol_day.session_end_ns)
    prints = listener.of(TradePrinted)
    assert venue.events_replayed == day.rows == 118_497
    assert len(prints) == 34_990 and sum(p.quantity for p in prints) == 2_850_140
    books = listener.of(BookUpdated)
    assert all(b.ts_ns - a.ts_ns >= 100_000_000 for a, b in pairwise(books[1:]))


def test_a_market_order_on_the_recorded_book_takes_exactly_the_displayed_depth() -> None:
    day = load_symbol_day(require_symbol_day("AMZN", "2012-06-21"))
    clock, venue, listener = _venue(day, TEN_AM)
    row = int(np.searchsorted(day.time_ns, TEN_AM, side="right")) - 1
    shown = [
        (lobster_price(int(p)), int(s)) for p, s in zip(day.ask_price[row], day.ask_size[row], strict=True) if s > 0
    ]
    venue.submit(_order(clock, "M1", "AMZN", Side.BUY, 1_000_000, None, TimeInForce.IOC))
    clock.advance(0)
    fills = [(f.price, f.quantity) for f in listener.of(ChildFilled, "M1")]
    assert fills == shown  # every displayed level, at its price and size, nothing more
    assert listener.of(ChildCanceled, "M1")


def _scripted(day: LobsterDay) -> list[str]:
    clock, venue, listener = _venue(day, TEN_AM)
    book = listener.of(BookUpdated)[-1]
    venue.submit(_order(clock, "P1", "AMZN", Side.BUY, 300, str(book.bids[0][0]), TimeInForce.DAY))
    clock.advance(60 * NS_PER_SECOND)
    venue.submit(_order(clock, "A1", "AMZN", Side.SELL, 200, None, TimeInForce.IOC))
    clock.advance(540 * NS_PER_SECOND)
    events: list[Any] = listener.events
    return [repr(e) for e in events]


def test_replaying_the_recorded_day_is_deterministic() -> None:
    day = load_symbol_day(require_symbol_day("AMZN", "2012-06-21"))
    first = _scripted(day)
    assert first == _scripted(day)
    assert sum("ChildFilled" in e for e in first) >= 1
