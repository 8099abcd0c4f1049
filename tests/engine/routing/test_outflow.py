"""Queue outflow windows (the ξ of the Cont–Kukanov split) and the split they drive in the router."""

from __future__ import annotations

from decimal import Decimal

from engine import events as ev
from engine.model import Side
from engine.routing.outflow import OutflowTracker
from engine.routing.policy import RoutingConfig
from tests.engine.routing.helpers import (
    AAPL,
    DARK1,
    DAY,
    INSTRUMENT,
    IOC,
    LIT1,
    LIT3,
    VENUES,
    S,
    make_router,
    parent,
    passive,
    route,
)

START = 1_000 * S


def trade(venue: str, quantity: int, ts: int, aggressor: Side = Side.SELL) -> ev.TradePrinted:
    return ev.TradePrinted(ts, venue, AAPL, Decimal("190.00"), quantity, aggressor)  # type: ignore[arg-type]


def test_windows_are_aligned_across_venues_and_quiet_windows_count_as_zero() -> None:
    tracker = OutflowTracker(window_s=10, history=5, min_windows=2)
    tracker.observe_from(AAPL, START - 1)  # watching from the window starting at START
    tracker.on_trade(trade("LIT1", 300, START + S))
    tracker.on_trade(trade("LIT2", 100, START + 2 * S))
    tracker.on_trade(trade("LIT1", 200, START + 25 * S))
    tracker.on_trade(trade("LIT1", 999, START + 26 * S, aggressor=Side.BUY))  # eats asks, not bids
    assert tracker.scenarios(AAPL, ["LIT1", "LIT2"], Side.BUY, START + 15 * S) is None  # one window only
    scenarios = tracker.scenarios(AAPL, ["LIT1", "LIT2"], Side.BUY, START + 31 * S)  # type: ignore[list-item]
    assert scenarios == ((300, 100), (0, 0), (200, 0))
    assert tracker.scenarios(AAPL, ["LIT1"], Side.SELL, START + 31 * S) == ((0,), (0,), (999,))  # type: ignore[list-item]


Split = list[tuple[str, int, object, Decimal | None]]


def split_after_history(limit: str | None, quantity: int = 5_000) -> tuple[str, Split]:
    """The Cont-Kukanov split of a passive 600 at 190.00 (190.00 / 190.01 everywhere) for a buy parent of
    `quantity` limited at `limit`, once an outflow history is in where LIT1's queue (900 ahead) never clears
    and LIT2's (500) and LIT3's (200) often do, after a dark ping that found nothing: the decision's note and
    the children."""
    router, ports, clock = make_router(RoutingConfig(ck_horizon_s=10, ck_min_windows=3), view=parent(
        quantity, routing="LIQUIDITY", limit=limit))
    router.outflow.observe_from(AAPL, clock.now_ns() - 1)
    for window in range(6):
        t = clock.now_ns() + window * 10 * S
        router.on_market_data(trade("LIT1", 300, t + S))
        router.on_market_data(trade("LIT2", 900 if window % 2 else 200, t + S))
        router.on_market_data(trade("LIT3", 700, t + S))
    clock.advance(60 * S)
    _, first, ids = route(router, ports, passive(600))
    assert [c.venue for c in first] == [DARK1]  # dark first
    router.on_event(ev.ChildCanceled(clock.now_ns(), ids[0], "no contra"))
    decision, children = router.decide(passive(600), ports.view, INSTRUMENT, ports.market, VENUES)
    return decision.note, [(c.venue, c.quantity, c.tif, c.price) for c in children]


def test_with_outflow_history_a_passive_slice_is_split_by_cont_kukanov_across_lit_venues() -> None:
    note, children = split_after_history(None)
    assert "Cont-Kukanov split of 600" in note, note
    resting = {venue: quantity for venue, quantity, tif, _ in children if tif is DAY}
    assert resting.get(LIT1, 0) == 0  # nothing behind a queue that never clears
    assert resting.get(LIT3, 0) > 0 and all(price == Decimal("190.01") for _, _, tif, price in children if tif is IOC)
    assert sum(quantity for _, quantity, _, _ in children) <= 2 * 600  # overbooking stays within the bound
    assert sum(quantity for _, quantity, _, _ in children) > 600  # it does overbook here (uncertain fills)
    _, children = split_after_history(None, quantity=605)  # and never past what the parent may still send
    assert 0 < sum(quantity for _, quantity, _, _ in children) <= 605


def test_the_splits_market_part_never_takes_through_the_parents_limit() -> None:
    note, children = split_after_history("190.01")  # the far touch is within the limit: the split takes
    assert any(tif is IOC and price == Decimal("190.01") for _, _, tif, price in children), note
    note, children = split_after_history("190.00")  # 190.01 is through it: no market part, only resting
    assert children and all(tif is DAY and price == Decimal("190.00") for _, _, tif, price in children), children
    assert "none now: the far touch 190.01 is through the parent's limit 190.00" in note, note

def book(venue: str, bid: str, size: int, ts: int) -> ev.BookUpdated:
    return ev.BookUpdated(ts, venue, AAPL, ((Decimal(bid), size),), ((Decimal("190.05"), 100),))  # type: ignore[arg-type]


def test_queue_depletion_seen_in_book_updates_counts_cancellations_the_prints_do_not_show() -> None:
    tracker = OutflowTracker(window_s=10, history=5, min_windows=1)
    tracker.observe_from(AAPL, START - 1)
    tracker.on_book(book("LIT1", "190.00", 900, START + S))
    tracker.on_book(book("LIT1", "190.00", 600, START + 2 * S))  # 300 left the queue (no print: cancels)
    tracker.on_book(book("LIT1", "189.99", 500, START + 3 * S))  # the bid backed off: the other 600 left too
    tracker.on_book(book("LIT1", "190.01", 200, START + 4 * S))  # a better bid: nothing left
    tracker.on_trade(trade("LIT1", 100, START + 5 * S))  # prints smaller than the depletion add nothing
    assert tracker.scenarios(AAPL, ["LIT1"], Side.BUY, START + 11 * S) == ((900,),)  # type: ignore[list-item]
    tracker.on_trade(trade("LIT1", 1_500, START + 12 * S))  # a window where prints say more: prints count
    assert tracker.scenarios(AAPL, ["LIT1"], Side.BUY, START + 21 * S) == ((900,), (1_500,))  # type: ignore[list-item]


def _outflow_history(router: object, clock: object, per_second: dict[str, int], seconds: int = 60) -> None:
    """Sell-initiated prints eating the bid queues at the given rates, one print a second per venue."""
    start = clock.now_ns()  # type: ignore[attr-defined]
    for second in range(seconds):
        for venue, quantity in per_second.items():
            router.on_market_data(trade(venue, quantity, start + second * S))  # type: ignore[attr-defined]
    clock.advance(seconds * S)  # type: ignore[attr-defined]


def test_outflow_rates_are_shares_per_second_over_the_completed_windows() -> None:
    tracker = OutflowTracker(window_s=10, history=30, min_windows=3)
    tracker.observe_from(AAPL, START - 1)
    assert tracker.rates(AAPL, [LIT1, LIT3], Side.BUY, START + 25 * S) is None  # two whole windows only
    for second in range(40):
        tracker.on_trade(trade("LIT1", 50, START + second * S))
    assert tracker.rates(AAPL, [LIT1, LIT3], Side.BUY, START + 45 * S) == {LIT1: 50.0, LIT3: 0.0}


def test_a_sequential_rest_is_given_the_time_its_venues_queue_needs_to_trade_through_it() -> None:
    config = RoutingConfig(sequential_timeout_s=5.0, sequential_max_timeout_s=120.0)
    router, ports, clock = make_router(config, view=parent(routing="SEQUENTIAL"))
    _outflow_history(router, clock, {"LIT1": 100, "LIT3": 1})
    _, children, ids = route(router, ports, passive(300))
    assert [(c.venue, c.quantity) for c in children] == [(LIT1, 300)]
    # 900 displayed ahead at 190.00 on LIT1 + our 300, at 100 shares/s out of that queue: 12 s, not 5
    clock.advance(11 * S)
    assert ports.cancels == []
    clock.advance(1 * S)
    ((canceled, why),) = ports.cancels
    assert canceled == ids[0] and "300 of 300 unfilled on LIT1 after 12 s" in why


def test_a_sequential_rest_waits_no_longer_than_the_longest_nor_less_than_the_shortest_timeout() -> None:
    config = RoutingConfig(sequential_timeout_s=5.0, sequential_max_timeout_s=30.0)
    router, ports, clock = make_router(config, view=parent(routing="SEQUENTIAL"))
    _outflow_history(router, clock, {"LIT1": 1})  # 1,200 shares at 1 share/s: 20 minutes
    route(router, ports, passive(300))
    clock.advance(29 * S)
    assert ports.cancels == []
    clock.advance(1 * S)
    assert "after 30 s" in ports.cancels[0][1]
    router, ports, clock = make_router(config, view=parent(routing="SEQUENTIAL"))
    _outflow_history(router, clock, {"LIT1": 10_000})  # the queue clears within a second
    route(router, ports, passive(300))
    clock.advance(4 * S)
    assert ports.cancels == []
    clock.advance(1 * S)
    assert "after 5 s" in ports.cancels[0][1]


def test_a_sequential_decision_records_how_long_its_rest_is_given_and_why() -> None:
    router, ports, clock = make_router(RoutingConfig(), view=parent(routing="SEQUENTIAL"))
    decision, _ = router.decide(passive(300), ports.view, INSTRUMENT, ports.market, VENUES)
    assert "re-routed if unfilled after 5 s (no queue outflow measured there yet)" in decision.note
    _outflow_history(router, clock, {"LIT1": 100})
    decision, _ = router.decide(passive(300), ports.view, INSTRUMENT, ports.market, VENUES)
    assert "re-routed if unfilled after 12 s (900 ahead + 300 at 100 shares/s out of LIT1's queue)" in decision.note


def test_a_sequential_rest_is_given_whole_seconds_and_its_cancel_says_the_same_time() -> None:
    router, ports, clock = make_router(RoutingConfig(), view=parent(routing="SEQUENTIAL"))
    _outflow_history(router, clock, {"LIT1": 70})  # (900 + 300) / 70 = 17.1 s
    decision, _ = router.decide(passive(300), ports.view, INSTRUMENT, ports.market, VENUES)
    assert "re-routed if unfilled after 18 s" in decision.note
    route(router, ports, passive(300))
    clock.advance(18 * S)
    assert "unfilled on LIT1 after 18 s" in ports.cancels[0][1]
