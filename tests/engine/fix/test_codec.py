"""Outbound encoding: BodyLength/CheckSum right (checked by our framer and by simplefix), clean values."""

from __future__ import annotations

from decimal import Decimal

import pytest
import simplefix
from hypothesis import given
from hypothesis import strategies as st

from engine.fix.codec import encode, encode_body, format_value, parse_utc_timestamp, utc_timestamp
from engine.fix.framing import FixFramer

NS = 1_704_187_800_125_999_999  # 2024-01-02 09:30:00.125999999 UTC


def _encode(fields, **header):
    kwargs = dict(
        begin_string="FIX.4.4", sender_comp_id="EMS", target_comp_id="OMS1", seq_num=42, sending_time=utc_timestamp(NS)
    )
    kwargs.update(header)
    return encode("8", encode_body(fields), **kwargs)


def test_sending_time_is_utc_with_milliseconds_truncated():
    assert utc_timestamp(NS) == "20240102-09:30:00.125"
    assert utc_timestamp(NS + 1_000_000_000) == "20240102-09:30:01.125"


def test_header_comes_first_and_resend_fields_are_added_on_request():
    data = _encode([(17, "E1")], poss_dup=True, orig_sending_time="20240102-09:00:00.000")
    [msg] = FixFramer().feed(data).messages
    assert [t for t, _ in msg.pairs] == [8, 9, 35, 34, 43, 49, 52, 56, 122, 17, 10]
    assert msg.get(43) == b"Y" and msg.get(122) == b"20240102-09:00:00.000"


def test_simplefix_recomputes_the_same_body_length_and_checksum():
    fields = [
        (37, "O1"),
        (17, "E1"),
        (150, "0"),
        (39, "0"),
        (55, "AAPL"),
        (54, 1),
        (151, 100),
        (14, 0),
        (6, Decimal("0")),
        (44, Decimal("10.25")),
        (58, "caf\u00e9"),
    ]
    data = _encode(fields)
    parser = simplefix.FixParser()
    parser.append_buffer(data)
    parsed = parser.get_message()
    assert parsed is not None
    rebuilt = simplefix.FixMessage()
    for tag, value in parsed.pairs:
        if int(tag) not in (9, 10):
            rebuilt.append_pair(int(tag), value, header=int(tag) == 8)
    assert rebuilt.encode() == data
    assert FixFramer().feed(data).errors == []


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=11, max_value=9999),
            st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), min_size=1),
        ),
        max_size=20,
    )
)
def test_any_fields_round_trip_through_the_framer(fields):
    data = _encode(fields)
    framed = FixFramer().feed(data)
    assert framed.errors == []
    [msg] = framed.messages
    body = [(t, v.decode("latin-1")) for t, v in msg.pairs[7:-1]]
    assert body == list(fields)


def test_values_are_formatted_in_fix_style():
    assert format_value(Decimal("1E+2")) == b"100"
    assert format_value(Decimal("10.250")) == b"10.250"
    assert format_value(True) == b"Y" and format_value(False) == b"N"
    assert format_value(7) == b"7"


def test_float_prices_are_refused():
    with pytest.raises(TypeError, match="float"):
        format_value(10.25)  # type: ignore[arg-type]


def test_soh_inside_a_value_is_refused():
    with pytest.raises(ValueError, match="SOH"):
        encode_body([(58, "a\x01b")])


_VALUES = st.one_of(st.text(st.characters(min_codepoint=2, max_codepoint=255), max_size=8),
                    st.binary(max_size=8).filter(lambda b: b"\x01" not in b), st.integers(-10**12, 10**12),
                    st.booleans(), st.decimals(-10**9, 10**9, allow_nan=False, allow_infinity=False, places=4))


@given(st.lists(st.tuples(st.integers(1, 99_999), _VALUES), max_size=12))
def test_a_body_is_each_field_as_tag_equals_value_soh(fields) -> None:
    assert encode_body(fields) == b"".join(b"%d=%s\x01" % (tag, format_value(value)) for tag, value in fields)


@given(st.integers(0, 4_102_444_800 * 10**9 - 1))
def test_a_timestamp_is_the_utc_time_to_the_millisecond(ns: int) -> None:
    import datetime

    moment = datetime.datetime.fromtimestamp(ns // 10**9, datetime.UTC)
    assert utc_timestamp(ns) == moment.strftime("%Y%m%d-%H:%M:%S") + f".{ns % 10**9 // 10**6:03d}"
    assert parse_utc_timestamp(utc_timestamp(ns).encode()) == ns - ns % 10**6  # read back, the second cached or not
    assert parse_utc_timestamp(utc_timestamp(ns + 10**6).encode()) == ns + 10**6 - ns % 10**6


@given(st.lists(st.integers(0, 4_102_444_800 * 10**9 - 1), min_size=1, max_size=200))
def test_timestamps_of_seconds_taking_turns_are_each_their_own(moments: list[int]) -> None:
    """A report's SendingTime, TransactTime and ExpireTime take turns (the per-second texts are cached, up to a
    bound, then dropped): every text is still its own second's, in any order, past the bound too."""
    import datetime

    for ns in [*moments, *reversed(moments), *moments]:
        moment = datetime.datetime.fromtimestamp(ns // 10**9, datetime.UTC)
        assert utc_timestamp(ns) == moment.strftime("%Y%m%d-%H:%M:%S") + f".{ns % 10**9 // 10**6:03d}"
