"""LOBSTER discovery and loading: by the naming pattern only, exact columns, typed errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from engine.marketdata.lobster import (
    LobsterFormatError,
    discover_symbol_days,
    load_messages,
    load_symbol_day,
    lobster_price,
)
from tests.engine.marketdata.realdata import require_real_data, require_symbol_day
from tests.engine.marketdata.synthetic import Msg, make_day, trades_day, write_symbol_day

SIMPLE = [
    Msg("34200.123456789", 1, 11, 100, 1_000_000, 1),
    Msg("34200.5", 1, 12, 200, 1_000_100, -1),
    Msg(34201.0, 4, 12, 50, 1_000_100, -1),
    Msg(34202.25, 5, 0, 10, 1_000_050, 1),
]


def test_discovery_uses_the_naming_pattern_for_any_ticker_day_and_depth(tmp_path: Path) -> None:
    write_symbol_day(tmp_path / "a", "QQQ", "2019-03-04", 1, SIMPLE)
    write_symbol_day(tmp_path / "a", "QQQ", "2019-03-04", 10, SIMPLE)
    write_symbol_day(tmp_path / "b" / "deep", "BRK.B", "2020-01-02", 3, SIMPLE, start_ms=36_000_000)
    (tmp_path / "a" / "notes.csv").write_text("1,2,3\n")
    (tmp_path / "a" / "QQQ_2019-03-04_34200000_57600000_message_1.txt").write_text("x")
    found = discover_symbol_days(tmp_path)
    assert [(sd.ticker, sd.day, sd.levels) for sd in found] == [
        ("BRK.B", date(2020, 1, 2), 3),
        ("QQQ", date(2019, 3, 4), 10),
    ]
    qqq = found[1]
    assert qqq.message_path.name == "QQQ_2019-03-04_34200000_57600000_message_10.csv"
    assert qqq.orderbook_path.name == "QQQ_2019-03-04_34200000_57600000_orderbook_10.csv"
    assert qqq.lightest_message_path.name.endswith("_message_1.csv")
    assert found[0].start_ms == 36_000_000 and found[0].key == "BRK.B_2020-01-02"


def test_a_deeper_message_file_without_its_orderbook_is_not_replayable(tmp_path: Path) -> None:
    write_symbol_day(tmp_path, "ZZ", "2021-05-06", 2, SIMPLE)
    _message, orderbook = write_symbol_day(tmp_path, "ZZ", "2021-05-06", 50, SIMPLE)
    orderbook.unlink()
    (only,) = discover_symbol_days(tmp_path)
    assert only.levels == 2


def test_midnight_epoch_reads_the_day_as_utc(tmp_path: Path) -> None:
    write_symbol_day(tmp_path, "ZZ", "1970-01-02", 1, SIMPLE)
    (sd,) = discover_symbol_days(tmp_path)
    assert sd.midnight_epoch_ns == 86_400 * 10**9
    assert sd.session_start_ns == 34_200 * 10**9 and sd.session_end_ns == 57_600 * 10**9


def test_loader_gives_exact_integer_columns(tmp_path: Path) -> None:
    day = make_day(tmp_path, SIMPLE, levels=2)
    assert day.time_ns.tolist() == [34_200_123_456_789, 34_200_500_000_000, 34_201_000_000_000, 34_202_250_000_000]
    assert day.event_type.tolist() == [1, 1, 4, 5]
    assert day.order_id.tolist() == [11, 12, 12, 0]
    assert day.price.tolist() == [1_000_000, 1_000_100, 1_000_100, 1_000_050]
    assert day.direction.tolist() == [1, -1, -1, 1]
    assert day.levels == 2 and day.rows == 4
    assert day.ask_price[2].tolist() == [1_000_100, 9_999_999_999] and day.ask_size[2].tolist() == [150, 0]
    assert day.bid_price[0].tolist() == [1_000_000, -9_999_999_999] and day.bid_size[0].tolist() == [100, 0]
    for column in (day.time_ns, day.price, day.ask_price, day.bid_size):
        assert column.dtype == np.int64


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("34200.1,1,1,100,1000000", "expected 6 columns, found 5"),
        ("34200.1,1,1,abc,1000000,1", "column 4: 'abc' is not a number"),
        ("34200.1,9,1,100,1000000,1", "event type must be 1..7"),
        ("34200.1,1,1,100,1000000,0", "direction must be 1 or -1"),
        ("34100.1,1,1,100,1000000,1", "time goes backwards"),
        ("34200.1,1,1,0,1000000,1", "size must be positive"),
    ],
)
def test_a_malformed_message_row_is_reported_with_file_and_line(tmp_path: Path, line: str, expected: str) -> None:
    path = tmp_path / "ZZ_2019-01-02_34200000_57600000_message_1.csv"
    path.write_text("34200.0,1,1,100,1000000,1\n34200.05,3,1,100,1000000,1\n" + line + "\n34300.0,1,2,5,1000000,1\n")
    with pytest.raises(LobsterFormatError) as caught:
        load_messages(path)
    assert caught.value.line == 3
    assert caught.value.path == path
    assert expected in str(caught.value) and f"{path}:3" in str(caught.value)


def test_an_orderbook_that_does_not_match_its_messages_is_rejected(tmp_path: Path) -> None:
    _message, orderbook = write_symbol_day(tmp_path, "ZZ", "2019-01-02", 1, SIMPLE)
    orderbook.write_text("\n".join(orderbook.read_text().splitlines()[:-1]) + "\n")
    (sd,) = discover_symbol_days(tmp_path)
    with pytest.raises(LobsterFormatError, match="3 order book rows for 4 messages"):
        load_symbol_day(sd)


def test_an_orderbook_row_with_too_few_columns_names_its_line(tmp_path: Path) -> None:
    _message, orderbook = write_symbol_day(tmp_path, "ZZ", "2019-01-02", 1, SIMPLE)
    lines = orderbook.read_text().splitlines()
    lines[1] = "1,2,3"
    orderbook.write_text("\n".join(lines) + "\n")
    (sd,) = discover_symbol_days(tmp_path)
    with pytest.raises(LobsterFormatError) as caught:
        load_symbol_day(sd)
    assert caught.value.line == 2 and "expected 4 columns, found 3" in str(caught.value)


@pytest.mark.parametrize(
    ("units", "dollars"),
    [(5_853_300, "585.33"), (5_856_150, "585.6150"), (100, "0.01"), (2_239_500, "223.95")],
)
def test_lobster_prices_become_exact_decimals(units: int, dollars: str) -> None:
    assert lobster_price(units) == Decimal(dollars)
    assert str(lobster_price(units)) == dollars


def test_an_empty_day_of_trades_still_loads(tmp_path: Path) -> None:
    day = make_day(tmp_path, trades_day([34_300.0], [7]), levels=1)
    assert day.rows == 2 and day.size.tolist() == [7, 7]


# --- the recorded sample files (skipped when ../shared/data is absent) ---------------------------------


def test_recorded_files_are_discovered_by_pattern_and_the_deepest_is_kept() -> None:
    keys = {sd.key: sd.levels for sd in discover_symbol_days(require_real_data())}
    if "AMZN_2012-06-21" in keys:
        assert keys["AMZN_2012-06-21"] == 5


def test_recorded_times_parse_exactly_to_the_nanosecond() -> None:
    sd = require_symbol_day("AAPL", "2012-06-21")
    time_ns = load_messages(sd.message_path)[0]
    with sd.message_path.open() as handle:
        for i, line in enumerate(handle):
            seconds, _, fraction = line.split(",", 1)[0].partition(".")
            assert time_ns[i] == int(seconds) * 10**9 + int(fraction.ljust(9, "0")), line


def test_recorded_aapl_day_loads_with_the_readme_figures() -> None:
    sd = require_symbol_day("AAPL", "2012-06-21")
    day = load_symbol_day(sd)
    assert day.rows == 118_497 and day.levels == sd.levels
    assert day.time_ns[0] == 34_200_004_241_176 and day.time_ns[-1] == 57_599_913_117_637
