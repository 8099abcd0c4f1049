"""bench.algos on synthetic LOBSTER files: it discovers whatever DIR holds and writes the BENCH.md keys."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from bench.algos import main, signed_bps
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
