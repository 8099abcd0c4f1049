"""The quote watch: a touch change wakes exactly the algos whose plan it moves, and costs one passive-price
computation per placement rule, not one per parent on the book."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from engine.algos.common import AGGRESSIVENESS
from engine.algos.wakes import QuoteWatch, ReachCheck
from engine.market import MarketView, Quote
from engine.model import Instrument, ParentId, Side, Symbol
from engine.views import ParentView

AAPL = Symbol("AAPL")
TICK = Decimal("0.01")


@dataclass
class Market:
    quote_now: Quote = field(default_factory=lambda: Quote(Decimal("100.00"), 100, Decimal("100.05"), 100))

    def quote(self, symbol: Symbol) -> Quote:
        return self.quote_now


@dataclass
class Parent:
    side: Side
    limit_price: Decimal | None = None


class Algo:
    """What a check asks of its algo: the passive price and sweep reach (the bid, for a buy), and a wake."""

    reach_calls = 0

    def __init__(self, aggressiveness: str = "MEDIUM") -> None:
        self.aggressiveness = AGGRESSIVENESS[aggressiveness]
        self.instrument = Instrument(AAPL, TICK, 1)
        self.woken: list[int] = []

    def reach(self, parent: Any, quote: Quote) -> tuple[Decimal | None, bool]:
        Algo.reach_calls += 1
        return (quote.bid if parent.side is Side.BUY else quote.ask), False

    def wake_at(self, t_ns: int) -> None:
        self.woken.append(t_ns)


def check(algo: Algo, price: Decimal | None, repeg_after: int, side: Side = Side.BUY) -> ReachCheck:
    return ReachCheck(cast(Any, algo), cast(ParentView, Parent(side)), price, False, repeg_after)


def watch_with(market: Market, checks: dict[str, ReachCheck]) -> QuoteWatch:
    watch = QuoteWatch(cast(MarketView, market))
    watch.on_book(AAPL)  # the touch the plans were made on
    for pid, c in checks.items():
        watch.watch(AAPL, ParentId(pid), c)
    return watch


def test_a_touch_change_that_moves_no_plan_computes_one_reach_and_wakes_nobody() -> None:
    market = Market()
    algos = [Algo() for _ in range(1_000)]
    watch = watch_with(market, {f"P{i}": check(a, Decimal("100.00"), 10 + i) for i, a in enumerate(algos)})
    Algo.reach_calls = 0
    market.quote_now = Quote(Decimal("100.00"), 300, Decimal("100.04"), 100)  # the ask moved, the bid did not
    watch.on_book(AAPL)
    assert Algo.reach_calls == 1
    assert not any(a.woken for a in algos)


def test_a_touch_change_that_moves_the_plans_wakes_each_at_its_own_time() -> None:
    market = Market()
    algos = [Algo() for _ in range(50)]
    watch = watch_with(market, {f"P{i}": check(a, Decimal("100.00"), 10 + i) for i, a in enumerate(algos)})
    market.quote_now = Quote(Decimal("100.01"), 100, Decimal("100.05"), 100)
    watch.on_book(AAPL)
    assert [a.woken for a in algos] == [[10 + i] for i in range(50)]


def test_only_the_plans_a_change_moves_are_woken() -> None:
    market = Market()
    at_bid, behind, seller, unpriced = Algo(), Algo(), Algo(), Algo()
    no_child = ReachCheck(cast(Any, unpriced), cast(ParentView, Parent(Side.BUY)), None, False, 3)
    watch = watch_with(market, {"A": check(at_bid, Decimal("100.01"), 5), "B": check(behind, Decimal("100.00"), 7),
                                "S": check(seller, Decimal("100.05"), 9, Side.SELL), "U": no_child})
    market.quote_now = Quote(Decimal("100.01"), 100, Decimal("100.05"), 100)
    watch.on_book(AAPL)
    assert (at_bid.woken, behind.woken, seller.woken, unpriced.woken) == ([], [7], [], [])
    market.quote_now = Quote(None, 0, Decimal("100.05"), 100)  # the bid is gone: a buyer's price goes
    watch.on_book(AAPL)
    assert unpriced.woken == [0]


def test_a_new_plan_replaces_the_old_one_and_none_stops_watching() -> None:
    market = Market()
    algo = Algo()
    watch = watch_with(market, {"P": check(algo, Decimal("100.00"), 5)})
    watch.watch(AAPL, ParentId("P"), check(algo, Decimal("100.01"), 6))
    assert watch.watching(AAPL) == 1
    market.quote_now = Quote(Decimal("100.01"), 100, Decimal("100.05"), 100)
    watch.on_book(AAPL)
    assert algo.woken == []  # planned on 100.01 now: nothing moved
    watch.watch(AAPL, ParentId("P"), None)
    assert watch.watching(AAPL) == 0
    market.quote_now = Quote(Decimal("100.02"), 100, Decimal("100.05"), 100)
    watch.on_book(AAPL)
    assert algo.woken == []


def test_the_same_touch_again_costs_no_reach() -> None:
    market = Market()
    watch = watch_with(market, {"P": check(Algo(), Decimal("100.00"), 5)})
    Algo.reach_calls = 0
    market.quote_now = Quote(Decimal("100.00"), 900, Decimal("100.05"), 1)  # sizes only
    watch.on_book(AAPL)
    assert Algo.reach_calls == 0
