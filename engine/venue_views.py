"""Read-only views for the venue panel: each venue's scorecard summed over order types and size buckets, and
the FIX sequence numbers of a venue that has them.

The scorecard (engine/routing/scorecard.py) keeps sums per (venue, order type, size bucket), history and today;
the panel shows one line per venue, so the sums are added before the ratios are taken (a ratio of sums, never
an average of ratios).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable

from engine.model import VenueId
from engine.routing.scorecard import ScoreKey, VenueStats


@runtime_checkable
class SequencedVenue(Protocol):
    """A venue reached over a FIX session: (next MsgSeqNum we send, next MsgSeqNum we expect)."""

    def sequence_numbers(self) -> tuple[int, int]: ...


def sequence_numbers(venue: object) -> tuple[int, int] | None:
    """The venue's (next out, next in) FIX sequence numbers; None for an in-process venue."""
    return venue.sequence_numbers() if isinstance(venue, SequencedVenue) else None


@dataclass(frozen=True, slots=True)
class VenueScore:
    """One venue's record with our flow (history age-weighted, plus today). None: nothing to measure yet."""

    venue: VenueId
    orders: float
    shares_sent: float
    shares_filled: float
    fill_rate: float | None
    """Share of the quantity sent that filled."""
    fill_seconds: float | None
    """Mean time from sending to the first fill, of the orders that filled."""
    fees_paid: Decimal
    rebates_earned: Decimal
    reject_rate: float | None
    markout_bps: tuple[float | None, float | None, float | None]
    """Share-weighted markouts at +1 s, +5 s, +60 s (bps; positive = the mid moved our way)."""

    @property
    def net_fee_per_share(self) -> Decimal | None:
        """Fees minus rebates per filled share (negative: the venue paid us)."""
        if not self.shares_filled:
            return None
        return (self.fees_paid - self.rebates_earned) / Decimal(repr(self.shares_filled))


def venue_scores(rows: Iterable[tuple[ScoreKey, VenueStats]]) -> dict[VenueId, VenueScore]:
    """Per venue, the sums of every (order type, size bucket) row, then the ratios."""
    totals: dict[VenueId, VenueStats] = {}
    for key, stats in rows:
        total = totals.get(key.venue)
        if total is None:
            total = totals[key.venue] = VenueStats()
        total.add(stats)
    return {venue: _score(venue, s) for venue, s in totals.items()}


def _score(venue: VenueId, s: VenueStats) -> VenueScore:
    return VenueScore(
        venue, s.orders, s.shares_sent, s.shares_filled,
        s.shares_filled / s.shares_sent if s.shares_sent else None,
        s.fill_seconds / s.orders_filled if s.orders_filled else None,
        s.fees_paid, s.rebates_earned,
        s.rejects / s.orders if s.orders else None,
        (_ratio(s.markout_1s_bps, s.markout_1s_shares), _ratio(s.markout_5s_bps, s.markout_5s_shares),
         _ratio(s.markout_60s_bps, s.markout_60s_shares)),
    )


def _ratio(total: float, weight: float) -> float | None:
    return total / weight if weight else None
