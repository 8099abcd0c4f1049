"""The market tape recorder: one row per symbol per slot, each exact as of its time, volume never lost."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from engine import events as ev
from engine.clock import NS_PER_S
from engine.model import Symbol, VenueId
from engine.tca.tape import load_tapes
from engine.tca.tape_recorder import MarketTapeRecorder

D = Decimal
MS = NS_PER_S // 1000
XYZ = Symbol("XYZ")


def book(at_ms: int, venue: str, bid: str, ask: str, size: int = 100) -> ev.BookUpdated:
    return ev.BookUpdated(at_ms * MS, VenueId(venue), XYZ, ((D(bid), size),), ((D(ask), size),))


def trade(at_ms: int, price: str, quantity: int) -> ev.TradePrinted:
    return ev.TradePrinted(at_ms * MS, VenueId("A"), XYZ, D(price), quantity, None)


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(tmp_path / "tape.db", isolation_level=None)


def test_one_row_per_slot_holds_the_state_after_the_slots_last_event(conn: sqlite3.Connection) -> None:
    recorder = MarketTapeRecorder(conn, slot_ns=250 * MS, flush_ns=10 * NS_PER_S)
    for event in (book(0, "A", "10.00", "10.02"), book(100, "B", "10.01", "10.03"), trade(120, "10.02", 300),
                  book(200, "A", "10.00", "10.01"), trade(300, "10.01", 200), book(900, "A", "9.99", "10.01")):
        recorder.on_market(event)
    recorder.flush()
    rows = conn.execute("SELECT ts_ns, bid, ask, bid_size, ask_size, volume, notional, last FROM market_tape "
                        "ORDER BY ts_ns").fetchall()
    assert rows == [
        (200 * MS, "10.01", "10.01", 100, 100, 300, "3006.00", "10.02"),  # consolidated: B's bid, A's ask
        (300 * MS, "10.01", "10.01", 100, 100, 200, "2002.00", "10.01"),
        (900 * MS, "10.01", "10.01", 100, 100, 0, "0", None),  # A's bid fell below B's: B's 10.01 still best
    ]


def test_every_share_traded_reaches_the_tape(conn: sqlite3.Connection) -> None:
    recorder = MarketTapeRecorder(conn, slot_ns=250 * MS, flush_ns=NS_PER_S)
    total = notional = 0
    for i in range(2_000):
        quantity = 1 + i % 7
        recorder.on_market(trade(i * 37, f"10.{i % 50:02d}", quantity))
        total += quantity
        notional += quantity * (1000 + i % 50)
    assert recorder.rows_written > 0  # flushed on its own, about once a second of market time
    recorder.flush()
    tape = load_tapes(conn, ["XYZ"], 0, 10**15)["XYZ"]
    assert tape.volume(-1, 10**15) == total
    assert tape.vwap(-1, 10**15) == D(notional) / 100 / total


def test_a_symbol_without_rows_has_an_empty_tape_and_bad_intervals_are_refused(conn: sqlite3.Connection) -> None:
    assert not load_tapes(conn, ["XYZ"], 0, 1)["XYZ"]  # no table yet
    with pytest.raises(ValueError, match="positive"):
        MarketTapeRecorder(conn, slot_ns=0)
