"""TCA metrics on hand-built orders and tapes with answers worked out by hand (positive bps = better)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.clock import NS_PER_S
from engine.model import Side
from engine.tca.metrics import (
    Execution,
    OrderUnderReview,
    analyse,
    average_price,
    markout,
    schedule_split,
    shortfall,
    signed_bps,
    spread_capture,
)
from engine.tca.tape import Tape, TapePoint

D = Decimal
T0 = 10 * 3600 * NS_PER_S  # 10:00 on day 0


def fill(price: str, quantity: int, at_s: float = 1.0, fee: str = "0") -> Execution:
    return Execution(T0 + int(at_s * NS_PER_S), quantity, D(price), D(fee), "LIT1", "LIMIT DAY", "C1")


def order(side: Side, executions: list[Execution], *, quantity: int | None = None, arrival: str = "10.00",
          release: str | None = None, schedule: tuple[tuple[int, int], ...] = ()) -> OrderUnderReview:
    filled = sum(e.quantity for e in executions)
    return OrderUnderReview("P1", "parent", "XYZ", side, quantity or filled, T0, D(arrival), T0, T0 + 100 * NS_PER_S,
                            tuple(executions), None if release is None else T0, None if release is None else D(release),
                            schedule)


@pytest.mark.parametrize(("side", "benchmark", "price", "expected"), [
    (Side.BUY, "10.00", "10.01", -10.0),  # a buy filled above arrival: worse, negative
    (Side.BUY, "10.00", "9.99", 10.0),  # a buy below: better
    (Side.SELL, "10.00", "10.01", 10.0),  # a sell above: better
    (Side.SELL, "10.00", "9.98", -20.0),  # a sell below: worse
    (Side.BUY, "10.00", "10.00", 0.0),
])
def test_signed_bps_is_positive_when_better_than_the_benchmark(side: Side, benchmark: str, price: str,
                                                                 expected: float) -> None:
    assert signed_bps(side, D(benchmark), D(price)) == pytest.approx(expected)


def test_average_price_is_size_weighted() -> None:
    # 100 at 10.00 and 300 at 10.04: (1,000 + 3,012) / 400 = 10.03, not the plain mean 10.02
    executions = [fill("10.00", 100), fill("10.04", 300)]
    assert average_price(executions) == D("10.03")
    tca = analyse(order(Side.BUY, executions), None, 0, T0 * 2)
    assert tca.avg_price == D("10.03")
    assert tca.vs(D("10.00")) == pytest.approx(-30.0)


def test_shortfall_decomposition_worked_by_hand() -> None:
    # buy 1,000, arrival 10.00; first sent when the mid was 10.02; 600 filled at 10.05 (fees 0.60);
    # when it stopped the mid was 10.10, 400 never filled.
    sf = shortfall(order(Side.BUY, [fill("10.05", 600, fee="0.60")], quantity=1_000, release="10.02"), D("10.10"))
    assert sf is not None
    assert sf.delay == D("-12.00")  # (10.00 - 10.02) x 600
    assert sf.execution == D("-18.00")  # 10.02 x 600 - 6,030
    assert sf.opportunity == D("-40.00")  # (10.00 - 10.10) x 400
    assert sf.fees == D("-0.60")
    assert sf.total == D("-70.60")
    assert sf.bps(sf.total) == pytest.approx(-70.6)  # of 1,000 x 10.00
    # delay + execution is the arrival slippage of what was filled
    assert sf.delay + sf.execution == (D("10.00") - D("10.05")) * 600


def test_a_sell_into_a_falling_market_loses_on_delay_and_on_what_it_did_not_sell() -> None:
    sf = shortfall(order(Side.SELL, [fill("9.99", 200)], quantity=500, release="9.98"), D("9.90"))
    assert sf is not None
    assert sf.delay == D("-4.00")  # the mid fell 2 cents before we acted on 200: worse
    assert sf.execution == D("2.00")  # sold 1 cent above the mid then: better
    assert sf.opportunity == D("-30.00")  # the 300 still held are worth 10 cents less than at arrival
    assert sf.total == D("-32.00")


@given(st.lists(st.tuples(st.integers(1, 5_000), st.integers(9_000, 11_000), st.integers(0, 300)), min_size=1,
                max_size=20), st.integers(0, 20_000), st.sampled_from([Side.BUY, Side.SELL]),
       st.integers(9_000, 11_000), st.integers(9_000, 11_000))
def test_shortfall_components_sum_to_the_total(fills: list[tuple[int, int, int]], extra: int, side: Side,
                                               release_cents: int, end_cents: int) -> None:
    executions = [Execution(T0, q, D(p) / 1000, D(f) / 100, "V", "T", "C") for q, p, f in fills]
    filled = sum(q for q, _, _ in fills)
    sf = shortfall(order(side, executions, quantity=filled + extra, release=str(D(release_cents) / 1000)),
                   D(end_cents) / 1000)
    assert sf is not None and sf.total is not None and sf.opportunity is not None
    assert sf.delay + sf.execution + sf.opportunity + sf.fees == sf.total
    parts = [sf.bps(x) for x in (sf.delay, sf.execution, sf.opportunity, sf.fees)]
    assert sum(p for p in parts if p is not None) == pytest.approx(sf.bps(sf.total), abs=1e-6)
    notional = sum((e.price * e.quantity for e in executions), D(0))
    assert sf.delay + sf.execution == side.sign * (D("10.00") * filled - notional)


def tape(*rows: tuple[float, str, str, int, str]) -> Tape:
    """(seconds after T0, bid, ask, volume since the previous row, its notional)."""
    return Tape(TapePoint(T0 + int(s * NS_PER_S), D(b), D(a), v, D(n), D(n) / v if v else None)
                for s, b, a, v, n in rows)


TAPE = tape((0, "9.99", "10.01", 0, "0"), (0.5, "10.00", "10.02", 100, "1000.00"),
            (2, "10.01", "10.03", 300, "3009.00"), (6, "10.04", "10.06", 600, "6030.00"),
            (61, "9.98", "10.00", 1000, "10000.00"))


def test_tape_vwap_and_volume_over_an_interval() -> None:
    assert TAPE.volume(T0, T0 + 2 * NS_PER_S) == 400
    assert TAPE.vwap(T0, T0 + 2 * NS_PER_S) == D("4009.00") / 400
    assert TAPE.vwap(T0 + 7 * NS_PER_S, T0 + 8 * NS_PER_S) is None  # nothing traded
    assert TAPE.mid_at(T0 + NS_PER_S) == D("10.01")  # the 0.5 s row holds until the next one
    assert TAPE.mid_at(T0 + 2 * NS_PER_S, strict=True) == D("10.01")  # strictly before the 2 s row


def test_markouts_measure_the_mid_later_against_the_price_and_need_the_tape_to_reach_them() -> None:
    buy = fill("10.01", 100, at_s=1.0)
    assert markout(Side.BUY, buy, TAPE, 1) == pytest.approx(float((D("10.02") - D("10.01")) / D("10.01") * 10_000))
    assert markout(Side.BUY, buy, TAPE, 5) == pytest.approx(float((D("10.05") - D("10.01")) / D("10.01") * 10_000))
    # a sell at 10.01 with the mid at 9.99 a minute later: the market moved our way
    assert markout(Side.SELL, buy, TAPE, 60) == pytest.approx(float((D("10.01") - D("9.99")) / D("10.01") * 10_000))
    assert markout(Side.BUY, fill("10.01", 100, at_s=30.0), TAPE, 60) is None  # the tape ends at 61 s


@pytest.mark.parametrize(("side", "price", "bps", "pct"), [
    (Side.BUY, "10.01", 100 / 10.02, 100.0),  # joined the bid (mid 10.02, half spread 0.01): +100%
    (Side.BUY, "10.03", -100 / 10.02, -100.0),  # paid the ask: -100%
    (Side.SELL, "10.03", 100 / 10.02, 100.0),
    (Side.BUY, "10.02", 0.0, 0.0),  # at the mid
])
def test_spread_capture_against_the_quote_before_the_fill(side: Side, price: str, bps: float, pct: float) -> None:
    captured = spread_capture(side, fill(price, 100, at_s=3.0), TAPE)  # the quote then: 10.01 / 10.03
    assert captured is not None
    assert captured[0] == pytest.approx(bps)
    assert captured[1] == pytest.approx(pct)


def test_spread_capture_falls_back_to_the_quote_the_decision_saw_without_a_tape() -> None:
    execution = Execution(T0, 100, D("10.00"), D(0), "V", "T", "C", D("10.00"), D("10.02"))
    assert spread_capture(Side.BUY, execution, None) == pytest.approx((100 / 10.01, 100.0))
    assert spread_capture(Side.BUY, fill("10.00", 100), None) is None


def test_schedule_split_adds_up_to_the_arrival_slippage() -> None:
    # schedule: 400 by 2 s, 1,000 by 6 s; the market's VWAP over (0, 2] is 10.0225 and over (2, 6] 10.05
    executions = [fill("10.03", 400, at_s=2), fill("10.06", 600, at_s=6)]
    plan = order(Side.BUY, executions, schedule=((T0 + 2 * NS_PER_S, 400), (T0 + 6 * NS_PER_S, 1_000)))
    split = schedule_split(plan, TAPE, average_price(executions))
    assert split is not None
    assert split.schedule_price == (D("4009.00") + D("6030.00")) / 1000  # 400 at 10.0225, 600 at 10.05
    arrival = signed_bps(Side.BUY, D("10.00"), average_price(executions))
    assert arrival is not None
    assert split.schedule_bps + split.execution_bps == pytest.approx(arrival)
    assert split.schedule_bps == pytest.approx(-39.0)  # (10.00 - 10.039) / 10.00
    assert split.execution_bps == pytest.approx(-9.0)  # (10.039 - 10.048) / 10.00


def test_analyse_measures_benchmarks_participation_and_markouts_from_the_tape() -> None:
    executions = [fill("10.02", 100, at_s=1), fill("10.04", 100, at_s=5)]
    plan = order(Side.BUY, executions)
    tca = analyse(plan, TAPE, 0, T0 + 100 * NS_PER_S)
    assert tca.benchmarks.interval_vwap == D("20039.00") / 2000  # every row in (T0, T0 + 100 s]
    assert tca.benchmarks.close == D("10.00") and tca.benchmarks.close_ns == T0 + 61 * NS_PER_S
    assert tca.participation == pytest.approx(200 / 2000)
    assert dict((s, n) for s, _, n in tca.markouts_bps) == {1: 2, 5: 2, 60: 1}
