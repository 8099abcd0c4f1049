"""The FIX 4.4 dictionary: generated from QuickFIX's FIX44.xml, and FIX's value grammar, strictly bounded."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.fix.dictionary import fix44, is_utc_timestamp
from engine.fix.dictionary_build import DEFAULT_OUT, build_table, default_xml, render


@pytest.mark.skipif(default_xml() is None, reason="quickfix-ssl (FIX44.xml) is not installed")
def test_committed_table_is_what_the_generator_makes_of_quickfix_fix44_xml():
    xml = default_xml()
    assert xml is not None
    assert DEFAULT_OUT.read_text(encoding="utf-8") == render(build_table(xml)), (
        "resources/fix44_dictionary.json is stale: run python -m engine.fix.dictionary_build"
    )


def test_components_are_flattened_as_quickfix_does():
    d = fix44()
    order = d.message("D")
    assert order is not None and order.name == "NewOrderSingle" and not order.admin
    assert order.body.required == (11, 40, 54, 60)  # Instrument/OrderQtyData are required, none of their fields
    assert {55, 38, 167, 386} <= order.body.fields  # from components, and a group's count tag
    assert 336 not in order.body.fields  # a group member is not a top-level field
    sessions = order.body.groups[386]
    assert sessions.delimiter == 336 and sessions.fields == {336, 625}
    assert d.header.required == (8, 9, 34, 35, 49, 52, 56) and d.trailer.required == (10,)
    email = d.message("C")
    assert email is not None and 33 in email.body.required and email.body.groups[33].required == (58,)


@pytest.mark.parametrize(
    ("tag", "value", "ok"),
    [
        # int (HeartBtInt 108): digits, one leading '-', at most 18 digits
        (108, b"30", True), (108, b"-5", True), (108, b"+5", False), (108, b"1e3", False), (108, b"1_000", False),
        (108, b" 30", False), (108, b"3 0", False), (108, b"-", False), (108, b"9" * 18, True), (108, b"9" * 19, False),
        # unsigned kinds: SeqNum 34, NumInGroup 386, Length 95
        (34, b"7", True), (34, b"-7", False), (386, b"0", True), (386, b"-1", False), (95, b"12", True),
        # decimals: Qty 38, Price 44 (no exponent, sign, separators, NaN or Infinity; 32 characters at most)
        (38, b"002000.00", True), (38, b"100", True), (38, b".5", True), (38, b"5.", True), (38, b"-0.5", True),
        (38, b"+200.00", False), (38, b"1E+5", False), (38, b"1e3", False), (38, b"1_000", False),
        (38, b"NaN", False), (38, b"Infinity", False), (38, b"1.0.0", False), (38, b".", False), (38, b"", False),
        (44, b"1" * 32, True), (44, b"1" * 33, False), (44, b"1E-999999999", False),
        # char, boolean
        (54, b"1", True), (54, b"12", False), (43, b"Y", True), (43, b"y", False), (43, b"YES", False),
        # UTCTimestamp 60, UTCTimeOnly, dates (LocalMktDate 75), MonthYear 200
        (60, b"20240102-09:30:00", True), (60, b"20240102-09:30:00.123", True), (60, b"20240102-09:30:00.123456", True),
        (60, b"20240102-09:30:00.1", False), (60, b"20241302-09:30:00", False), (60, b"20240102-24:00:00", False),
        (60, b"20240102", False), (60, b"2024-01-02T09:30:00", False),
        (75, b"20240102", True), (75, b"2024010", False), (75, b"20240132", False),
        (200, b"202401", True), (200, b"20240115", True), (200, b"202401w2", True), (200, b"202413", False),
        # strings take anything (but emptiness, which the validator rejects first)
        (55, b"IBM 2024 C", True),
    ],
)
def test_value_formats_follow_fix_grammar(tag, value, ok):
    field = fix44().field(tag)
    assert field is not None
    assert field.format_ok(value) is ok


@pytest.mark.parametrize(
    ("tag", "value", "ok"),
    [
        (21, b"1", True), (21, b"4", False), (167, b"CS", True), (167, b"BOO", False), (40, b"w", False),
        (847, b"1", True), (847, b"4", False), (847, b"1000", True), (847, b"1001", True), (847, b"999", False),
        (18, b"1 A", True), (18, b"1 ?", False),  # ExecInst: several values, each must be one
        (55, b"ANY", True),  # no enumeration
    ],
)
def test_enumerated_values(tag, value, ok):
    field = fix44().field(tag)
    assert field is not None and field.value_ok(value) is ok


def test_timestamp_grammar_is_bounded_in_length():
    assert not is_utc_timestamp(b"20240102-09:30:00." + b"1" * 1000)


@pytest.mark.parametrize("value", [b"20240102-09:30:00.12a", b"20240102-09:30:00.12/", b"20240102-09:30:00.:00",
                                   b"2024010a-09:30:00", b"20240102-09:3a:00"])
def test_a_timestamp_with_a_character_that_is_not_a_digit_is_refused(value):
    assert not is_utc_timestamp(value)


_REFERENCE_DECIMAL = re.compile(rb"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_REFERENCE_TIMESTAMP = re.compile(
    rb"([0-9]{4})([0-9]{2})([0-9]{2})-([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]{3}|\.[0-9]{6}|\.[0-9]{9})?")


def _reference_timestamp(value: bytes) -> bool:
    match = _REFERENCE_TIMESTAMP.fullmatch(value)
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    return year > 0 and 1 <= month <= 12 and 1 <= day <= 31 and hour <= 23 and minute <= 59 and second <= 60


@given(st.lists(st.sampled_from([b"0", b"7", b"9", b"-", b".", b"e", b" ", b"+", b"\xd9"]), max_size=36).map(b"".join))
def test_a_decimal_is_read_as_the_pattern_reads_it(value: bytes) -> None:
    price = fix44().field(44)
    assert price is not None
    expected = len(value) <= 32 and _REFERENCE_DECIMAL.fullmatch(value) is not None
    assert price.format_ok(value) is expected


_STAMP_PIECES = st.sampled_from([b"2026", b"1203", b"0000", b"1299", b"1232", b"-", b"19", b"24", b"60", b"61", b"59",
                                 b":", b".", b"123", b"1", b"x", b"00", b"09"])


def _part(*edges: bytes) -> st.SearchStrategy[bytes]:
    """A field of a timestamp: its range's edges (each side), or any digits of its width."""
    width = len(edges[0])
    return st.one_of(st.sampled_from(edges), st.integers(0, 10**width - 1).map(lambda n: b"%0*d" % (width, n)))


_STRUCTURED_STAMP = st.tuples(
    _part(b"0000", b"0001", b"2026", b"9999"), _part(b"00", b"01", b"12", b"13"), _part(b"00", b"01", b"31", b"32"),
    st.sampled_from([b"-", b"-", b":"]), _part(b"00", b"23", b"24"), st.sampled_from([b":", b":", b"-"]),
    _part(b"00", b"59", b"60"), st.just(b":"), _part(b"00", b"59", b"60", b"61"),
    st.sampled_from([b"", b".1", b".123", b".12a", b"123", b".123456", b".123456789", b".1234567890", b"."]),
).map(b"".join)


@given(st.one_of(_STRUCTURED_STAMP, st.lists(_STAMP_PIECES, max_size=12).map(b"".join)),
       st.sampled_from([b"", b"20261203-19:35:58.517"]))
def test_a_timestamp_is_read_as_the_pattern_and_calendar_read_it(value: bytes, before: bytes) -> None:
    if before:
        assert is_utc_timestamp(before)  # a second seen valid just before must not make a bad value pass
    assert is_utc_timestamp(value) is _reference_timestamp(value)
    same_second = b"20261203-19:35:58" + value[17:]
    assert is_utc_timestamp(same_second) is _reference_timestamp(same_second)


@pytest.mark.parametrize(("value", "valid"), [
    (b"20261203-23:59:60", True), (b"20261203-23:59:61", False), (b"20261203-24:00:00", False),
    (b"20261203-00:60:00", False), (b"20261303-00:00:00", False), (b"20260003-00:00:00", False),
    (b"20261232-00:00:00", False), (b"20261200-00:00:00", False), (b"00001203-00:00:00", False),
    (b"20261231-23:59:59.999999999", True), (b"20261231-23:59:59.99", False), (b"20261231 23:59:59", False),
])
def test_a_timestamp_at_the_edges_of_its_ranges(value: bytes, valid: bool) -> None:
    assert is_utc_timestamp(value) is valid
    assert is_utc_timestamp(b"20261203-00:00:00") and is_utc_timestamp(value) is valid  # after a cached second


def test_the_dictionary_build_finds_fix44_xml_only_where_a_wheel_put_it(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    monkeypatch.setattr(sys, "base_prefix", str(tmp_path))
    assert default_xml() is None  # nothing there: the caller says how to get it
    shipped = tmp_path / "share" / "quickfix" / "FIX44.xml"
    shipped.parent.mkdir(parents=True)
    shipped.write_text("<fix/>")
    assert default_xml() == shipped
