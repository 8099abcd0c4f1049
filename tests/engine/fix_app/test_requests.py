"""Reading OMS messages into typed requests: every refusal names the tag and what was wrong."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.fix_app.requests import NewOrder, Refusal, ReplaceRequest, parse_utc_timestamp, read_new_order, read_replace
from engine.model import Side
from tests.engine.fix.helpers import message

BASE = [(11, "C1"), (55, "AAPL"), (54, "1"), (60, "20240102-09:30:00"), (38, "500"), (40, "1")]
CHANGE = [(55, "AAPL"), (54, "1"), (60, "20240102-09:30:00")]


def new_order(*extra: tuple[int, str]) -> NewOrder | Refusal:
    tags = dict(BASE)
    tags.update(dict(extra))
    return read_new_order(message("D", 1, list(tags.items())), client="OMS1")


def test_a_plain_market_order_reads_with_gateway_defaults_left_open():
    order = new_order()
    assert isinstance(order, NewOrder)
    assert (order.side, order.quantity, order.limit_price, order.algo, order.end_ns, order.account) == (
        Side.BUY, 500, None, None, None, None)
    assert (order.urgency, order.allow_cross, order.time_in_force) == ("MEDIUM", True, "0")


@pytest.mark.parametrize(("code", "algo"), [("1", "VWAP"), ("2", "POV"), ("1000", "TWAP"), ("1001", "IS")])
def test_target_strategy_names_the_algo(code, algo):
    order = new_order((847, code))
    assert isinstance(order, NewOrder) and order.algo == algo


def test_the_algo_name_tag_wins_over_target_strategy():
    order = new_order((847, "1"), (9100, "twap"))
    assert isinstance(order, NewOrder) and order.algo == "TWAP"


def test_strategy_parameters_are_key_value_pairs():
    order = new_order((848, "participation=0.1; min_slice = 100;"))
    assert isinstance(order, NewOrder) and order.params == (("min_slice", "100"), ("participation", "0.1"))
    refused = new_order((848, "participation"))
    assert isinstance(refused, Refusal) and refused.tag == 848


@pytest.mark.parametrize(("extra", "tag", "text"), [
    ((847, "7"), 847, "TargetStrategy (847) '7' is not known"),
    ((9102, "maybe"), 9102, "AllowCross (9102) 'maybe' is not a valid value: use N, Y"),
    ((59, "6"), 126, "needs ExpireTime (126)"),
    ((168, "20240102 09:30"), 168, "EffectiveTime (168) must be a UTC timestamp"),
    ((44, "100.5"), 44, None),  # a Price on a market order is ignored (when it is a price)
    ((44, "abc"), 44, "Price (44) 'abc' is not a decimal number"),
    ((38, "1e3"), 38, "OrderQty (38) '1e3' has an exponent"),  # FIX numbers have none
])
def test_optional_tags_are_checked(extra, tag, text):
    result = new_order(extra)
    if text is None:
        assert isinstance(result, NewOrder)
    else:
        assert isinstance(result, Refusal) and result.tag == tag and text in result.reason
        assert not result.session_level


def test_a_limit_order_carries_its_price_as_a_decimal():
    order = new_order((40, "2"), (44, "187.25"))
    assert isinstance(order, NewOrder) and order.limit_price == Decimal("187.25") and order.ord_type == "2"


def test_a_side_outside_fix_cannot_be_answered_with_an_execution_report():
    result = new_order((54, "X"))
    assert isinstance(result, Refusal) and result.session_level and result.tag == 54


def test_replace_reads_quantity_and_optional_price():
    request = read_replace(message("G", 1, [(11, "C2"), (41, "C1"), *CHANGE, (38, "700"), (40, "2"), (44, "10.5")]))
    assert request == ReplaceRequest("C2", "C1", 700, "AAPL", "1", "2", Decimal("10.5"))
    missing = read_replace(message("G", 1, [(11, "C2"), *CHANGE, (38, "700"), (40, "1")]))
    assert isinstance(missing, Refusal) and missing.session_level and missing.tag == 41
    no_type = read_replace(message("G", 1, [(11, "C2"), (41, "C1"), *CHANGE, (38, "700")]))
    assert isinstance(no_type, Refusal) and no_type.tag == 40 and "OrdType (40) is required" in no_type.reason


def test_replace_reads_an_optional_time_in_force_and_expire_time():
    dated = read_replace(message("G", 1, [(11, "C2"), (41, "C1"), *CHANGE, (38, "700"), (40, "1"), (59, "6"),
                                          (126, "19700101-11:00:00")]))
    assert isinstance(dated, ReplaceRequest) and (dated.time_in_force, dated.end_ns) == ("6", 11 * 3600 * 10**9)
    undated = read_replace(message("G", 1, [(11, "C2"), (41, "C1"), *CHANGE, (38, "700"), (40, "1")]))
    assert isinstance(undated, ReplaceRequest) and (undated.time_in_force, undated.end_ns) == (None, None)
    for fields, text in (([(59, "6")], "needs ExpireTime (126)"), ([(59, "1")], "TimeInForce (59) '1' is not"),
                         ([(126, "11:00")], "ExpireTime (126) must be a UTC timestamp")):
        refused = read_replace(message("G", 1, [(11, "C2"), (41, "C1"), *CHANGE, (38, "700"), (40, "1"), *fields]))
        assert isinstance(refused, Refusal) and text in refused.reason and not refused.session_level


@pytest.mark.parametrize(("text", "expected"), [
    ("19700101-00:00:00", 0),
    ("19700101-00:00:01.5", 1_500_000_000),
    ("20240102-09:30:00.123", 1704187800_123_000_000),
    ("20240102-09:30:00.123456789", 1704187800_123_456_789),
])
def test_utc_timestamps_parse_to_epoch_ns(text, expected):
    assert parse_utc_timestamp(text) == expected


@pytest.mark.parametrize("text", ["20240102", "2024-01-02T09:30:00", "20240102-9:30:00", "20240102-09:30:00.x",
                                  "20241302-09:30:00", "20240102-09:30:00.1234567890"])
def test_malformed_timestamps_are_refused(text):
    with pytest.raises(ValueError):
        parse_utc_timestamp(text)


@pytest.mark.parametrize("text", ["", "2024", "20240102-09:30:0", "20240102-09:30:00.x", "20240102-09:30:00.",
                                  "20240102-09:30:00.1234567890",
                                  "20240102-09:30:00.\u0661\u0662", "20240102-09:30:00-1", "20240102-09:30:00.-1"])
def test_a_timestamp_in_the_second_just_read_is_still_checked(text):
    assert parse_utc_timestamp("20240102-09:30:00.5") == 1704187800_500_000_000
    with pytest.raises(ValueError):
        parse_utc_timestamp(text)
    assert parse_utc_timestamp("20240102-09:30:00") == 1704187800_000_000_000
    assert parse_utc_timestamp("20240102-09:30:00.000000007") == 1704187800_000_000_007


def test_a_short_timestamp_is_refused_before_any_timestamp_was_read(monkeypatch):
    from engine.fix_app import fields

    monkeypatch.setattr(fields._LastSecond, "text", "")  # as a fresh process starts: nothing read yet
    for text in ("", "2024", "20240102-09:30:0"):
        with pytest.raises(ValueError):
            parse_utc_timestamp(text)


@given(st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2200, 1, 1)))
def test_timestamps_round_trip_at_microsecond_precision(when):
    text = when.strftime("%Y%m%d-%H:%M:%S.%f")
    micros = (when - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)
    assert parse_utc_timestamp(text) == micros * 1000


@given(st.one_of(st.text(st.sampled_from("0123456789.-e"), min_size=1, max_size=20),
                 st.integers(-5, 10**13).map(str), st.just("0" * 15 + "1"), st.just("1" + "0" * 12)))
def test_an_order_quantity_is_a_whole_positive_number_of_shares_up_to_the_bound(raw: str) -> None:
    """Whole-share digits are read as an int (no Decimal), anything else as a FIX float: either way a quantity
    is exactly the whole number the text says, 1..MAX_ORDER_QTY, or a refusal naming OrderQty (38)."""
    from engine.fix_app.fields import MAX_ORDER_QTY
    from engine.fixnum import parse_fix_decimal

    order = new_order((38, raw))
    value = parse_fix_decimal(raw)
    whole = isinstance(value, Decimal) and value == value.to_integral_value() and 0 < value <= MAX_ORDER_QTY
    if whole:
        assert isinstance(order, NewOrder) and order.quantity == int(value) and type(order.quantity) is int
    else:
        assert isinstance(order, Refusal) and order.tag == 38 and order.reason.startswith("OrderQty (38) ")
