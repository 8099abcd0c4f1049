"""What a lit venue publishes: conflated L2 books and a print per execution."""

from __future__ import annotations

import itertools
from decimal import Decimal

from engine.events import BookUpdated, TradePrinted
from engine.model import Side
from tests.engine.venues.sim.helpers import AAPL, LIT, ONE_WAY_NS, child, quiet_venue

BUY, SELL = Side.BUY, Side.SELL
MS = 1_000_000


def books(recorder: object) -> list[BookUpdated]:
    return [e for e in recorder.market if isinstance(e, BookUpdated)]  # type: ignore[attr-defined]


def prints(recorder: object) -> list[TradePrinted]:
    return [e for e in recorder.market if isinstance(e, TradePrinted)]  # type: ignore[attr-defined]


def test_book_is_published_best_first_to_the_configured_depth() -> None:
    clock, venue, recorder = quiet_venue()
    for i in range(7):
        venue.place_background(AAPL, BUY, 100 * (i + 1), 18990 - i)
        venue.place_background(AAPL, SELL, 100, 19000 + i)
    clock.advance(200 * MS)
    book = books(recorder)[-1]
    assert book.venue == LIT and book.symbol == AAPL
    assert book.bids == tuple((Decimal(f"189.{90 - i}"), 100 * (i + 1)) for i in range(5))
    assert [price for price, _ in book.asks] == [Decimal(f"190.0{i}") for i in range(5)]


def test_bursts_of_changes_are_conflated_to_one_book_per_interval() -> None:
    clock, venue, recorder = quiet_venue(md_interval_ms=100)
    clock.advance(500 * MS)
    before = len(books(recorder))
    start = clock.now_ns()
    for i in range(50):  # 50 changes spread over 250 ms
        venue.place_background(AAPL, BUY, 100, 18900 + i)
        clock.advance(5 * MS)
    clock.advance(500 * MS)
    published = books(recorder)[before:]
    assert 2 <= len(published) <= 4
    gaps = [b.ts_ns - a.ts_ns for a, b in itertools.pairwise(published)]
    assert all(gap >= 100 * MS for gap in gaps)
    assert published[0].ts_ns - start < MS  # the first change after a quiet spell goes out at once
    assert published[-1].bids[0] == (Decimal("189.49"), 100)  # and the last state is never lost


def test_an_unchanged_top_of_book_is_not_republished() -> None:
    clock, venue, recorder = quiet_venue()
    venue.place_background(AAPL, BUY, 100, 18900)
    clock.advance(200 * MS)
    before = len(books(recorder))
    for i in range(6):  # changes below the published depth
        venue.place_background(AAPL, BUY, 100, 18000 + i)
    clock.advance(200 * MS)
    assert len(books(recorder)) == before + 1
    for i in range(6):
        venue.place_background(AAPL, BUY, 100, 17000 + i)
    clock.advance(200 * MS)
    assert len(books(recorder)) == before + 1


def test_every_execution_prints_including_background_trades() -> None:
    clock, venue, recorder = quiet_venue()
    venue.place_background(AAPL, SELL, 100, 19000)
    venue.place_background(AAPL, SELL, 100, 19001)
    venue.place_background(AAPL, BUY, 150, 19001, ioc=True)  # background against background
    venue.submit(child(BUY, 50, "190.01"))  # ours against background
    clock.advance(10 * ONE_WAY_NS)
    assert [(p.price, p.quantity, p.aggressor) for p in prints(recorder)] == [
        (Decimal("190.00"), 100, BUY),
        (Decimal("190.01"), 50, BUY),
        (Decimal("190.01"), 50, BUY),
    ]


def test_market_data_travels_with_latency() -> None:
    clock, venue, recorder = quiet_venue()
    clock.advance(500 * MS)
    venue.place_background(AAPL, SELL, 100, 19000)
    venue.place_background(AAPL, BUY, 100, 19000)
    traded_at = clock.now_ns()
    clock.advance(ONE_WAY_NS - 1)
    assert prints(recorder) == []
    clock.advance(1)
    assert [p.ts_ns for p in prints(recorder)] == [traded_at + ONE_WAY_NS]
