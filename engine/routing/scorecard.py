"""The venue scorecard: what our own flow has taught us about each venue, per order type and size bucket.

Counts fill rate and time to first fill, acknowledgement latency, fees paid and rebates earned, rejects,
and markouts at +1, +5 and +60 s (bps, positive = the mid moved our way after the fill; negative is
adverse selection). Past days come back weighted by age (half-life in days); today's counts go on
from where an earlier session of the same day left them. The router reads `estimate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from engine.model import OrdType, TimeInForce, VenueId
from engine.quick_init import quick_init

MARKOUT_HORIZONS_S = (1, 5, 60)
SIZE_BUCKETS = (100, 500, 2_000)
"""Upper bounds (exclusive) of the size buckets; above the last is the largest bucket."""
ORDER_TYPES = ("limit", "ioc", "peg", "peg_ioc")


def order_type(ord_type: OrdType, tif: TimeInForce) -> str:
    """The scorecard's order type: resting or immediate, limit or pegged (market)."""
    immediate = tif is TimeInForce.IOC
    if ord_type is OrdType.MARKET:
        return "peg_ioc" if immediate else "peg"
    return "ioc" if immediate else "limit"


def size_bucket(quantity: int) -> str:
    lower = 1
    for upper in SIZE_BUCKETS:
        if quantity < upper:
            return f"{lower}-{upper - 1}"
        lower = upper
    return f"{lower}+"


@quick_init
@dataclass(frozen=True, slots=True)
class ScoreKey:
    venue: VenueId
    order_type: str
    bucket: str


@dataclass(slots=True)
class VenueStats:
    """Running sums for one key (mutable; the scorecard is its only writer)."""

    orders: float = 0.0
    rejects: float = 0.0
    shares_sent: float = 0.0
    shares_filled: float = 0.0
    orders_filled: float = 0.0
    fill_seconds: float = 0.0
    ack_us: float = 0.0
    acks: float = 0.0
    fees_paid: Decimal = Decimal(0)
    rebates_earned: Decimal = Decimal(0)
    markout_1s_bps: float = 0.0
    markout_1s_shares: float = 0.0
    markout_5s_bps: float = 0.0
    markout_5s_shares: float = 0.0
    markout_60s_bps: float = 0.0
    markout_60s_shares: float = 0.0

    def add(self, other: VenueStats, weight: float = 1.0) -> None:
        """Add `other`'s sums, scaled by `weight` (fees exactly when the weight is 1). Field by field, not by
        name (the router combines sums on every decision); a test checks that every field is added."""
        self.orders += other.orders * weight
        self.rejects += other.rejects * weight
        self.shares_sent += other.shares_sent * weight
        self.shares_filled += other.shares_filled * weight
        self.orders_filled += other.orders_filled * weight
        self.fill_seconds += other.fill_seconds * weight
        self.ack_us += other.ack_us * weight
        self.acks += other.acks * weight
        self.markout_1s_bps += other.markout_1s_bps * weight
        self.markout_1s_shares += other.markout_1s_shares * weight
        self.markout_5s_bps += other.markout_5s_bps * weight
        self.markout_5s_shares += other.markout_5s_shares * weight
        self.markout_60s_bps += other.markout_60s_bps * weight
        self.markout_60s_shares += other.markout_60s_shares * weight
        if weight == 1.0:
            self.fees_paid += other.fees_paid
            self.rebates_earned += other.rebates_earned
        else:
            scale = Decimal(repr(weight))
            self.fees_paid += other.fees_paid * scale
            self.rebates_earned += other.rebates_earned * scale

    def copy(self) -> VenueStats:
        twin = VenueStats()
        twin.add(self)
        return twin


_NOTHING = VenueStats()
"""No flow yet (read only)."""


@quick_init
@dataclass(frozen=True, slots=True)
class VenueEstimate:
    """What the router expects from a venue for one order type and size (priors blended in)."""

    venue: VenueId
    fill_rate: float  # share of the quantity sent that filled
    fill_seconds: float | None  # mean time to first fill (None: never filled yet)
    reject_rate: float
    ack_us: float | None  # mean acknowledgement latency (None: none measured)
    fee_per_share: Decimal | None  # observed net fee per filled share (None: nothing filled yet)
    markout_5s_bps: float | None
    orders: float


@dataclass
class Scorecard:
    """Per-key history (past days, age-weighted) plus today's running sums."""

    history: dict[ScoreKey, VenueStats] = field(default_factory=dict)
    today: dict[ScoreKey, VenueStats] = field(default_factory=dict)
    prior_orders: float = 2.0
    """Pseudo-orders of the prior blended into every estimate (so an untried venue is not ruled out)."""
    prior_fill_rate: float = 0.5
    dirty: bool = False

    def stats(self, key: ScoreKey) -> VenueStats:
        """Today's sums for `key` (created empty), to update."""
        found = self.today.get(key)
        if found is None:
            found = self.today[key] = VenueStats()
        self.dirty = True
        return found

    def roll_over(self) -> None:
        """A new trading day: today's sums join the history."""
        for key, stats in self.today.items():
            self.history.setdefault(key, VenueStats()).add(stats)
        self.today.clear()

    def combined(self, key: ScoreKey) -> VenueStats:
        """History and today's sums for `key`, as a new object."""
        return self._sums(key).copy()

    def _sums(self, key: ScoreKey) -> VenueStats:
        """History and today's sums for `key`, to read only: the stored sums themselves when one side has none."""
        past, now = self.history.get(key), self.today.get(key)
        if past is None:
            return now if now is not None else _NOTHING
        if now is None:
            return past
        total = past.copy()
        total.add(now)
        return total

    def estimate(self, venue: VenueId, kind: str, quantity: int) -> VenueEstimate:
        """Expectations for `quantity` of `kind` at `venue`: its own bucket, else every bucket of the kind."""
        bucket = size_bucket(quantity)
        stats = self._sums(ScoreKey(venue, kind, bucket))
        if stats.orders < 1:
            stats = VenueStats()
            for key in {*self.history, *self.today}:
                if key.venue == venue and key.order_type == kind:
                    stats.add(self._sums(key))
        prior = self.prior_orders
        mean_order = stats.shares_sent / stats.orders if stats.orders else float(max(quantity, 1))
        fill_rate = (stats.shares_filled + self.prior_fill_rate * prior * mean_order) / (
            stats.shares_sent + prior * mean_order)
        fee = (stats.fees_paid - stats.rebates_earned) / Decimal(repr(stats.shares_filled)) \
            if stats.shares_filled else None
        return VenueEstimate(
            venue, fill_rate,
            stats.fill_seconds / stats.orders_filled if stats.orders_filled else None,
            stats.rejects / (stats.orders + prior),
            stats.ack_us / stats.acks if stats.acks else None,
            fee, stats.markout_5s_bps / stats.markout_5s_shares if stats.markout_5s_shares else None,
            stats.orders,
        )

    def keys(self) -> list[ScoreKey]:
        return sorted({*self.history, *self.today}, key=lambda k: (k.venue, k.order_type, k.bucket))

    def rows(self) -> list[tuple[ScoreKey, VenueStats]]:
        """Every key with history and today combined (the GUI's and the bench's view)."""
        return [(key, self.combined(key)) for key in self.keys()]
