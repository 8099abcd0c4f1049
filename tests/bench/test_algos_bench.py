"""bench.algos on synthetic LOBSTER files: it discovers whatever DIR holds, writes the BENCH.md keys, and trades
each symbol-day with a volume curve from earlier dates only."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bench.algos import HOURLY, Job, jobs_for, main, run_one, window_bounds
from engine.algos.curves import (
    DEFAULT_PROVENANCE,
    CurveError,
    VolumeCurve,
    curve_from_bin_volumes,
    history_curves,
    prior_dates_curve,
    prior_symbol_days,
    u_shaped_curve,
)
from engine.clock import NS_PER_S
from engine.marketdata.lobster import SymbolDay, discover_symbol_days, load_symbol_day
from engine.model import Side
from engine.tca.metrics import signed_bps  # bench.algos' sign convention
from tests.engine.algos.test_on_replay import OPEN_S, steady_day
from tests.engine.marketdata.synthetic import trades_day, write_symbol_day

ROW_KEYS = {"symbol", "day", "algo", "size_pct", "window", "slippage_vs_interval_vwap_bps", "arrival_slippage_bps",
            "completion", "participation", "curve", "schedule_only_bps", "execution_bps"}
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
    assert figures["curves"] == {"ABC_2020-01-02": "default",
                                 "XYZ_2020-01-03": "earlier dates 2020-01-02 (1 symbol-day)"}
    assert {(r["symbol"], r["curve"], tuple(r["curve_dates"])) for r in rows} == {
        ("ABC", "default", ()), ("XYZ", "earlier dates 2020-01-02 (1 symbol-day)", ("2020-01-02",))}
    assert figures["look_ahead_curves"] is False
    assert all(r["schedule_only_bps"] + r["execution_bps"] == pytest.approx(r["slippage_vs_interval_vwap_bps"])
               for r in rows)


@pytest.mark.parametrize("side", [Side.BUY, Side.SELL])
def test_schedule_only_plus_execution_is_the_slippage_of_a_run_on_a_moving_market(tmp_path: Path, side: Side) -> None:
    write_symbol_day(tmp_path, "ABC", "2020-01-02", 3, steady_day(13, drift_every_s=90),
                     end_ms=(OPEN_S + 12 * 60) * 1000)
    (symbol_day,) = discover_symbol_days(tmp_path)
    minute = 60 * NS_PER_S
    front_heavy = curve_from_bin_volumes((OPEN_S * NS_PER_S, OPEN_S * NS_PER_S + 6 * minute,
                                          OPEN_S * NS_PER_S + 12 * minute), [0.9, 0.1], "front-heavy")
    row = run_one(Job(symbol_day, front_heavy, (), "day", 10, "vwap_static", side))
    assert row["completion"] == 1.0
    slippage, schedule_only, execution = (row[k] for k in ("slippage_vs_interval_vwap_bps", "schedule_only_bps",
                                                            "execution_bps"))
    assert schedule_only + execution == pytest.approx(slippage, abs=1e-9)
    # the book drifts up a cent every 90 s and the schedule does 90% in the first half of the window while
    # the market trades evenly: below the window's VWAP, better for a buy, worse for a sell
    assert Decimal(row["schedule_price"]) < Decimal(row["interval_vwap"])
    assert schedule_only * side.sign > 1.0


# --- curves from earlier dates only --------------------------------------------------------------------------


def _symbol_day(ticker: str, day: str) -> SymbolDay:
    path = Path(f"{ticker}_{day}_message_1.csv")
    return SymbolDay(ticker, date.fromisoformat(day), 34_200_000, 57_600_000, 1, path, path, path)


SELECTION_CASES = [
    # traded date, lookback, the symbol-days its curve may use
    ("2020-01-02", 20, []),  # the first date: nothing earlier, the default curve
    ("2020-01-03", 20, ["AAA_2020-01-02", "BBB_2020-01-02"]),  # any ticker, never BBB of the same date
    ("2020-01-06", 20, ["AAA_2020-01-02", "AAA_2020-01-03", "BBB_2020-01-02", "BBB_2020-01-03"]),
    ("2020-01-06", 1, ["AAA_2020-01-03", "BBB_2020-01-03"]),  # the most recent earlier date only
    ("2020-01-07", 2, ["AAA_2020-01-03", "AAA_2020-01-06", "BBB_2020-01-03"]),
]


@pytest.mark.parametrize(("traded", "lookback", "expected"), SELECTION_CASES)
def test_a_curve_uses_only_symbol_days_of_earlier_dates(traded: str, lookback: int, expected: list[str]) -> None:
    candidates = [_symbol_day(t, d) for t, d in (("AAA", "2020-01-02"), ("BBB", "2020-01-02"), ("AAA", "2020-01-03"),
                                                 ("BBB", "2020-01-03"), ("AAA", "2020-01-06"), ("BBB", "2020-01-07"))]
    chosen = prior_symbol_days(candidates, date.fromisoformat(traded), lookback)
    assert [sd.key for sd in chosen] == expected


def test_a_lookback_of_no_dates_is_refused() -> None:
    with pytest.raises(CurveError, match="lookback of 0 dates"):
        prior_symbol_days([], date(2020, 1, 2), 0)


def test_the_curve_is_the_mean_of_earlier_days_and_ignores_the_same_and_later_days() -> None:
    edges = (0, 10, 20)
    early, also_early = _symbol_day("AAA", "2020-01-02"), _symbol_day("BBB", "2020-01-02")
    traded, same_day, later = _symbol_day("AAA", "2020-01-03"), _symbol_day("BBB", "2020-01-03"), \
        _symbol_day("AAA", "2020-01-06")

    def curve(first_bin: float) -> VolumeCurve:
        return curve_from_bin_volumes(edges, [first_bin, 1.0 - first_bin], "t")

    history = {early: curve(0.8), also_early: curve(0.4), traded: curve(0.0), same_day: curve(0.0), later: curve(1.0)}
    got = prior_dates_curve(history, traded)
    assert got.bin_fractions == pytest.approx((0.6, 0.4))  # (0.8 + 0.4) / 2: each symbol-day counts once
    assert got.provenance == "earlier dates 2020-01-02 (2 symbol-days)"
    history[same_day], history[later], history[traded] = curve(0.99), curve(0.01), curve(0.5)
    assert prior_dates_curve(history, traded) == got
    assert prior_dates_curve(history, early) == u_shaped_curve(edges)  # nothing before the first date
    assert prior_dates_curve(history, early).provenance == DEFAULT_PROVENANCE


def test_the_bench_builds_each_days_curve_from_the_files_of_earlier_dates_only(tmp_path: Path) -> None:
    # each symbol-day trades all its volume in its own half hour: a curve shows whose volume it used
    for i, (ticker, day) in enumerate((("ABC", "2020-01-02"), ("XYZ", "2020-01-02"), ("ABC", "2020-01-03"),
                                       ("XYZ", "2020-01-06"))):
        write_symbol_day(tmp_path, ticker, day, 1, trades_day([OPEN_S + 1800 * i + 60], [100]))
    jobs, curves = jobs_for(tmp_path, "buy", ["vwap_dynamic"], ("day",))
    assert curves == {"ABC_2020-01-02": "default", "XYZ_2020-01-02": "default",
                      "ABC_2020-01-03": "earlier dates 2020-01-02 (2 symbol-days)",
                      "XYZ_2020-01-06": "earlier dates 2020-01-02, 2020-01-03 (3 symbol-days)"}
    by_key = {job.symbol_day.key: job for job in jobs if job.size_pct == 1}
    assert by_key["XYZ_2020-01-06"].curve_dates == ("2020-01-02", "2020-01-03")
    assert by_key["ABC_2020-01-02"].curve_dates == ()
    abc3 = by_key["ABC_2020-01-03"]
    assert abc3.curve == prior_dates_curve(history_curves(tmp_path), abc3.symbol_day)
    half_hours = [sum(abc3.curve.bin_fractions[k * 6:(k + 1) * 6]) for k in range(4)]
    assert half_hours == pytest.approx([0.5, 0.5, 0.0, 0.0])  # ABC and XYZ of 01-02; not its own day, not 01-06
    look_ahead, _ = jobs_for(tmp_path, "buy", ["vwap_dynamic"], ("day",), look_ahead=True)
    assert look_ahead[0].curve.provenance.startswith("leave-one-out over")  # only with the comparison flag


def test_hourly_windows_cover_every_hour_from_the_open_and_1h_is_the_ten_oclock_one(tmp_path: Path) -> None:
    write_symbol_day(tmp_path, "ABC", "2020-01-02", 3, steady_day(13))  # a full session by its file name
    day = load_symbol_day(discover_symbol_days(tmp_path)[0])
    hour = 3600 * NS_PER_S
    assert HOURLY[0] == "1h@09:30" and HOURLY[-1] == "1h@15:00" and len(HOURLY) == 12
    assert window_bounds(day, "1h@10:30") == (10 * hour + hour // 2, 11 * hour + hour // 2)
    assert window_bounds(day, "1h@15:00") == (15 * hour, 16 * hour)
    assert window_bounds(day, "1h") == window_bounds(day, "1h@10:00") == (10 * hour, 11 * hour)
    assert window_bounds(day, "1h@09:30")[0] >= OPEN_S * NS_PER_S  # from the first two-sided quote on
