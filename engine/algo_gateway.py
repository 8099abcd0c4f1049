"""The engine as an algo sees it (`AlgoContext`): its parent, the market, its children, and the two ways
to act — send a child (routed, risk-checked, journaled) or cancel one. Algos never hold the engine."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from engine import events as ev
from engine.clock import Clock
from engine.market import Quote
from engine.model import ChildId, Instrument, OrdType, ParentId, Side, TimeInForce, VenueId
from engine.router import choose_passive_venue, sweep
from engine.views import ChildView, ParentView

if TYPE_CHECKING:
    from engine.engine import Engine


class AlgoGateway:
    """Implements `engine.algos.base.AlgoContext` on top of the engine's internals."""

    def __init__(self, engine: Engine) -> None:
        self._e = engine

    @property
    def clock(self) -> Clock:
        return self._e.clock

    def parent(self, parent_id: ParentId) -> ParentView:
        return self._e.store.parent(parent_id)

    def instrument_of(self, parent_id: ParentId) -> Instrument:
        return self._e.instruments[self._e.store.parent(parent_id).symbol]

    def quote_of(self, parent_id: ParentId) -> Quote:
        return self._e.market.quote(self._e.store.parent(parent_id).symbol)

    def live_children(self, parent_id: ParentId) -> list[ChildView]:
        store = self._e.store
        return [store.child(cid) for cid in store.live_child_ids(parent_id)]

    def market_since_start(self, parent_id: ParentId) -> tuple[int, Decimal | None]:
        return self._e.market_since_start(parent_id)

    def send_passive(self, parent_id: ParentId, quantity: int, price: Decimal) -> ChildId | None:
        e = self._e
        parent = e.store.parent(parent_id)
        levels = e.market.levels(parent.symbol, asks=parent.side is Side.SELL)
        lit = [v for v in e.venues if e.market.books(parent.symbol).get(v)] or list(e.venues)
        venue = choose_passive_venue(levels, lit)
        if venue is None:
            return None
        return self._send_child(parent, venue, quantity, price, TimeInForce.DAY)

    def send_aggressive(self, parent_id: ParentId, quantity: int, limit: Decimal | None) -> list[ChildId]:
        e = self._e
        parent = e.store.parent(parent_id)
        levels = e.market.levels(parent.symbol, asks=parent.side is Side.BUY)
        sent = []
        for route in sweep(levels, parent.side, quantity, limit, e.instruments[parent.symbol].lot_size):
            child_id = self._send_child(parent, route.venue, route.quantity, route.price, TimeInForce.IOC)
            if child_id is None:
                break
            sent.append(child_id)
        return sent

    def cancel_child(self, child_id: ChildId, reason: str) -> None:
        with self._e._turn():
            self._e._cancel_child(child_id, reason)

    def publish_progress(self, progress: ev.AlgoProgress) -> None:
        self._e._publish_progress(progress)

    def _send_child(
        self, parent: ParentView, venue: VenueId, quantity: int, price: Decimal | None, tif: TimeInForce
    ) -> ChildId | None:
        """Pre-trade risk, then journal the child, then (after the commit) hand it to the venue."""
        e = self._e
        now = e.clock.now_ns()
        with e._turn():
            verdict = e.risk.check_child(
                kill_engaged=e.store.kill_engaged, quantity=quantity, price=price,
                reference=e.market.mid(parent.symbol),
            )
            if verdict is not None:
                e._emit(ev.RiskBlocked(now, parent.parent_id, verdict.rule, verdict.reason))
                return None
            child_id = e._new_child_id()
            order_type = OrdType.MARKET if price is None else OrdType.LIMIT
            submitted = ev.ChildSubmitted(now, child_id, parent.parent_id, venue, parent.symbol, parent.side,
                                          quantity, price, order_type, tif)
            e._emit(submitted)
            target = e.venues[venue]
            e._outbox.append(lambda: target.submit(submitted))
            return child_id
