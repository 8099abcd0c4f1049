"""The router stage: an intent and the consolidated book in, the router's decision out (no side effects)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from engine.market import MarketView
from engine.model import Instrument, Side, Symbol, TimeInForce, VenueId
from engine.pipeline.intent import ChildIntent, IntentKind
from engine.quick_init import quick_init
from engine.router import RouteDecision, route_passive, route_sweep
from engine.views import ParentView

if TYPE_CHECKING:
    from engine.routing.router import SmartRouter


@quick_init
@dataclass(frozen=True, slots=True)
class RoutedChild:
    venue: VenueId
    quantity: int
    price: Decimal | None
    tif: TimeInForce


def decide(
    intent: ChildIntent, symbol: Symbol, side: Side, instrument: Instrument, market: MarketView,
    venues: Sequence[VenueId], *, router: SmartRouter | None = None, parent: ParentView | None = None,
) -> tuple[RouteDecision, list[RoutedChild]]:
    """Passive: the lit venue showing the best price on our side; sweep: displayed depth, best price first.
    With a smart `router` (engine/routing/) and the `parent`, its policy decides instead (sequential,
    parallel, liquidity-seeking; never more than the parent may still send).
    Returns the router's decision (journaled with the children) and the children to send."""
    if router is not None and parent is not None:
        decision, orders = router.decide(intent, parent, instrument, market, venues)
        return decision, [RoutedChild(c.venue, c.quantity, c.price, c.tif) for c in orders]
    if intent.kind is IntentKind.PASSIVE:
        assert intent.price is not None, "a passive intent rests at a price"
        levels = market.levels(symbol, asks=side is Side.SELL)
        lit = [v for v in venues if market.books(symbol).get(v)] or list(venues)
        decision = route_passive(levels, lit, intent.quantity, intent.price)
        return decision, [RoutedChild(s.venue, s.quantity, s.price, TimeInForce.DAY) for s in decision.slices]
    levels = market.levels(symbol, asks=side is Side.BUY)
    decision = route_sweep(levels, list(venues), side, intent.quantity, intent.price, instrument.lot_size)
    return decision, [RoutedChild(s.venue, s.quantity, s.price, TimeInForce.IOC) for s in decision.slices]


def route(
    intent: ChildIntent, symbol: Symbol, side: Side, instrument: Instrument, market: MarketView,
    venues: Sequence[VenueId],
) -> list[RoutedChild]:
    """The children `decide` would send (without the decision record)."""
    return decide(intent, symbol, side, instrument, market, venues)[1]
