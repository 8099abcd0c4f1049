"""The recorded tape: executions with their trade side, interval volume and VWAP over [t0, t1)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from engine.marketdata.lobster import NS_PER_DAY, discover_symbol_days, load_symbol_day
from engine.marketdata.tape import executions, interval_volume, interval_vwap, load_executions, mid_prices
from tests.engine.marketdata.realdata import require_symbol_day
from tests.engine.marketdata.synthetic import Msg, make_day

S = 10**9
MESSAGES = [
    Msg(34_200.0, 1, 1, 300, 1_000_000, 1),  # bid 100.00
    Msg(34_200.0, 1, 2, 300, 1_000_100, -1),  # ask 100.01
    Msg(34_210.0, 4, 2, 100, 1_000_100, -1),  # buyer lifts 100 @ 100.01
    Msg(34_220.0, 4, 1, 200, 1_000_000, 1),  # seller hits 200 @ 100.00
    Msg(34_230.0, 5, 0, 50, 1_000_050, -1),  # hidden midpoint, buyer-initiated
    Msg(34_240.0, 3, 2, 200, 1_000_100, -1),
]


def test_executions_are_types_4_and_5_with_the_initiator_side(tmp_path: Path) -> None:
    tape = executions(make_day(tmp_path, MESSAGES))
    assert tape.count == 3
    assert tape.size.tolist() == [100, 200, 50]
    assert tape.aggressor.tolist() == [1, -1, 1]  # executing a resting sell (-1) is buyer-initiated
    assert tape.hidden.tolist() == [False, False, True]


def test_interval_volume_and_vwap_cover_t0_inclusive_to_t1_exclusive(tmp_path: Path) -> None:
    tape = executions(make_day(tmp_path, MESSAGES))
    assert interval_volume(tape, 34_210 * S, 34_220 * S) == 100
    assert interval_volume(tape, 34_210 * S, 34_220 * S + 1) == 300
    assert interval_vwap(tape, 34_210 * S, 34_220 * S) == Decimal("100.01")
    # (100 x 100.01 + 200 x 100.00 + 50 x 100.005) / 350
    expected = (100 * Decimal("100.01") + 200 * Decimal("100.00") + 50 * Decimal("100.005")) / 350
    assert interval_vwap(tape, 0, NS_PER_DAY) == expected
    assert interval_vwap(tape, 0, 34_210 * S) is None


def test_mids_exist_only_where_both_sides_show_a_level(tmp_path: Path) -> None:
    times, mids = mid_prices(make_day(tmp_path, MESSAGES))
    assert times.tolist() == [t * S for t in (34_200, 34_210, 34_220, 34_230)]  # one side empty otherwise
    assert mids[0] == pytest.approx(100.005)


def test_executions_from_the_lightest_file_match_the_replayed_file(tmp_path: Path) -> None:
    make_day(tmp_path, MESSAGES, levels=1)
    make_day(tmp_path, MESSAGES, levels=4)
    (sd,) = discover_symbol_days(tmp_path)
    assert sd.levels == 4 and sd.lightest_message_path.name.endswith("_1.csv")
    assert load_executions(sd).size.tolist() == executions(load_symbol_day(sd)).size.tolist()


@pytest.mark.parametrize(
    ("ticker", "count", "shares", "vwap"),
    [("AAPL", 34_990, 2_850_140, Decimal("582.7244")), ("AMZN", 11_419, 810_755, Decimal("222.6348"))],
)
def test_recorded_tape_matches_the_data_readme(ticker: str, count: int, shares: int, vwap: Decimal) -> None:
    sd = require_symbol_day(ticker, "2012-06-21")
    tape = executions(load_symbol_day(sd))
    assert tape.count == count
    assert interval_volume(tape, 0, NS_PER_DAY) == shares
    day_vwap = interval_vwap(tape, 0, NS_PER_DAY)
    assert day_vwap is not None and day_vwap.quantize(Decimal("0.0001")) == vwap


def test_recorded_amzn_level_1_and_level_5_hold_the_same_executions() -> None:
    sd = require_symbol_day("AMZN", "2012-06-21")
    if sd.lightest_message_path == sd.message_path:
        pytest.skip("only one level count of AMZN is present")
    light, deep = load_executions(sd), executions(load_symbol_day(sd))
    assert light.time_ns.tolist() == deep.time_ns.tolist()
    assert light.size.tolist() == deep.size.tolist() and light.price.tolist() == deep.price.tolist()
