"""Algo intent -> router -> pre-trade risk -> venue gateway, inside one turn."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from engine import events as ev
from engine.clock import Clock
from engine.market import MarketView
from engine.model import ChildId, Instrument, ParentId, Symbol, VenueId
from engine.pipeline.intent import ChildIntent
from engine.pipeline.routing import route
from engine.pipeline.venue_gateway import VenueGateway
from engine.risk import PreTradeRisk
from engine.store import OrderStore
from engine.turns import Turns


class ChildPipeline:
    """Turns what an algo wants into journaled child orders, or a journaled risk block."""

    def __init__(
        self, uow: Turns, store: OrderStore, clock: Clock, market: MarketView, instruments: Mapping[Symbol, Instrument],
        risk: PreTradeRisk, gateway: VenueGateway, venues: list[VenueId], held: Callable[[ParentId], bool],
    ) -> None:
        self._uow = uow
        self._store = store
        self._clock = clock
        self._market = market
        self._instruments = instruments
        self._risk = risk
        self._gateway = gateway
        self._venues = venues
        self._held = held

    def send(self, intent: ChildIntent) -> list[ChildId]:
        """The children sent for `intent` (empty when nothing could be routed, risk blocked the first one, or
        the parent is held while a ticket cut waits for its venues)."""
        if self._held(intent.parent_id):
            return []
        parent = self._store.parent(intent.parent_id)
        instrument = self._instruments[parent.symbol]
        sent: list[ChildId] = []
        with self._uow.turn():
            for routed in route(intent, parent.symbol, parent.side, instrument, self._market, self._venues):
                verdict = self._risk.check_child(
                    kill_engaged=self._store.kill_engaged, quantity=routed.quantity, price=routed.price,
                    reference=self._market.mid(parent.symbol),
                )
                if verdict is not None:
                    self._uow.emit(ev.RiskBlocked(self._clock.now_ns(), parent.parent_id, verdict.rule, verdict.reason))
                    break
                sent.append(self._gateway.submit(parent.parent_id, routed.venue, parent.symbol, parent.side,
                                                 routed.quantity, routed.price, routed.tif))
        return sent
