"""Algo intent -> router -> pre-trade risk -> venue gateway, inside one turn.

No child leaves priced through its parent's limit: the intent's price is capped at the limit before routing (a
sweep without a price takes the limit as its own) and so is every routed child after it (the router's own
placements stay within it; this is the last line), each cap said in the decision's note.

Each intent that sends anything (or that risk stops) is journaled as one `ChildDecided` — the algo's reason
and schedule position, the market it saw, the router's ranking — just before the children it lists, in the
same turn, so the journal says why every child was sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal

from engine import events as ev
from engine.clock import Clock
from engine.market import MarketView
from engine.model import ChildId, Instrument, ParentId, Side, Symbol, VenueId
from engine.pipeline.intent import ChildIntent, IntentKind, capped_at_limit
from engine.pipeline.routing import RoutedChild, decide
from engine.pipeline.sizing import ChildSizing
from engine.pipeline.venue_gateway import VenueGateway
from engine.risk.checks import RiskEngine
from engine.risk.verdict import RiskVerdict
from engine.router import RouteDecision
from engine.routing.router import SmartRouter
from engine.store import OrderStore
from engine.turns import Turns
from engine.views import ParentView


class ChildPipeline:
    """Turns what an algo wants into journaled child orders, or a journaled risk block."""

    def __init__(
        self, uow: Turns, store: OrderStore, clock: Clock, market: MarketView, instruments: Mapping[Symbol, Instrument],
        risk: RiskEngine, gateway: VenueGateway, venues: list[VenueId], held: Callable[[ParentId], bool],
        sizing: ChildSizing | None = None, router: SmartRouter | None = None,
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
        self._sizing = sizing or ChildSizing()
        self._router = router  # None: the plain best-price router of engine/router.py

    @property
    def sizing(self) -> ChildSizing:
        """The desk's child-size policy every intent goes through (algos ask it before sending)."""
        return self._sizing

    def send(self, intent: ChildIntent) -> list[ChildId]:
        """The children sent for `intent` (empty when nothing could be routed, risk blocked the first one, or
        the parent is held while a ticket cut waits for its venues)."""
        if self._held(intent.parent_id):
            return []
        parent = self._store.parent(intent.parent_id)
        instrument = self._instruments[parent.symbol]
        # round lots and the minimum child, except the final remainder (engine/pipeline/sizing.py)
        sizing = self._sizing.plan(intent.quantity, parent.leaves_qty - parent.working_qty, instrument.lot_size)
        if sizing.quantity <= 0:
            return []  # less than a worthwhile child is due: the algo asks again as its schedule grows
        if sizing.quantity != intent.quantity:  # (replace builds a copy field by field: ~3 us)
            intent = replace(intent, quantity=sizing.quantity)
        limit = parent.limit_price
        asked = intent.price
        if limit is not None and capped_at_limit(asked, limit, parent.side) != asked:
            intent = replace(intent, price=limit)
        with self._uow.turn():
            route, routed = decide(intent, parent.symbol, parent.side, instrument, self._market, self._venues,
                                   router=self._router, parent=parent)
            if limit is not None:
                route, routed = _within_limit(route, routed, limit, parent.side, asked, intent.price)
            # whole lots on each venue: a sweep's slices capped by what each shows, a resting order's not
            routed = sizing.fit(routed) if intent.kind is IntentKind.SWEEP else sizing.fit_resting(routed)
            cleared, verdict = self._pre_trade(parent, routed)
            if not cleared and verdict is None:
                return []  # nothing to route to: the algo tries again on its next wake
            ids = self._gateway.reserve_ids(len(cleared))
            decision = self._decision(intent, parent, route, ids, verdict)
            self._uow.emit(decision)
            for child_id, child in zip(ids, cleared, strict=True):
                self._gateway.submit(decision, child_id, parent.parent_id, child.venue, parent.symbol, parent.side,
                                     child.quantity, child.price, child.tif)
            if verdict is not None:
                self._risk.block(verdict, parent.parent_id)
        return list(ids)

    def _pre_trade(self, parent: ParentView, routed: list[RoutedChild]) -> tuple[list[RoutedChild], RiskVerdict | None]:
        """The routed children that pass every control, up to the first one stopped (and its verdict)."""
        batch = self._risk.child_batch(parent)  # engine/risk/child_checks.py; each cleared child counts at once
        cleared: list[RoutedChild] = []
        for child in routed:
            verdict = batch.check(child.venue, child.quantity, child.price)
            if verdict is not None:
                return cleared, verdict
            cleared.append(child)
        return cleared, None

    def _decision(self, intent: ChildIntent, parent: ParentView, route: RouteDecision, ids: tuple[ChildId, ...],
                  verdict: RiskVerdict | None) -> ev.ChildDecided:
        quote = self._market.quote(parent.symbol)
        # named after its first child; one that sent nothing after the child that would have come next
        decision_id = f"D{ids[0][1:]}" if ids else f"D{self._gateway.next_id()[1:]}-blocked"
        ranking = tuple((s.venue, s.price, s.displayed, s.routed, s.score) for s in route.ranking)
        return ev.ChildDecided(
            self._clock.now_ns(), decision_id, parent.parent_id, parent.algo, intent.why, intent.kind.value,
            intent.quantity, intent.price, intent.target_qty, parent.cum_qty, parent.working_qty, quote.bid, quote.ask,
            quote.bid_size, quote.ask_size, route.policy, ranking, route.note, ids,
            "" if verdict is None else verdict.rule, route.group_target, route.rest_timeout_ms,
        )


def _within_limit(route: RouteDecision, routed: list[RoutedChild], limit: Decimal, side: Side,
                  asked: Decimal | None, used: Decimal | None) -> tuple[RouteDecision, list[RoutedChild]]:
    """The routed children, each priced no worse than the parent's `limit`, and the decision saying what was
    capped (the algo's price `asked`, routed at `used`; a child the router priced through the limit)."""
    notes = [f"the algo asked {asked or 'no limit'}: capped at the parent's limit {limit}"] if asked != used else []
    within: list[RoutedChild] = []
    for child in routed:
        price = capped_at_limit(child.price, limit, side)
        if price != child.price:
            notes.append(f"{child.venue} {child.quantity:,} at {child.price or 'market'} capped at the parent's "
                         f"limit {limit}")
            child = RoutedChild(child.venue, child.quantity, price, child.tif)
        within.append(child)
    if not notes:
        return route, routed
    return replace(route, note=f"{route.note}; {'; '.join(notes)}"), within
