"""A scripted market that answers the engine on its own, second by second, for algo tests.

Each second: prints the market volume the test asks for (at the mid), acknowledges new children,
confirms cancels, fills IOCs at their limit up to the displayed depth (the rest is canceled), and fills
resting children from the printed volume (`passive_share` of it, buy below / sell above the mid allowed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from engine import events as ev
from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.model import ChildId, OrdStatus, ParentId, Side, Symbol, TimeInForce
from tests.engine.scripted_venue import ScriptedVenue

MIN = 60 * NS_PER_S
Volume = int | Callable[[int], int]


class Desk:
    def __init__(self, engine: Engine, venue: ScriptedVenue, clock: VirtualClock, symbol: str = "AAPL") -> None:
        self.engine, self.venue, self.clock, self.symbol = engine, venue, clock, symbol
        self.bid, self.ask, self.depth = Decimal("100.00"), Decimal("100.02"), 100_000
        self.progress: list[ev.AlgoProgress] = []
        self.market_volume = 0
        self._open: list[ChildId] = []
        self.lot = engine.instruments[Symbol(symbol)].lot_size
        self._seen = 0
        engine.subscribe(self._on_event)
        self.quote("100.00", "100.02")

    def _on_event(self, event: ev.Event) -> None:
        if isinstance(event, ev.AlgoProgress):
            self.progress.append(event)

    def quote(self, bid: str, ask: str, depth: int = 100_000) -> None:
        self.bid, self.ask, self.depth = Decimal(bid), Decimal(ask), depth
        self.venue.book(self.symbol, bid, ask, size=depth)

    def submit(
        self, algo: str, quantity: int, *, minutes: float = 60, side: Side = Side.BUY,
        params: Mapping[str, str] | None = None, limit: str | None = None, start_in_s: int = 0,
    ) -> ParentId:
        now = self.clock.now_ns()
        result = self.engine.submit_ticket(
            symbol=self.symbol, side=side, quantity=quantity, limit_price=Decimal(limit) if limit else None,
            algo=algo, start_ns=now + start_in_s * NS_PER_S if start_in_s else None,
            end_ns=now + start_in_s * NS_PER_S + int(minutes * MIN), params=dict(params or {}),
            urgency=(params or {}).get("urgency", "MEDIUM"),  # tickets of one urgency share a parent
        )
        assert result.accepted and result.parent_id is not None, result.reason
        return result.parent_id

    def levels(self, bids: tuple[tuple[Decimal, int], ...], asks: tuple[tuple[Decimal, int], ...]) -> None:
        """Show exactly these price levels (either side may be empty: a one-sided or an empty book)."""
        assert self.venue.listener is not None
        self.venue.listener.on_market_data(ev.BookUpdated(self.clock.now_ns(), self.venue.venue_id,
                                                          Symbol(self.symbol), bids, asks))

    def trade(self, quantity: int) -> None:
        """The market prints `quantity` shares at the mid."""
        if quantity <= 0:
            return
        assert self.venue.listener is not None
        self.market_volume += quantity
        self.venue.listener.on_market_data(ev.TradePrinted(
            self.clock.now_ns(), self.venue.venue_id, Symbol(self.symbol), (self.bid + self.ask) / 2, quantity, None))

    def run(self, seconds: int, volume: Volume = 0, *, passive_share: float = 1.0) -> None:
        """`seconds` of market time; `volume` shares printed per second (or a function of the second)."""
        for second in range(seconds):
            printed = volume(second) if callable(volume) else volume
            self.trade(printed)
            self.answer(int(printed * passive_share))
            self.clock.advance(NS_PER_S)
            self.answer(0)

    def answer(self, passive_volume: int) -> None:
        """Acks, cancels, IOC fills, and passive fills from `passive_volume` printed shares."""
        submitted = list(self.venue.submitted.values())
        self._open += [o.child_id for o in submitted[self._seen:]]
        self._seen = len(submitted)
        still_open = []
        for cid in self._open:
            order = self.venue.submitted[cid]
            child = self.engine.store.child(cid)
            if child.status is OrdStatus.PENDING_NEW:
                self.venue.ack(cid)
                child = self.engine.store.child(cid)
            if child.status is OrdStatus.PENDING_CANCEL:
                self.venue.canceled(cid)
            elif order.tif is TimeInForce.IOC and child.status.is_live:
                crosses = order.price is None or (
                    order.price >= self.ask if order.side is Side.BUY else order.price <= self.bid)
                take = min(child.leaves_qty, self.depth) if crosses else 0
                if take:
                    self.venue.fill(cid, take, str(self.ask if order.side is Side.BUY else self.bid))
                if self.engine.store.child(cid).status.is_live:
                    self.venue.canceled(cid, "IOC remainder")
            elif child.status.is_live and passive_volume > 0 and child.leaves_qty > 0:
                take = min(child.leaves_qty, passive_volume)
                take -= take % self.lot
                passive_volume -= take
                if take:
                    self.venue.fill(cid, take, str(order.price))
            if not self.engine.store.child(cid).status.is_terminal:
                still_open.append(cid)
        self._open = still_open

    def children(self, parent_id: ParentId) -> list[ev.ChildSubmitted]:
        return [o for o in self.venue.submitted.values() if o.parent_id == parent_id]

    def targets(self, parent_id: ParentId) -> dict[int, int]:
        """Schedule target by elapsed whole second since the first progress snapshot."""
        mine = [p for p in self.progress if p.parent_id == parent_id]
        if not mine:
            return {}
        t0 = mine[0].ts_ns
        return {(p.ts_ns - t0) // NS_PER_S: p.target_qty for p in mine}


def fresh_desk(symbol: str = "AAPL") -> Desk:
    """A desk on its own engine (scripted venue LIT1, journal in memory), clock at 09:30."""
    from engine.journal import Journal
    from tests.engine.conftest import INSTRUMENTS, OPEN_NS

    clock = VirtualClock(OPEN_NS)
    venue = ScriptedVenue("LIT1", clock)
    engine = Engine(clock=clock, journal=Journal(":memory:"), instruments=INSTRUMENTS, venues=[venue])
    engine.start()
    return Desk(engine, venue, clock, symbol)
