"""Expected all-in cost of sending to a venue, from its fee schedule and our scorecard (pure).

Per share, in money: the fee (what our fills there actually cost, once some have filled; the schedule
before), what missing costs (1 - fill rate) x λ_u, adverse selection (a negative +5 s markout, as money),
and latency (ms x a configured cost in ticks). A resting order pays the maker fee, a taking one the
taker fee. Scores in the decision record are minus this cost in bps of the price (higher is better).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from engine.market import VenueLevel
from engine.model import Side, VenueId, within_limit
from engine.quick_init import quick_init
from engine.routing.policy import RoutingConfig
from engine.routing.scorecard import Scorecard
from engine.routing.venues import VenueFacts

MIN_FILLS_FOR_OBSERVED_FEE = 5.0


@quick_init
@dataclass(frozen=True, slots=True)
class VenueCost:
    """One venue's expected all-in cost per share and what it is made of."""

    venue: VenueId
    per_share: float
    fee: float
    fill_rate: float
    latency_ms: float
    adverse: float

    def score_bps(self, price: Decimal | None) -> float | None:
        """Minus the cost in bps of `price` (higher is better); None without a price."""
        if not price:
            return None
        return 0.0 - self.per_share / float(price) * 10_000

    def describe(self) -> str:
        return (f"{self.venue} {self.per_share:+.4f}/sh (fee {self.fee:+.4f}, fill {self.fill_rate:.0%}, "
                f"{self.latency_ms:.2f} ms, adverse {self.adverse:.4f})")


def venue_cost(facts: VenueFacts, card: Scorecard, kind: str, quantity: int, price: Decimal | None,
               config: RoutingConfig, tick: Decimal, taking: bool) -> VenueCost:
    """Expected all-in cost per share of `quantity` as order type `kind` at one venue."""
    estimate = card.estimate(facts.venue, kind, quantity)
    schedule = facts.taker_fee if taking else facts.maker_fee
    observed = estimate.fee_per_share
    fee = float(observed if observed is not None and estimate.orders >= MIN_FILLS_FOR_OBSERVED_FEE else schedule)
    tick_money = float(tick)
    miss = (1.0 - estimate.fill_rate) * config.ck_shortfall_ticks * tick_money
    markout = estimate.markout_5s_bps
    adverse = max(0.0, -markout) / 10_000 * float(price) if markout is not None and price else 0.0
    latency_ms = (estimate.ack_us if estimate.ack_us is not None else facts.latency_us * 2) / 1_000
    latency = latency_ms * config.latency_cost_ticks_per_ms * tick_money
    return VenueCost(facts.venue, fee + miss + adverse + latency, fee, estimate.fill_rate, latency_ms, adverse)


class VenueCosts(Mapping[VenueId, VenueCost]):
    """Each eligible venue's expected cost for one order type, worked out the first time a policy asks for
    it (a take asks no resting costs, a resting order no taking costs). Lives for one decision: the
    scorecard does not change inside it."""

    __slots__ = ("_cost", "_known", "_venues")

    def __init__(self, venues: Iterable[VenueId], cost: Callable[[VenueId], VenueCost]) -> None:
        self._venues = tuple(venues)
        self._cost = cost
        self._known: dict[VenueId, VenueCost] = {}

    def __getitem__(self, venue: VenueId) -> VenueCost:
        found = self._known.get(venue)
        if found is None:
            if venue not in self._venues:
                raise KeyError(venue)
            found = self._known[venue] = self._cost(venue)
        return found

    def __contains__(self, venue: object) -> bool:
        return venue in self._venues

    def __iter__(self) -> Iterator[VenueId]:
        return iter(self._venues)

    def __len__(self) -> int:
        return len(self._venues)


def rank_by_cost(costs: Iterable[VenueCost]) -> list[VenueCost]:
    """Cheapest first; ties by venue name (deterministic)."""
    return sorted(costs, key=lambda c: (c.per_share, c.venue))


def best_prices(levels: Iterable[VenueLevel]) -> dict[VenueId, Decimal]:
    """Each venue's best price in `levels` (given best first)."""
    best: dict[VenueId, Decimal] = {}
    for level in levels:
        best.setdefault(level.venue, level.price)
    return best


def reachable(levels: Iterable[VenueLevel], side: Side, limit: Decimal | None) -> dict[VenueId, tuple[int, Decimal]]:
    """Per venue: displayed size within the limit and the worst price it takes to get it."""
    found: dict[VenueId, tuple[int, Decimal]] = {}
    for level in levels:
        if not within_limit(level.price, limit, side):
            break
        size, _ = found.get(level.venue, (0, level.price))
        found[level.venue] = (size + level.size, level.price)
    return found


def queue_ahead(levels: Iterable[VenueLevel], venue: VenueId, price: Decimal, side: Side) -> int:
    """Shares displayed on our side at `venue` at or better than `price` (all ahead of a new order there)."""
    return sum(level.size for level in levels
               if level.venue == venue and (level.price >= price if side is Side.BUY else level.price <= price))


def sizes_at(levels: Iterable[VenueLevel], venues: Mapping[VenueId, object], price: Decimal) -> dict[VenueId, int]:
    """Displayed size at exactly `price`, per venue in `venues`."""
    found: dict[VenueId, int] = {}
    for level in levels:
        if level.price == price and level.venue in venues:
            found[level.venue] = found.get(level.venue, 0) + level.size
    return found
