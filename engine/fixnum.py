"""FIX numbers read by FIX's grammar with a length bound before any conversion, and written bounded.

FIX 4.4 (Volume 1, "Data types"): `int` is ASCII digits with an optional leading '-'; `float` and its
subtypes (Qty, Price, PriceOffset, Amt, Percentage) are digits with an optional leading '-' and an
optional '.' ("23", "23.", "23.0", ".5"; leading and trailing zeros allowed). There is no exponent, '+',
'_', space, NaN or Infinity. Python's `int()` and `Decimal()` accept all of those (and non-ASCII
digits), and `Decimal("1E-999999999")` is a valid number whose plain text has a billion digits, so FIX
text goes through this module first. Every function does work bounded by its `max_length` (nothing is
scanned past it) and has no dependency: the session layer's data-dictionary checks and the application
use the same grammar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

MAX_INT_LENGTH = 18  # '-' and 17 digits, or 18 digits: below 2**63, so every int fits a C long
MAX_FLOAT_LENGTH = 32  # FIX floats carry 15 significant digits; room for leading/trailing zeros and '-'
MAX_SHOWN = 24  # characters of an offending value quoted back in a reject's Text
PLAIN_INT_LENGTH = 15  # digits a quantity may have to be read by `plain_int` (FIX floats carry 15 significant)

_INT = re.compile(rb"-?[0-9]+")
_FLOAT = re.compile(rb"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


@dataclass(frozen=True, slots=True)
class BadNumber:
    """Why a value is not a FIX number; `problem` reads after the field's name ("has an exponent")."""

    problem: str


def is_fix_int(raw: bytes | str, *, signed: bool = True, max_length: int = MAX_INT_LENGTH) -> bool:
    """True when `raw` is a FIX `int` of at most `max_length` characters (no conversion)."""
    return int_problem(raw, signed=signed, max_length=max_length) is None


def is_fix_float(raw: bytes | str, *, signed: bool = True, max_length: int = MAX_FLOAT_LENGTH) -> bool:
    """True when `raw` is a FIX `float` (Qty, Price, ...) of at most `max_length` characters."""
    return float_problem(raw, signed=signed, max_length=max_length) is None


def int_problem(raw: bytes | str, *, signed: bool = True, max_length: int = MAX_INT_LENGTH) -> str | None:
    """None when `raw` is a FIX `int`, else what is wrong with it."""
    data = _ascii(raw, max_length)
    if isinstance(data, BadNumber):
        return data.problem
    if _INT.fullmatch(data):
        return None if signed or data[:1] != b"-" else "must not be negative"
    return _why_not(data, "a whole number (digits only)")


def float_problem(raw: bytes | str, *, signed: bool = True, max_length: int = MAX_FLOAT_LENGTH) -> str | None:
    """None when `raw` is a FIX `float`, else what is wrong with it."""
    data = _ascii(raw, max_length)
    if isinstance(data, BadNumber):
        return data.problem
    if _FLOAT.fullmatch(data):
        return None if signed or data[:1] != b"-" else "must not be negative"
    return _why_not(data, "a decimal number (digits and an optional '.')")


def plain_int(raw: bytes | str, max_length: int = PLAIN_INT_LENGTH) -> int | None:
    """`raw` as an int when it is only ASCII digits (no sign, no '.') within `max_length` characters: the usual
    quantity, read without the grammar's pattern or a Decimal; None for anything else (read it by the grammar).
    The ASCII check matters for str: `str.isdigit()` and `int()` take '²' or Arabic-Indic digits."""
    if len(raw) <= max_length and raw.isascii() and raw.isdigit():
        return int(raw)
    return None


def parse_fix_int(raw: bytes | str, *, signed: bool = True, max_length: int = MAX_INT_LENGTH) -> int | BadNumber:
    """A FIX `int` as an int, or why it is not one."""
    plain = plain_int(raw, max_length)  # the usual case, without the pattern
    if plain is not None:
        return plain
    problem = int_problem(raw, signed=signed, max_length=max_length)
    if problem is not None:
        return BadNumber(problem)
    return int(raw)


def parse_fix_decimal(
    raw: bytes | str, *, signed: bool = True, max_length: int = MAX_FLOAT_LENGTH
) -> Decimal | BadNumber:
    """A FIX `float` (Qty, Price, ...) as an exact Decimal, or why it is not one."""
    if len(raw) <= max_length and raw.isascii():  # the usual case (ASCII digits, at most one '.'), no pattern
        text = raw.decode("ascii") if isinstance(raw, bytes) else raw
        if text.replace(".", "", 1).isdigit():
            return Decimal(text)
    problem = float_problem(raw, signed=signed, max_length=max_length)
    if problem is not None:
        return BadNumber(problem)
    text = raw.decode("ascii") if isinstance(raw, bytes) else raw
    return Decimal(text)


def plain_digits(value: Decimal) -> int:
    """Characters of `value` written in plain notation (sign and '.' not counted); cheap for any exponent."""
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    whole = max(len(digits) + exponent, 1)
    return whole + max(-exponent, 0)


def format_fix_decimal(value: Decimal, *, max_digits: int = 30) -> str:
    """`value` as FIX float text (plain notation); ValueError, without building the text, when that
    text would run past `max_digits` digits (an unbounded Decimal is never formatted)."""
    if value.is_finite():
        # str is plain notation unless the exponent is positive or the value tiny (then it has an 'E'), and is
        # no longer than the Decimal's own digits: a price formats in ~0.2 us instead of ~2.5 us (as_tuple)
        text = str(value)
        if "E" not in text and len(text) - (text[0] == "-") - ("." in text) <= max_digits:
            return text
    if plain_digits(value) > max_digits:
        raise ValueError(f"a number with {plain_digits(value):,} digits is past the {max_digits}-digit bound")
    return format(value, "f")


def shown(raw: bytes | str, limit: int = MAX_SHOWN) -> str:
    """`raw` quoted for a reject's Text: at most `limit` characters, and how long it really was."""
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text):,} characters)"


def _ascii(raw: bytes | str, max_length: int) -> bytes | BadNumber:
    if len(raw) > max_length:
        return BadNumber(f"is longer than {max_length} characters")
    if not raw:
        return BadNumber("is empty")
    if isinstance(raw, bytes):
        return raw
    try:
        return raw.encode("ascii")
    except UnicodeEncodeError:
        return BadNumber("has characters other than ASCII digits, '-' and '.'")


def _why_not(data: bytes, expected: str) -> str:
    """Name the usual mistake (the value is already bounded in length)."""
    lowered = data.lower()
    if lowered.lstrip(b"+-") in (b"nan", b"snan", b"inf", b"infinity"):
        return "is not a finite number (NaN and Infinity are not FIX numbers)"
    if b"e" in lowered and any(c in b"0123456789" for c in data):
        return f"has an exponent: FIX wants {expected}"
    if b"+" in data:
        return "has a '+' sign: FIX numbers take only a leading '-'"
    if b"_" in data or b"," in data:
        return f"has a digit separator: FIX wants {expected}"
    if any(c in b" \t\r\n" for c in data):
        return f"has spaces: FIX wants {expected}"
    return f"is not {expected}"
