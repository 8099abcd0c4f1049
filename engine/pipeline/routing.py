"""The router stage: an intent and the consolidated book in, venue slices out (no side effects)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from engine.market import MarketView
from engine.model import Instrument, Side, Symbol, TimeInForce, VenueId
from engine.pipeline.intent import ChildIntent, IntentKind
from engine.router import choose_passive_venue, sweep


@dataclass(frozen=True, slots=True)
class RoutedChild:
    venue: VenueId
    quantity: int
    price: Decimal | None
    tif: TimeInForce


def route(
    intent: ChildIntent, symbol: Symbol, side: Side, instrument: Instrument, market: MarketView,
    venues: Sequence[VenueId],
) -> list[RoutedChild]:
    """Passive: the lit venue showing the best price on our side; sweep: displayed depth, best price first."""
    if intent.kind is IntentKind.PASSIVE:
        levels = market.levels(symbol, asks=side is Side.SELL)
        lit = [v for v in venues if market.books(symbol).get(v)] or list(venues)
        venue = choose_passive_venue(levels, lit)
        return [] if venue is None else [RoutedChild(venue, intent.quantity, intent.price, TimeInForce.DAY)]
    levels = market.levels(symbol, asks=side is Side.BUY)
    return [RoutedChild(s.venue, s.quantity, s.price, TimeInForce.IOC)
            for s in sweep(levels, side, intent.quantity, intent.price, instrument.lot_size)]
