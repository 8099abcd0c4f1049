"""The FIX 4.4 dictionary: generated from QuickFIX's FIX44.xml, and FIX's value grammar, strictly bounded."""

from __future__ import annotations

import pytest

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
