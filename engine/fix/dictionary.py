"""The FIX 4.4 data dictionary the session layer validates inbound messages with.

Loaded once from `resources/fix44_dictionary.json`, a compact table generated from QuickFIX's FIX44.xml by
`engine/fix/dictionary_build.py` (committed, so the engine needs neither quickfix nor the XML at run time).

Value grammar follows FIX (and QuickFIX's converters), with a length bound per type so that no value can
make a later conversion expensive: int types are an optional '-' and at most 18 digits (counts, lengths and
sequence numbers unsigned); decimal types (Price, Qty, Amt, Float, PriceOffset, Percentage) an optional '-',
digits and at most one '.', at most 32 characters — no exponent, '+', '_', spaces, NaN or Infinity.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

# FIX 4.4 (Volume 6, field TargetStrategy): "1000+ = Reserved and available for bilaterally agreed upon user
# defined values". FIX44.xml lists only the standard values; these fields also accept any int from the floor.
USER_DEFINED_VALUE_FLOORS: Mapping[int, int] = {847: 1000}
USER_DEFINED_TAG_MIN: Final = 5000
"""Tags from here up are user-defined (FIX's UserMin); ValidateUserDefinedFields decides whether they are checked."""

_MAX_INT_DIGITS: Final = 18
_ZERO: Final = 48
_NINE: Final = 57
_DASH: Final = 45  # "-": a decimal's sign, a timestamp's date separator
_POINT: Final = 46
_COLON: Final = 58
_DECIMAL_MAX_LEN: Final = 32
_FRACTION = rb"(?:\.[0-9]{3}|\.[0-9]{6}|\.[0-9]{9})?"
_TIME_ONLY = re.compile(rb"([0-9]{2}):([0-9]{2}):([0-9]{2})" + _FRACTION)
_DATE = re.compile(rb"([0-9]{4})([0-9]{2})([0-9]{2})")
_MONTH_YEAR = re.compile(rb"([0-9]{4})([0-9]{2})(?:[0-9]{2}|w[1-5])?")


def _is_int(value: bytes) -> bool:
    """-?[0-9]{1,18} (bytes.isdigit takes ASCII digits only; faster than matching a pattern)."""
    digits = value[1:] if value[:1] == b"-" else value
    return 0 < len(digits) <= _MAX_INT_DIGITS and digits.isdigit()


def _is_uint(value: bytes) -> bool:
    """[0-9]{1,18}."""
    return 0 < len(value) <= _MAX_INT_DIGITS and value.isdigit()


def _is_decimal(value: bytes) -> bool:
    """-?([0-9]+(\\.[0-9]*)?|\\.[0-9]+) within 32 characters, read byte by byte (compiled: no pattern engine)."""
    n = len(value)
    if n > _DECIMAL_MAX_LEN:
        return False
    i = 1 if n and value[0] == _DASH else 0
    whole = 0
    while i < n and _ZERO <= value[i] <= _NINE:
        whole += 1
        i += 1
    if i == n:
        return whole > 0
    if value[i] != _POINT:
        return False
    i += 1
    fraction = 0
    while i < n and _ZERO <= value[i] <= _NINE:
        fraction += 1
        i += 1
    return i == n and whole + fraction > 0


def _date_ok(year: int, month: int, day: int) -> bool:
    return year > 0 and 1 <= month <= 12 and 1 <= day <= 31


def _time_ok(hour: int, minute: int, second: int) -> bool:
    return 0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 60  # 60: a leap second


def _number(value: bytes, start: int, end: int) -> int:
    """The digits value[start:end] as a number; -1 when one is not a digit."""
    number = 0
    for i in range(start, end):
        byte = value[i]
        if byte < _ZERO or byte > _NINE:
            return -1
        number = number * 10 + (byte - _ZERO)
    return number


_second_seen = b""
"""The last `YYYYMMDD-HH:MM:SS` found valid: the timestamps of a burst share their second."""


def is_utc_timestamp(value: bytes) -> bool:
    """YYYYMMDD-HH:MM:SS with optional .sss, .ssssss or .sssssssss (FIX UTCTimestamp)."""
    global _second_seen
    n = len(value)
    if n != 17 and (n not in (21, 24, 27) or value[17] != _POINT or _number(value, 18, n) < 0):
        return False
    second = value[:17]
    if second == _second_seen:
        return True
    if value[8] != _DASH or value[11] != _COLON or value[14] != _COLON:
        return False
    # _number gives -1 for a non-digit: outside every range
    if not (_date_ok(_number(value, 0, 4), _number(value, 4, 6), _number(value, 6, 8))
            and _time_ok(_number(value, 9, 11), _number(value, 12, 14), _number(value, 15, 17))):
        return False
    _second_seen = second
    return True


def _is_time_only(value: bytes) -> bool:
    match = _TIME_ONLY.fullmatch(value)
    return match is not None and _time_ok(*map(int, match.group(1, 2, 3)))


def _is_date(value: bytes) -> bool:
    match = _DATE.fullmatch(value)
    return match is not None and _date_ok(*map(int, match.group(1, 2, 3)))


def _is_month_year(value: bytes) -> bool:
    match = _MONTH_YEAR.fullmatch(value)
    return match is not None and int(match.group(1)) > 0 and 1 <= int(match.group(2)) <= 12


def _is_char(value: bytes) -> bool:
    return len(value) == 1


def _is_boolean(value: bytes) -> bool:
    return value in (b"Y", b"N")


def _any(value: bytes) -> bool:
    return True


FORMATS: Mapping[str, Callable[[bytes], bool]] = {
    "INT": _is_int,
    "SEQNUM": _is_uint,
    "LENGTH": _is_uint,
    "NUMINGROUP": _is_uint,
    "DAYOFMONTH": _is_uint,
    "PRICE": _is_decimal,
    "QTY": _is_decimal,
    "AMT": _is_decimal,
    "FLOAT": _is_decimal,
    "PRICEOFFSET": _is_decimal,
    "PERCENTAGE": _is_decimal,
    "CHAR": _is_char,
    "BOOLEAN": _is_boolean,
    "UTCTIMESTAMP": is_utc_timestamp,
    "UTCTIMEONLY": _is_time_only,
    "UTCDATEONLY": _is_date,
    "UTCDATE": _is_date,
    "LOCALMKTDATE": _is_date,
    "MONTHYEAR": _is_month_year,
}
"""Format check per FIX44.xml type; types not listed (STRING, DATA, CURRENCY, EXCHANGE, COUNTRY,
MULTIPLEVALUESTRING) accept any non-empty value."""


@dataclass(frozen=True, slots=True)
class GroupDef:
    """A repeating group: an instance starts at `delimiter`; `fields` are the tags an instance may hold."""

    count_tag: int
    delimiter: int
    fields: frozenset[int]
    required: tuple[int, ...]
    groups: Mapping[int, GroupDef]


@dataclass(frozen=True, slots=True)
class SectionDef:
    """The tags allowed at the top level of a message body (or the header, or the trailer)."""

    fields: frozenset[int]
    required: tuple[int, ...]
    groups: Mapping[int, GroupDef]


@dataclass(frozen=True, slots=True)
class MessageDef:
    msg_type: str
    name: str
    admin: bool
    body: SectionDef


@dataclass(frozen=True, slots=True)
class FieldDef:
    tag: int
    name: str
    type: str
    check: Callable[[bytes], bool]
    values: frozenset[bytes] | None
    multiple: bool

    def format_ok(self, value: bytes) -> bool:
        return self.check(value)

    def value_ok(self, value: bytes) -> bool:
        """True when the field has no enumeration or `value` is one of its values (each, for multi-value)."""
        values = self.values
        if values is None:
            return True
        if self.multiple:
            return all(part in values for part in value.split(b" "))
        if value in values:
            return True
        floor = USER_DEFINED_VALUE_FLOORS.get(self.tag)
        return floor is not None and _is_int(value) and int(value) >= floor


class Dictionary:
    """Fields (type, enumeration), header and trailer layout, and message definitions of one FIX version."""

    def __init__(self, table: Mapping[str, Any]) -> None:
        self.begin_string: str = table["begin_string"]
        self.source: str = table["source"]
        enums: Mapping[str, list[str]] = table["enums"]
        self.fields: dict[int, FieldDef] = {}
        for tag_text, (name, type_name) in table["fields"].items():
            tag = int(tag_text)
            values = enums.get(tag_text)
            self.fields[tag] = FieldDef(
                tag,
                name,
                type_name,
                FORMATS.get(type_name, _any),
                None if values is None else frozenset(v.encode("latin-1") for v in values),
                type_name == "MULTIPLEVALUESTRING",
            )
        raw_groups: Mapping[str, Any] = table["groups"]
        built: dict[tuple[int, str], GroupDef] = {}

        def group(count_tag: int, key: str) -> GroupDef:
            raw = raw_groups[key]
            return GroupDef(count_tag, int(raw["delim"]), frozenset(raw["fields"]), tuple(raw["required"]),
                            {int(t): group(int(t), k) for t, k in raw["groups"].items()})

        def section(raw: Mapping[str, Any]) -> SectionDef:
            groups = {}
            for tag_text, key in raw["groups"].items():
                tag = int(tag_text)
                if (tag, key) not in built:
                    built[tag, key] = group(tag, key)
                groups[tag] = built[tag, key]
            return SectionDef(frozenset(raw["fields"]), tuple(raw["required"]), groups)

        self.header = section(table["header"])
        self.trailer = section(table["trailer"])
        self.messages: dict[str, MessageDef] = {
            msg_type: MessageDef(msg_type, raw["name"], bool(raw["admin"]), section(raw))
            for msg_type, raw in table["messages"].items()
        }

    def field(self, tag: int) -> FieldDef | None:
        return self.fields.get(tag)

    def message(self, msg_type: str) -> MessageDef | None:
        return self.messages.get(msg_type)

    def field_name(self, tag: int) -> str:
        definition = self.fields.get(tag)
        return definition.name if definition is not None else str(tag)


@cache
def fix44() -> Dictionary:
    """The FIX 4.4 dictionary (parsed on first use, ~10 ms, then shared)."""
    text = resources.files("resources").joinpath("fix44_dictionary.json").read_text(encoding="utf-8")
    return Dictionary(json.loads(text))
