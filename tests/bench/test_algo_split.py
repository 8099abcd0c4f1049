"""bench.algo_split: the schedule-only / execution split of a run's slippage vs interval VWAP, by hand.

Tape for the hand-computed cases (times in ns, a window of [0, 300), slices of 60):
    t=10: 100 @ 10.00    t=70: 300 @ 10.10    t=130: 100 @ 10.20     interval VWAP = 5050 / 500 = 10.10
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bench.algo_split import lobster_tape, slice_schedule, split_vs_interval_vwap
from engine.marketdata.tape import executions, interval_vwap
from engine.model import Side
from engine.tca.metrics import signed_bps
from engine.tca.tape import Tape, TapePoint
from tests.engine.marketdata.synthetic import NS, OPEN_S, Msg, make_day

D = Decimal
VWAP = D("10.10")


def tape() -> Tape:
    trades = ((10, 100, D("10.00")), (70, 300, D("10.10")), (130, 100, D("10.20")))
    return Tape(TapePoint(t, price - D("0.01"), price + D("0.01"), size, price * size, price)
                for t, size, price in trades)


def per_vwap(price_difference: str) -> float:
    """A price difference in bps of the interval VWAP (10.10)."""
    return float(D(price_difference) / VWAP * 10_000)


SPLIT_CASES = [
    # name, side, quantity, schedule, fills (t, qty, price), schedule price, schedule-only bps, execution bps
    ("front-loaded buy, fills of different sizes (avg 3018/300 = 10.06, not 10.05)", Side.BUY, 300,
     ((60, 200), (120, 250), (180, 300)), ((20, 100, D("10.02")), (80, 200, D("10.08"))),
     D("10.05"), per_vwap("0.05"), per_vwap("-0.01")),  # (200 x 10.00 + 50 x 10.10 + 50 x 10.20) / 300
    ("the same run as a sell", Side.SELL, 300,
     ((60, 200), (120, 250), (180, 300)), ((20, 100, D("10.02")), (80, 200, D("10.08"))),
     D("10.05"), per_vwap("-0.05"), per_vwap("0.01")),
    ("a schedule shaped like the market's volume (60:180:60) pays the interval VWAP", Side.BUY, 300,
     ((60, 60), (120, 240), (180, 300)), ((20, 300, D("10.10")),), D("10.10"), 0.0, 0.0),
    ("half filled: the perfect execution stops at the filled 100 (first slice, 10.00)", Side.BUY, 300,
     ((60, 200), (120, 250), (300, 300)), ((20, 100, D("10.00")),), D("10.00"), per_vwap("0.10"), 0.0),
    ("a target that falls back buys nothing: (200 x 10.00 + 100 x 10.20) / 300", Side.BUY, 300,
     ((60, 200), (120, 150), (180, 300)), ((20, 300, D("10.05")),),
     D(3020) / 300, 1000 / 3 / 10.10, 500 / 3 / 10.10),  # 10.0667: 33.0033 and 16.5017 bps
]


@pytest.mark.parametrize(("name", "side", "quantity", "schedule", "fills", "price", "schedule_only", "execution"),
                         SPLIT_CASES, ids=[c[0] for c in SPLIT_CASES])
def test_split_by_hand_and_the_two_parts_sum_to_the_slippage(
    name: str, side: Side, quantity: int, schedule: tuple[tuple[int, int], ...],
    fills: tuple[tuple[int, int, Decimal], ...], price: Decimal, schedule_only: float, execution: float,
) -> None:
    split = split_vs_interval_vwap(side, quantity, schedule, 0, fills, tape(), VWAP)
    assert split is not None
    assert split.schedule_price == price
    assert split.schedule_only_bps == pytest.approx(schedule_only, abs=1e-9)
    assert split.execution_bps == pytest.approx(execution, abs=1e-9)
    avg = sum((p * q for _, q, p in fills), D(0)) / sum(q for _, q, _ in fills)
    slippage = signed_bps(side, VWAP, avg)
    assert slippage is not None
    assert split.schedule_only_bps + split.execution_bps == pytest.approx(slippage, abs=1e-9)


def test_the_first_case_in_figures() -> None:
    split = split_vs_interval_vwap(Side.BUY, 300, ((60, 200), (120, 250), (180, 300)), 0,
                                   ((20, 100, D("10.02")), (80, 200, D("10.08"))), tape(), VWAP)
    assert split is not None
    assert round(split.schedule_only_bps, 4) == 49.5050  # the schedule front-loaded into the cheap minute
    assert round(split.execution_bps, 4) == -9.9010  # filled 1 cent above what the schedule alone paid


def test_no_fills_or_no_benchmark_gives_no_split() -> None:
    assert split_vs_interval_vwap(Side.BUY, 300, ((300, 300),), 0, (), tape(), VWAP) is None
    assert split_vs_interval_vwap(Side.BUY, 300, ((300, 300),), 0, ((20, 100, D("10")),), tape(), None) is None


SLICE_CASES = [
    ("no report: the whole window is one slice", [], ((300, 900),)),
    ("every 10 ns: read at each boundary before the last report, then the last report, then the end",
     [(t, t) for t in range(0, 160, 10)], ((60, 60), (120, 120), (150, 150), (300, 900))),
    ("a boundary between reports takes the report before it", [(0, 0), (50, 5), (130, 13)],
     ((60, 5), (120, 5), (130, 13), (300, 900))),
    ("reports outside the window are not the schedule", [(-5, 7), (40, 4), (300, 99)], ((40, 4), (300, 900))),
]


@pytest.mark.parametrize(("name", "reports", "expected"), SLICE_CASES, ids=[c[0] for c in SLICE_CASES])
def test_slice_schedule(name: str, reports: list[tuple[int, int]], expected: tuple[tuple[int, int], ...]) -> None:
    assert slice_schedule(reports, 0, 300, 60, 900) == expected


def test_slice_schedule_refuses_a_bad_window() -> None:
    with pytest.raises(ValueError, match="bad slicing"):
        slice_schedule([], 10, 10, 60, 1)
    with pytest.raises(ValueError, match="bad slicing"):
        slice_schedule([], 0, 10, 0, 1)


def test_the_lobster_tape_counts_trades_as_the_bench_interval_vwap_does(tmp_path: Path) -> None:
    sell, buy = -1, 1
    messages = [Msg(OPEN_S, 1, 1, 500, 1_000_000, sell), Msg(OPEN_S, 1, 2, 500, 999_000, buy),
                Msg(OPEN_S + 1, 4, 1, 100, 1_000_000, sell),  # 100 @ 100.00 at exactly 1 s
                Msg(OPEN_S + 1.5, 5, 0, 50, 1_001_000, sell),  # hidden: 50 @ 100.10
                Msg(OPEN_S + 2, 4, 2, 200, 999_000, buy)]  # 200 @ 99.90 at exactly 2 s
    day = make_day(tmp_path, messages)
    recorded, ours = executions(day), lobster_tape(day)
    for t0, t1 in ((OPEN_S + 1, OPEN_S + 2), (OPEN_S, OPEN_S + 1), (OPEN_S + 1, OPEN_S + 3), (OPEN_S + 2, OPEN_S + 3)):
        assert ours.vwap(t0 * NS, t1 * NS) == interval_vwap(recorded, t0 * NS, t1 * NS), (t0, t1)
    assert ours.vwap(OPEN_S * NS + NS, OPEN_S * NS + 2 * NS) == D("15005") / 150
    assert ours.mid_at(OPEN_S * NS + NS // 2) == D("99.95")
