"""FIX numbers by FIX's grammar, bounded: what Python's int() and Decimal() would take is not what FIX allows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.fixnum import (
    MAX_FLOAT_LENGTH,
    BadNumber,
    float_problem,
    format_fix_decimal,
    int_problem,
    is_fix_float,
    is_fix_int,
    parse_fix_decimal,
    parse_fix_int,
    plain_digits,
    shown,
)


@pytest.mark.parametrize(("raw", "value"), [
    ("100", Decimal(100)), ("-0.5", Decimal("-0.5")), ("23.", Decimal(23)), (".5", Decimal("0.5")),
    ("00023.2300", Decimal("23.23")), (b"187.25", Decimal("187.25")), ("0", Decimal(0)),
])
def test_fix_floats_parse_to_exact_decimals(raw, value):
    assert parse_fix_decimal(raw) == value


@pytest.mark.parametrize(("raw", "problem"), [
    ("1E-999999999", "has an exponent"),
    ("1e3", "has an exponent"),
    ("1E+300000", "has an exponent"),
    ("+100", "has a '+' sign"),
    ("1_000", "has a digit separator"),
    ("1,000", "has a digit separator"),
    (" 100", "has spaces"),
    ("100 ", "has spaces"),
    ("NaN", "is not a finite number"),
    ("-Infinity", "is not a finite number"),
    ("inf", "is not a finite number"),
    ("", "is empty"),
    ("-", "is not a decimal number"),
    (".", "is not a decimal number"),
    ("1.2.3", "is not a decimal number"),
    ("0x10", "is not a decimal number"),
    ("١٠٠", "has characters other than ASCII"),  # Arabic-Indic digits: Decimal() takes them
    ("1" * (MAX_FLOAT_LENGTH + 1), "is longer than 32 characters"),
    ("1" * 1_000_000, "is longer than 32 characters"),
])
def test_what_is_not_a_fix_float_is_refused_with_the_reason(raw, problem):
    result = parse_fix_decimal(raw)
    assert isinstance(result, BadNumber) and problem in result.problem
    assert not is_fix_float(raw)


@pytest.mark.parametrize(("raw", "ok"), [
    ("42", True), ("-42", True), ("0042", True), ("4.2", False), ("1e3", False), ("+4", False), ("4_2", False),
    ("²", False), ("", False), ("-", False), ("9" * 18, True), ("9" * 19, False),
])
def test_fix_ints_are_ascii_digits_with_an_optional_minus(raw, ok):
    assert is_fix_int(raw) is ok
    assert isinstance(parse_fix_int(raw), int) is ok


def test_unsigned_fields_refuse_a_minus_sign():
    assert int_problem("-1", signed=False) == "must not be negative"
    assert float_problem("-1.5", signed=False) == "must not be negative"
    assert parse_fix_int("17", signed=False) == 17


@given(st.one_of(st.text(max_size=64), st.binary(max_size=64),
                 st.from_regex(r"-?[0-9]{0,40}(\.[0-9]{0,40})?", fullmatch=True)))
def test_anything_either_parses_to_a_small_exact_decimal_or_is_refused(raw):
    result = parse_fix_decimal(raw)
    if isinstance(result, BadNumber):
        assert result.problem
        return
    assert len(raw) <= MAX_FLOAT_LENGTH and result.is_finite()
    assert plain_digits(result) <= MAX_FLOAT_LENGTH
    assert result == Decimal(raw.decode() if isinstance(raw, bytes) else raw)


def test_plain_digits_counts_without_building_the_text():
    assert plain_digits(Decimal("123.45")) == 5
    assert plain_digits(Decimal("0.001")) == 4
    assert plain_digits(Decimal("1E+5")) == 6
    assert plain_digits(Decimal("1E-999999999")) == 1_000_000_000  # counted, never written


def test_formatting_is_bounded_and_refuses_an_unbounded_decimal():
    assert format_fix_decimal(Decimal("100.05")) == "100.05"
    assert format_fix_decimal(Decimal("1E+2")) == "100"
    for huge in (Decimal("1E-999999999"), Decimal("1E+300000"), Decimal("1E+31")):
        with pytest.raises(ValueError, match="digit bound"):
            format_fix_decimal(huge)
    with pytest.raises(ValueError):
        format_fix_decimal(Decimal("NaN"))
    assert format_fix_decimal(Decimal("1E+29")) == "1" + "0" * 29  # exactly 30 digits: the bound itself
    with pytest.raises(ValueError, match="digit bound"):
        format_fix_decimal(Decimal("1E+30"))


@given(st.decimals(allow_nan=False, allow_infinity=False), st.integers(1, 40))
def test_formatting_is_plain_notation_within_the_bound(value: Decimal, max_digits: int) -> None:
    if plain_digits(value) > max_digits:
        with pytest.raises(ValueError, match="digit bound"):
            format_fix_decimal(value, max_digits=max_digits)
    else:
        assert format_fix_decimal(value, max_digits=max_digits) == format(value, "f")


def test_a_quoted_value_is_cut_and_says_how_long_it_was():
    assert shown("1e3") == "'1e3'"
    long = shown(b"9" * 100_000)
    assert long.startswith("'999") and long.endswith("(100,000 characters)") and len(long) < 60
    assert shown("x" * 24) == repr("x" * 24)  # exactly the limit: whole, with no length note
    assert shown("x" * 25) == repr("x" * 24) + "... (25 characters)"


_NUMBERISH = st.text(st.sampled_from("0123456789.-+eE _\u00b2\u0663x"), max_size=40)


def _by_the_pattern(raw: bytes | str, parse, problem_of, **kwargs):
    """What the grammar's pattern alone says: the value, or the problem (the parsers' fast paths must agree)."""
    problem = problem_of(raw, **kwargs)
    if problem is not None:
        return BadNumber(problem)
    text = raw.decode("ascii") if isinstance(raw, bytes) else raw
    return parse(text)


@given(st.one_of(_NUMBERISH, _NUMBERISH.map(lambda t: t.encode("utf-8"))), st.booleans(), st.integers(1, 40))
def test_the_parsers_fast_paths_say_what_the_pattern_says(raw, signed: bool, max_length: int) -> None:
    """Digits with at most one '.' skip the pattern: the answer is the same for anything, within any bound
    (non-ASCII digits such as '²' or Arabic-Indic ones, which int() and str.isdigit() accept, included)."""
    assert parse_fix_int(raw, signed=signed, max_length=max_length) == \
        _by_the_pattern(raw, int, int_problem, signed=signed, max_length=max_length)
    assert parse_fix_decimal(raw, signed=signed, max_length=max_length) == \
        _by_the_pattern(raw, Decimal, float_problem, signed=signed, max_length=max_length)
