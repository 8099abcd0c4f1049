"""Read-only views for the book ladder and the venue panel: our working children of one symbol, each venue's
scorecard summed over order types and size buckets (ratios of sums), and FIX sequence numbers when a venue
has them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal as D

import pytest

from engine.book_views import OwnOrder, working_orders
from engine.model import ChildId, OrdStatus, OrdType, ParentId, Side, Symbol, TimeInForce, VenueId
from engine.routing.scorecard import ScoreKey, VenueStats
from engine.venue_views import SequencedVenue, sequence_numbers, venue_scores
from engine.views import ChildView


def child(cid: str, symbol: str = "AAPL", *, venue: str = "LIT1", side: Side = Side.BUY, price: str | None = "100.00",
          leaves: int = 300, status: OrdStatus = OrdStatus.NEW, ord_type: OrdType = OrdType.LIMIT) -> ChildView:
    return ChildView(ChildId(cid), ParentId("P1"), VenueId(venue), Symbol(symbol), side, 300,
                     None if price is None else D(price), ord_type, TimeInForce.DAY, status, 300 - leaves, leaves,
                     None, 0, 0, "")


@dataclass(frozen=True)
class Sent:
    symbol: Symbol


class Store:
    def __init__(self, *children: ChildView) -> None:
        self.children = {c.child_id: c for c in children}

    def live_child_ids(self) -> list[ChildId]:
        return list(self.children)

    def submitted(self, child_id: ChildId) -> Sent:
        return Sent(self.children[child_id].symbol)

    def child(self, child_id: ChildId) -> ChildView:
        return self.children[child_id]


def test_working_orders_are_the_live_children_of_the_symbol_with_something_left() -> None:
    store = Store(
        child("C1"), child("C2", "MSFT"), child("C3", venue="DARK1", side=Side.SELL, leaves=100,
                                               status=OrdStatus.PARTIALLY_FILLED),
        child("C4", leaves=0, status=OrdStatus.PENDING_CANCEL), child("C5", status=OrdStatus.CANCELED),
        child("C6", price=None, ord_type=OrdType.MARKET),
    )
    assert working_orders(store, "AAPL") == [
        OwnOrder(ChildId("C1"), VenueId("LIT1"), Side.BUY, D("100.00"), 300),
        OwnOrder(ChildId("C3"), VenueId("DARK1"), Side.SELL, D("100.00"), 100),
        OwnOrder(ChildId("C6"), VenueId("LIT1"), Side.BUY, None, 300),
    ]


def stats(**sums: float | D) -> VenueStats:
    found = VenueStats()
    for name, value in sums.items():
        setattr(found, name, value)
    return found


def test_venue_scores_are_ratios_of_the_summed_rows() -> None:
    lit1 = VenueId("LIT1")
    rows = [
        (ScoreKey(lit1, "limit", "1-99"), stats(orders=3, rejects=1, shares_sent=300, shares_filled=100,
                                                 orders_filled=1, fill_seconds=4.0, fees_paid=D("0.30"),
                                                 markout_5s_bps=200.0, markout_5s_shares=100)),
        (ScoreKey(lit1, "ioc", "500-1999"), stats(orders=1, shares_sent=900, shares_filled=900, orders_filled=1,
                                                   fill_seconds=0.0, rebates_earned=D("0.90"),
                                                   markout_5s_bps=-4_500.0, markout_5s_shares=900)),
        (ScoreKey(VenueId("LIT2"), "limit", "1-99"), stats(orders=2, shares_sent=200)),
    ]
    scores = venue_scores(rows)
    one = scores[lit1]
    assert (one.orders, one.fill_rate, one.fill_seconds, one.reject_rate) == (4, 1000 / 1200, 2.0, 0.25)
    assert (one.fees_paid, one.rebates_earned, one.net_fee_per_share) == (D("0.30"), D("0.90"), D("-0.0006"))
    one_s, five_s, sixty_s = one.markout_bps
    assert (one_s, sixty_s) == (None, None) and five_s == pytest.approx(-4.3)  # (200 - 4,500) bps·shares / 1,000
    two = scores[VenueId("LIT2")]
    assert (two.fill_rate, two.fill_seconds, two.net_fee_per_share, two.reject_rate) == (0.0, None, None, 0.0)


class FixVenue:
    def sequence_numbers(self) -> tuple[int, int]:
        return 42, 17


def test_sequence_numbers_only_from_a_venue_that_has_a_session() -> None:
    assert isinstance(FixVenue(), SequencedVenue)
    assert sequence_numbers(FixVenue()) == (42, 17)
    assert sequence_numbers(object()) is None
