"""bench.algos on synthetic LOBSTER files: it discovers whatever DIR holds and writes the BENCH.md keys."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from bench.algos import HOURLY, main, signed_bps, window_bounds
from engine.clock import NS_PER_S
from engine.marketdata.lobster import discover_symbol_days, load_symbol_day
from engine.model import Side
from tests.engine.algos.test_on_replay import OPEN_S, steady_day
from tests.engine.marketdata.synthetic import write_symbol_day

ROW_KEYS = {"symbol", "day", "algo", "size_pct", "window", "slippage_vs_interval_vwap_bps", "arrival_slippage_bps",
            "completion", "participation"}
SUMMARY_KEYS = {"mean_abs_slippage_bps", "mean_slippage_bps", "std_slippage_bps", "completion_mean"}


def test_signed_bps_is_positive_when_better_than_the_benchmark() -> None:
    assert signed_bps(Side.BUY, Decimal("100"), Decimal("99.99")) == pytest.approx(1.0)
    assert signed_bps(Side.SELL, Decimal("100"), Decimal("99.99")) == pytest.approx(-1.0)
    assert signed_bps(Side.BUY, Decimal("100"), None) is None


def test_the_bench_runs_every_symbol_day_it_finds_and_writes_the_required_keys(tmp_path: Path) -> None:
    end_ms = (OPEN_S + 12 * 60) * 1000
    for ticker, day in (("ABC", "2020-01-02"), ("XYZ", "2020-01-03")):
        write_symbol_day(tmp_path / "data", ticker, day, 3, steady_day(13), end_ms=end_ms)
    out = tmp_path / "algos.json"
    assert main(["--data", str(tmp_path / "data"), "--json", str(out), "--workers", "1", "--algos", "twap,pov"]) == 0
    figures = json.loads(out.read_text())
    rows = figures["rows"]
    assert len(rows) == 2 * 2 * 3 * 2  # symbol-days x windows x sizes x algos
    assert all(set(row) >= ROW_KEYS for row in rows)
    assert {(r["symbol"], r["window"], r["size_pct"]) for r in rows} >= {("ABC", "1h", 1), ("XYZ", "day", 10)}
    assert all(0.0 <= r["completion"] <= 1.0 for r in rows)
    twap = [r for r in rows if r["algo"] == "twap"]
    assert all(r["completion"] == 1.0 and r["participation"] == pytest.approx(r["size_pct"] / 100, rel=0.02)
               for r in twap)
    assert set(figures["summary"]) == {"twap", "pov"}
    assert all(set(s) >= SUMMARY_KEYS for s in figures["summary"].values())
    assert figures["curves"] == {"ABC_2020-01-02": "leave-one-out over XYZ_2020-01-03",
                                 "XYZ_2020-01-03": "leave-one-out over ABC_2020-01-02"}


def test_hourly_windows_cover_every_hour_from_the_open_and_1h_is_the_ten_oclock_one(tmp_path: Path) -> None:
    write_symbol_day(tmp_path, "ABC", "2020-01-02", 3, steady_day(13))  # a full session by its file name
    day = load_symbol_day(discover_symbol_days(tmp_path)[0])
    hour = 3600 * NS_PER_S
    assert HOURLY[0] == "1h@09:30" and HOURLY[-1] == "1h@15:00" and len(HOURLY) == 12
    assert window_bounds(day, "1h@10:30") == (10 * hour + hour // 2, 11 * hour + hour // 2)
    assert window_bounds(day, "1h@15:00") == (15 * hour, 16 * hour)
    assert window_bounds(day, "1h") == window_bounds(day, "1h@10:00") == (10 * hour, 11 * hour)
    assert window_bounds(day, "1h@09:30")[0] >= OPEN_S * NS_PER_S  # from the first two-sided quote on
