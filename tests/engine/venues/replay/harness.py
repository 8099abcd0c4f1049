"""A replay venue on a virtual clock over a tiny synthetic day, with a listener that records."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.clock import VirtualClock
from engine.events import (
    BookUpdated,
    ChildFilled,
    ChildSubmitted,
    TradePrinted,
    VenueOrderEvent,
    VenueStatusChanged,
)
from engine.marketdata.lobster import LobsterDay
from engine.model import ChildId, OrdType, ParentId, Side, Symbol, TimeInForce, VenueId
from engine.venues.replay import ReplayVenue
from tests.engine.marketdata.synthetic import Msg, make_day

NS = 1_000_000_000
T0 = 34_200.0
# bids 99.98 x 300, 99.97 x 200; asks 100.00 x 100, 100.01 x 200, 100.02 x 300
OPENING_BOOK = [
    Msg(T0, 1, 1, 300, 999_800, 1),
    Msg(T0, 1, 2, 200, 999_700, 1),
    Msg(T0, 1, 3, 100, 1_000_000, -1),
    Msg(T0, 1, 4, 200, 1_000_100, -1),
    Msg(T0, 1, 5, 300, 1_000_200, -1),
]


class Recorder:
    """VenueListener that keeps everything it hears, in order."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def on_order_event(self, event: VenueOrderEvent) -> None:
        self.events.append(event)

    def on_market_data(self, event: BookUpdated | TradePrinted) -> None:
        self.events.append(event)

    def on_venue_status(self, event: VenueStatusChanged) -> None:
        self.events.append(event)

    def of(self, kind: type, child_id: str | None = None) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind) and (child_id is None or e.child_id == child_id)]

    def filled(self, child_id: str) -> list[tuple[Decimal, int]]:
        return [(f.price, f.quantity) for f in self.of(ChildFilled, child_id)]


class Harness:
    def __init__(
        self, tmp_path: Path, later: list[Msg], *, levels: int = 3, start_s: float = T0 + 0.5, **venue_options: Any
    ) -> None:
        self.day: LobsterDay = make_day(tmp_path, OPENING_BOOK + later, levels=levels)
        self.midnight = self.day.symbol_day.midnight_epoch_ns
        self.clock = VirtualClock(self.at(start_s))
        self.venue = ReplayVenue(self.clock, self.day, **venue_options)
        self.listener = Recorder()
        self.venue.connect(self.listener)
        self._seq = 0

    def at(self, seconds: float) -> int:
        return self.midnight + round(seconds * NS)

    def run_to(self, seconds: float) -> None:
        self.clock.run_until(self.at(seconds))

    def send(
        self,
        side: Side,
        quantity: int,
        price: str | None = None,
        *,
        tif: TimeInForce = TimeInForce.DAY,
        ord_type: OrdType | None = None,
        symbol: str = "XYZ",
        child_id: str | None = None,
    ) -> ChildId:
        self._seq += 1
        cid = ChildId(child_id or f"C{self._seq}")
        kind = ord_type or (OrdType.MARKET if price is None else OrdType.LIMIT)
        self.venue.submit(
            ChildSubmitted(
                self.clock.now_ns(),
                cid,
                ParentId("P1"),
                VenueId("REPLAY"),
                Symbol(symbol),
                side,
                quantity,
                None if price is None else Decimal(price),
                kind,
                tif,
            )
        )
        self.clock.advance(0)
        return cid
