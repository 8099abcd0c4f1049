"""The replay venue obeys BENCH.md: displayed depth only, queue position for passive fills, our own
fills deplete the recording, no look-ahead, deterministic."""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.events import (
    BookUpdated,
    ChildAccepted,
    ChildCanceled,
    ChildCancelRejected,
    ChildExpired,
    ChildFilled,
    ChildRejected,
    ChildReplaced,
    TradePrinted,
    VenueStatusChanged,
)
from engine.model import ChildId, Liquidity, Side, TimeInForce
from engine.venues.replay import replay_instrument
from tests.engine.marketdata.synthetic import Msg
from tests.engine.venues.replay.harness import T0, Harness

D = Decimal
IOC = TimeInForce.IOC


def test_connect_reports_status_and_the_book_at_the_current_replay_time(tmp_path: Path) -> None:
    h = Harness(tmp_path, [])
    status, book = h.listener.events[:2]
    assert isinstance(status, VenueStatusChanged) and status.connected and "XYZ_2019-03-04" in status.detail
    assert isinstance(book, BookUpdated)
    assert book.bids == ((D("99.98"), 300), (D("99.97"), 200))
    assert book.asks == ((D("100.00"), 100), (D("100.01"), 200), (D("100.02"), 300))


def test_market_buy_walks_the_displayed_levels_at_their_real_prices(tmp_path: Path) -> None:
    h = Harness(tmp_path, [], taker_fee_per_share=D("0.003"))
    cid = h.send(Side.BUY, 450)
    assert isinstance(h.listener.of(ChildAccepted, cid)[0], ChildAccepted)
    assert h.listener.filled(cid) == [(D("100.00"), 100), (D("100.01"), 200), (D("100.02"), 150)]
    fills = h.listener.of(ChildFilled, cid)
    assert {f.liquidity for f in fills} == {Liquidity.REMOVED}
    assert [f.fee for f in fills] == [D("0.300"), D("0.600"), D("0.450")]
    assert not h.listener.of(ChildCanceled, cid)


def test_an_aggressive_order_never_takes_more_than_is_displayed(tmp_path: Path) -> None:
    h = Harness(tmp_path, [])
    ioc = h.send(Side.BUY, 1000, "100.01", tif=IOC)
    assert h.listener.filled(ioc) == [(D("100.00"), 100), (D("100.01"), 200)]
    (canceled,) = h.listener.of(ChildCanceled, ioc)
    assert "700" in canceled.reason
    market = h.send(Side.SELL, 10_000)
    assert sum(q for _, q in h.listener.filled(market)) == 500  # both bid levels, nothing more
    assert h.listener.of(ChildCanceled, market)


def test_a_limit_that_does_not_cross_takes_nothing_and_an_ioc_is_canceled(tmp_path: Path) -> None:
    h = Harness(tmp_path, [])
    ioc = h.send(Side.BUY, 10, "99.99", tif=IOC)
    assert h.listener.filled(ioc) == [] and h.listener.of(ChildCanceled, ioc)


def test_two_takes_before_a_refresh_do_not_get_the_same_shares(tmp_path: Path) -> None:
    h = Harness(tmp_path, [])
    first = h.send(Side.BUY, 100, "100.00", tif=IOC)
    second = h.send(Side.BUY, 100, "100.00", tif=IOC)
    assert h.listener.filled(first) == [(D("100.00"), 100)]
    assert h.listener.filled(second) == []
    h.run_to(T0 + 1)
    assert h.listener.of(BookUpdated)[-1].asks[0] == (D("100.01"), 200)  # the book we publish is depleted too


def test_shares_taken_stay_taken_when_others_trade_at_that_level(tmp_path: Path) -> None:
    h = Harness(tmp_path, [Msg(T0 + 1, 4, 3, 30, 1_000_000, -1)])
    h.send(Side.BUY, 60, "100.00", tif=IOC)
    h.run_to(T0 + 2)  # recorded: someone else buys 30 of the 100 -> 70 shown, 60 of them already ours
    later = h.send(Side.BUY, 100, "100.00", tif=IOC)
    assert h.listener.filled(later) == [(D("100.00"), 10)]


def test_new_recorded_orders_at_a_depleted_level_are_available(tmp_path: Path) -> None:
    h = Harness(tmp_path, [Msg(T0 + 1, 1, 9, 50, 1_000_000, -1)])
    h.send(Side.BUY, 100, "100.00", tif=IOC)
    h.run_to(T0 + 2)
    later = h.send(Side.BUY, 100, "100.00", tif=IOC)
    assert h.listener.filled(later) == [(D("100.00"), 50)]


def test_a_level_that_empties_in_the_recording_starts_fresh(tmp_path: Path) -> None:
    h = Harness(tmp_path, [Msg(T0 + 1, 3, 3, 100, 1_000_000, -1), Msg(T0 + 2, 1, 9, 80, 1_000_000, -1)])
    h.send(Side.BUY, 100, "100.00", tif=IOC)
    h.run_to(T0 + 3)
    later = h.send(Side.BUY, 100, "100.00", tif=IOC)
    assert h.listener.filled(later) == [(D("100.00"), 80)]


def _sell_hits(t: float, size: int, price: int = 999_800, order_id: int = 1) -> Msg:
    return Msg(t, 4, order_id, size, price, 1)


def test_a_passive_order_fills_only_once_trades_exceed_the_queue_ahead(tmp_path: Path) -> None:
    later = [
        _sell_hits(T0 + 1, 200),
        _sell_hits(T0 + 2, 100),  # 300 traded at our price: exactly the queue ahead
        Msg(T0 + 2.5, 1, 7, 500, 999_800, 1),  # a new bid behind us
        _sell_hits(T0 + 3, 150, order_id=7),
    ]
    h = Harness(tmp_path, later)
    cid = h.send(Side.BUY, 100, "99.98")  # 300 displayed ahead of us
    h.run_to(T0 + 2.9)
    assert h.listener.filled(cid) == []
    h.run_to(T0 + 4)
    fills = h.listener.of(ChildFilled, cid)
    assert [(f.price, f.quantity, f.liquidity) for f in fills] == [(D("99.98"), 100, Liquidity.ADDED)]
    assert fills[0].ts_ns == h.at(T0 + 3)


def test_trade_volume_beyond_the_queue_fills_only_the_excess(tmp_path: Path) -> None:
    h = Harness(tmp_path, [Msg(T0 + 1, 1, 7, 100, 999_800, 1), _sell_hits(T0 + 2, 340)])
    cid = h.send(Side.BUY, 100, "99.98")
    h.run_to(T0 + 3)
    assert h.listener.filled(cid) == [(D("99.98"), 40)]


def test_each_recorded_share_fills_at_most_one_of_our_orders(tmp_path: Path) -> None:
    h = Harness(tmp_path, [Msg(T0 + 1, 1, 7, 100, 999_800, 1), _sell_hits(T0 + 2, 340)])
    first = h.send(Side.BUY, 30, "99.98")
    second = h.send(Side.BUY, 30, "99.98")
    h.run_to(T0 + 3)
    assert h.listener.filled(first) == [(D("99.98"), 30)]
    assert h.listener.filled(second) == [(D("99.98"), 10)]


def test_a_trade_through_our_price_fills_us_up_to_its_size(tmp_path: Path) -> None:
    later = [Msg(T0 + 1, 3, 1, 300, 999_800, 1), _sell_hits(T0 + 2, 120, price=999_700, order_id=2)]
    h = Harness(tmp_path, later)
    small = h.send(Side.BUY, 100, "99.98")
    h.run_to(T0 + 3)
    assert h.listener.filled(small) == [(D("99.98"), 100)]


def test_cancels_shrink_the_queue_ahead_to_what_is_still_shown(tmp_path: Path) -> None:
    later = [
        Msg(T0 + 1, 2, 1, 250, 999_800, 1),  # 50 left displayed at 99.98: at most 50 ahead of us
        Msg(T0 + 2, 5, 0, 80, 999_800, 1),  # a hidden order at our price trades 80
    ]
    h = Harness(tmp_path, later)
    cid = h.send(Side.BUY, 100, "99.98")
    h.run_to(T0 + 3)
    assert h.listener.filled(cid) == [(D("99.98"), 30)]


def test_a_recorded_order_crossing_our_resting_order_fills_it(tmp_path: Path) -> None:
    h = Harness(tmp_path, [Msg(T0 + 1, 1, 9, 40, 999_900, -1)])
    cid = h.send(Side.BUY, 100, "99.99")  # inside the spread: nobody ahead
    h.run_to(T0 + 2)
    assert h.listener.filled(cid) == [(D("99.99"), 40)]
    ioc = h.send(Side.BUY, 10, "99.99", tif=IOC)  # the recorded sell is shown, but it traded with us
    assert h.listener.filled(ioc) == []


def test_recorded_executions_are_printed_with_the_initiating_side(tmp_path: Path) -> None:
    h = Harness(tmp_path, [_sell_hits(T0 + 1, 20), Msg(T0 + 2, 4, 3, 5, 1_000_000, -1)])
    h.run_to(T0 + 3)
    prints = [(p.price, p.quantity, p.aggressor, p.ts_ns) for p in h.listener.of(TradePrinted)]
    assert prints == [(D("99.98"), 20, Side.SELL, h.at(T0 + 1)), (D("100.00"), 5, Side.BUY, h.at(T0 + 2))]


def test_book_updates_are_conflated_to_the_interval(tmp_path: Path) -> None:
    later = [Msg(T0 + 1 + k / 100, 1, 100 + k, 1, 999_700, 1) for k in range(100)]  # 100 changes in 1 s
    h = Harness(tmp_path, later, book_interval_ns=100_000_000)
    h.run_to(T0 + 3)
    books = [b for b in h.listener.of(BookUpdated) if b.ts_ns > h.at(T0 + 0.5)]
    assert 10 <= len(books) <= 11
    assert all(b.ts_ns - a.ts_ns >= 100_000_000 for a, b in itertools.pairwise(books))
    assert books[-1].bids[1] == (D("99.97"), 300)


def test_nothing_after_the_replay_time_is_used(tmp_path: Path) -> None:
    h = Harness(tmp_path, [Msg(T0 + 1.000001, 1, 9, 500, 1_000_000, -1)])
    h.run_to(T0 + 1)
    assert h.venue.events_replayed == 5
    cid = h.send(Side.BUY, 300, "100.00", tif=IOC)
    assert h.listener.filled(cid) == [(D("100.00"), 100)]


def test_the_venue_keeps_one_timer_for_the_recording_not_one_per_message(tmp_path: Path) -> None:
    later = [Msg(T0 + 1 + k, 1, 100 + k, 1, 999_700, 1) for k in range(50)]
    h = Harness(tmp_path, later)
    assert h.clock.pending <= 2  # next recorded message + session close
    h.run_to(T0 + 10.5)
    assert h.clock.pending <= 3  # plus at most one pending book flush


def test_bad_orders_are_rejected_with_a_reason(tmp_path: Path) -> None:
    h = Harness(tmp_path, [])
    cases = {
        "tick": h.send(Side.BUY, 10, "100.005"),
        "unknown symbol": h.send(Side.BUY, 10, "100.00", symbol="ABC"),
        "positive": h.send(Side.BUY, 0, "100.00"),
    }
    dup = h.send(Side.BUY, 1, "99.00", child_id="D1")
    again = h.send(Side.BUY, 1, "99.00", child_id="D1")
    reasons = {name: h.listener.of(ChildRejected, cid)[0].reason for name, cid in cases.items()}
    for name, reason in reasons.items():
        assert name in reason
    assert h.listener.of(ChildAccepted, dup) and "duplicate" in h.listener.of(ChildRejected, again)[0].reason


def test_cancel_and_its_rejections(tmp_path: Path) -> None:
    h = Harness(tmp_path, [])
    resting = h.send(Side.BUY, 10, "99.00")
    h.venue.cancel(resting)
    h.venue.cancel(ChildId("nope"))
    h.clock.advance(0)
    assert h.listener.of(ChildCanceled, resting)[0].reason == "canceled on request"
    assert "unknown order" in h.listener.of(ChildCancelRejected, "nope")[0].reason
    h.venue.cancel(resting)
    h.clock.advance(0)
    assert "too late" in h.listener.of(ChildCancelRejected, resting)[0].reason


def test_replace_to_a_crossing_price_takes_and_fewer_shares_keep_the_queue(tmp_path: Path) -> None:
    h = Harness(tmp_path, [Msg(T0 + 1, 1, 7, 100, 999_800, 1), _sell_hits(T0 + 2, 320)])
    cid = h.send(Side.BUY, 100, "99.98")  # 300 ahead
    h.venue.replace(cid, 50, None)  # fewer shares: keeps its place
    h.clock.advance(0)
    assert h.listener.of(ChildReplaced, cid)[0].quantity == 50
    h.run_to(T0 + 3)
    assert h.listener.filled(cid) == [(D("99.98"), 20)]
    h.venue.replace(cid, 200, D("100.01"))
    h.clock.advance(0)
    assert h.listener.filled(cid)[1:] == [(D("100.00"), 100), (D("100.01"), 80)]


def test_resting_orders_expire_when_the_replayed_session_ends(tmp_path: Path) -> None:
    h = Harness(tmp_path, [])
    cid = h.send(Side.SELL, 10, "101.00")
    h.run_to(57_600.0)
    assert h.listener.of(ChildExpired, cid)
    late = h.send(Side.SELL, 10, "101.00")
    assert "ended" in h.listener.of(ChildRejected, late)[0].reason


def test_latency_delays_arrival_and_reports(tmp_path: Path) -> None:
    h = Harness(tmp_path, [Msg(T0 + 1.0005, 3, 3, 100, 1_000_000, -1)], latency_ns=1_000_000)
    h.run_to(T0 + 1)
    cid = h.send(Side.BUY, 50, "100.00", tif=IOC)
    h.run_to(T0 + 1.01)
    assert h.listener.filled(cid) == []  # the ask was gone when the order arrived, 1 ms later
    (accepted,) = h.listener.of(ChildAccepted, cid)
    assert accepted.ts_ns == h.at(T0 + 1) + 2_000_000


def _scripted_run(tmp_path: Path) -> list[str]:
    later = [_sell_hits(T0 + 1, 200), Msg(T0 + 1.5, 1, 9, 40, 999_900, -1), _sell_hits(T0 + 2, 100)]
    h = Harness(tmp_path, later)
    h.send(Side.BUY, 120, "99.98")
    h.send(Side.BUY, 30, "99.99")
    h.run_to(T0 + 1.2)
    h.send(Side.BUY, 250, tif=IOC)
    h.run_to(T0 + 5)
    return [repr(e) for e in h.listener.events]


def test_replay_is_deterministic(tmp_path: Path) -> None:
    first = _scripted_run(tmp_path / "a")
    assert first == _scripted_run(tmp_path / "b")
    assert any("ChildFilled" in e for e in first)


def test_replay_instrument_uses_the_cent_tick_and_single_shares() -> None:
    instrument = replay_instrument("AAPL")
    assert instrument.tick_size == D("0.01") and instrument.lot_size == 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from([Side.BUY, Side.SELL]),
            st.integers(1, 400),
            st.sampled_from([None, "99.97", "99.98", "100.00", "100.01", "100.02"]),
        ),
        max_size=8,
    )
)
def test_aggressive_fills_never_exceed_displayed_depth(
    tmp_path_factory: pytest.TempPathFactory, orders: list[tuple[Side, int, str | None]]
) -> None:
    h = Harness(tmp_path_factory.mktemp("prop"), [])
    shown = {
        ("ask", D("100.00")): 100,
        ("ask", D("100.01")): 200,
        ("ask", D("100.02")): 300,
        ("bid", D("99.98")): 300,
        ("bid", D("99.97")): 200,
    }
    taken: dict[tuple[str, Decimal], int] = {}
    for side, quantity, price in orders:
        cid = h.send(side, quantity, price, tif=IOC)
        for fill_price, shares in h.listener.filled(cid):
            key = ("ask" if side is Side.BUY else "bid", fill_price)
            assert key in shown
            if price is not None:
                assert fill_price <= D(price) if side is Side.BUY else fill_price >= D(price)
            taken[key] = taken.get(key, 0) + shares
        assert sum(q for _, q in h.listener.filled(cid)) <= quantity
    for key, shares in taken.items():
        assert shares <= shown[key]


def test_a_closed_venue_stops_replaying_and_reporting(tmp_path: Path) -> None:
    h = Harness(tmp_path, [_sell_hits(T0 + 1, 20)])
    heard = len(h.listener.events)
    h.venue.close()
    h.run_to(T0 + 5)
    assert len(h.listener.events) == heard and h.clock.pending == 0
