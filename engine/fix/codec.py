"""Encode outbound FIX messages (correct BodyLength and CheckSum) and name the tags the session uses.

A message is built in two steps: `encode_body(fields)` turns the application's (tag, value) pairs into
bytes once, and `encode(...)` frames them with the standard header. The session stores the body bytes
so a resend re-frames the same body with PossDupFlag and OrigSendingTime.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from engine.fix.framing import checksum
from engine.fixnum import format_fix_decimal

NS_PER_S: Final = 1_000_000_000
NS_PER_MS: Final = 1_000_000

FieldValue = str | bytes | int | Decimal


class Tag:
    """FIX 4.4 tag numbers used by the session layer (application tags live with the application)."""

    BEGIN_SEQ_NO: Final = 7
    BEGIN_STRING: Final = 8
    BODY_LENGTH: Final = 9
    CHECK_SUM: Final = 10
    END_SEQ_NO: Final = 16
    MSG_SEQ_NUM: Final = 34
    MSG_TYPE: Final = 35
    NEW_SEQ_NO: Final = 36
    POSS_DUP_FLAG: Final = 43
    POSS_RESEND: Final = 97
    REF_SEQ_NUM: Final = 45
    SENDER_COMP_ID: Final = 49
    SENDING_TIME: Final = 52
    TARGET_COMP_ID: Final = 56
    TEXT: Final = 58
    ENCRYPT_METHOD: Final = 98
    ON_BEHALF_OF_COMP_ID: Final = 115
    ON_BEHALF_OF_SUB_ID: Final = 116
    DELIVER_TO_COMP_ID: Final = 128
    DELIVER_TO_SUB_ID: Final = 129
    ON_BEHALF_OF_LOCATION_ID: Final = 144
    DELIVER_TO_LOCATION_ID: Final = 145
    HEART_BT_INT: Final = 108
    TEST_REQ_ID: Final = 112
    ORIG_SENDING_TIME: Final = 122
    GAP_FILL_FLAG: Final = 123
    RESET_SEQ_NUM_FLAG: Final = 141
    REF_TAG_ID: Final = 371
    REF_MSG_TYPE: Final = 372
    SESSION_REJECT_REASON: Final = 373
    BUSINESS_REJECT_REASON: Final = 380
    USERNAME: Final = 553
    PASSWORD: Final = 554


class MsgType:
    """Session-level (admin) message types."""

    HEARTBEAT: Final = "0"
    TEST_REQUEST: Final = "1"
    RESEND_REQUEST: Final = "2"
    REJECT: Final = "3"
    SEQUENCE_RESET: Final = "4"
    LOGOUT: Final = "5"
    LOGON: Final = "A"
    BUSINESS_MESSAGE_REJECT: Final = "j"


ADMIN_MSG_TYPES: Final = frozenset({"0", "1", "2", "3", "4", "5", "A"})


class SessionRejectReason:
    """SessionRejectReason (373) values used in session-level Rejects."""

    INVALID_TAG_NUMBER: Final = 0
    REQUIRED_TAG_MISSING: Final = 1
    TAG_NOT_DEFINED_FOR_MSG_TYPE: Final = 2
    UNDEFINED_TAG: Final = 3
    TAG_WITHOUT_VALUE: Final = 4
    VALUE_INCORRECT: Final = 5
    INCORRECT_DATA_FORMAT: Final = 6
    COMPID_PROBLEM: Final = 9
    SENDING_TIME_ACCURACY: Final = 10
    INVALID_MSG_TYPE: Final = 11
    TAG_APPEARS_MORE_THAN_ONCE: Final = 13
    TAG_OUT_OF_ORDER: Final = 14
    INCORRECT_NUM_IN_GROUP_COUNT: Final = 16


REJECT_TEXT: Final = {
    SessionRejectReason.INVALID_TAG_NUMBER: "Invalid tag number",
    SessionRejectReason.REQUIRED_TAG_MISSING: "Required tag missing",
    SessionRejectReason.TAG_NOT_DEFINED_FOR_MSG_TYPE: "Tag not defined for this message type",
    SessionRejectReason.UNDEFINED_TAG: "Undefined Tag",
    SessionRejectReason.TAG_WITHOUT_VALUE: "Tag specified without a value",
    SessionRejectReason.VALUE_INCORRECT: "Value is incorrect (out of range) for this tag",
    SessionRejectReason.INCORRECT_DATA_FORMAT: "Incorrect data format for value",
    SessionRejectReason.COMPID_PROBLEM: "CompID problem",
    SessionRejectReason.SENDING_TIME_ACCURACY: "SendingTime accuracy problem",
    SessionRejectReason.INVALID_MSG_TYPE: "Invalid MsgType",
    SessionRejectReason.TAG_APPEARS_MORE_THAN_ONCE: "Tag appears more than once",
    SessionRejectReason.TAG_OUT_OF_ORDER: "Tag specified out of required order",
    SessionRejectReason.INCORRECT_NUM_IN_GROUP_COUNT: "Incorrect NumInGroup count for repeating group",
}
"""Text (58) of a session Reject, in QuickFIX's wording (its acceptance tests compare it)."""


_SECOND_TEXTS: Final[dict[int, str]] = {}
"""`YYYYMMDD-HH:MM:SS` by epoch second, for the few seconds in use at once: a report's SendingTime (wall
clock), TransactTime (the engine's, market time) and ExpireTime take turns, so one cached second missed on
nearly every call (strftime, about 2 us). Emptied when it holds `_SECONDS_KEPT`."""
_SECONDS_KEPT: Final = 64
_MILLIS: Final = tuple(f".{ms:03d}" for ms in range(1000))
"""A timestamp's millisecond suffix by value: a lookup, where formatting `:03d` cost a microsecond a report."""


def utc_timestamp(ns: int) -> str:
    """UTCTimestamp with milliseconds, e.g. `20240102-09:30:00.125`."""
    seconds = ns // NS_PER_S
    prefix = _SECOND_TEXTS.get(seconds)
    if prefix is None:
        if len(_SECOND_TEXTS) >= _SECONDS_KEPT:
            _SECOND_TEXTS.clear()
        prefix = _SECOND_TEXTS[seconds] = time.strftime("%Y%m%d-%H:%M:%S", time.gmtime(seconds))
    return prefix + _MILLIS[(ns - seconds * NS_PER_S) // NS_PER_MS]


_parsed_second: tuple[bytes | None, int] = (None, 0)  # None: no text read yet (no slice equals it)
"""The last `YYYYMMDD-HH:MM:SS` read and its epoch seconds: a session's SendingTimes mostly share their second."""


def parse_utc_timestamp(value: bytes) -> int:
    """Nanoseconds since the epoch of a UTCTimestamp the dictionary has already checked the format of."""
    global _parsed_second
    head = value[:17]
    cached_head, seconds = _parsed_second
    if head != cached_head:
        seconds = calendar.timegm(
            (int(value[0:4]), int(value[4:6]), int(value[6:8]), int(value[9:11]), int(value[12:14]), int(value[15:17]))
        )
        _parsed_second = (head, seconds)
    fraction = value[18:]
    nanos = int(fraction.ljust(9, b"0")) if fraction else 0
    return seconds * NS_PER_S + nanos


def format_value(value: FieldValue) -> bytes:
    """Wire text of one field value: bool as Y/N, Decimal without exponent (at most 30 digits: ValueError
    past that, without building the text); floats are refused."""
    if isinstance(value, bytes):
        out = value
    elif isinstance(value, str):
        out = value.encode("latin-1")
    elif isinstance(value, bool):
        out = b"Y" if value else b"N"
    elif isinstance(value, int):
        out = str(value).encode("ascii")
    elif isinstance(value, Decimal):
        out = format_fix_decimal(value).encode("ascii")  # bounded: never builds an unbounded text
    else:
        raise TypeError(f"FIX field value must be str, bytes, int or Decimal, got {type(value).__name__}")
    if b"\x01" in out:
        raise ValueError(f"FIX field value {out!r} contains SOH")
    return out


_TAG_PREFIXES: dict[int, bytes] = {}
"""`SOH tag=` by tag, built once per tag (bytes % formatting per field was a third of encoding a body)."""


def encode_body(fields: Iterable[tuple[int, FieldValue]]) -> bytes:
    """The fields after the standard header, in the given order (repeating groups stay in order)."""
    parts: list[bytes] = []  # SOH tag = value, ..., SOH: the leading SOH is cut off at the end
    count = 0
    for tag, value in fields:
        prefix = _TAG_PREFIXES.get(tag)
        if prefix is None:
            prefix = b"\x01%d=" % tag
            if len(_TAG_PREFIXES) < 4096:  # bounded, whatever tags a caller makes up
                _TAG_PREFIXES[tag] = prefix
        parts.append(prefix)
        if isinstance(value, str):
            parts.append(value.encode("latin-1"))
        elif isinstance(value, bytes):
            parts.append(value)
        elif type(value) is int:  # not bool: that one is Y/N
            parts.append(str(value).encode("ascii"))
        else:
            parts.append(format_value(value))
        count += 1
    parts.append(b"\x01")
    body = b"".join(parts)[1:]
    if body.count(b"\x01") != count:
        bad = next(part for part in parts[1::2] if b"\x01" in part)
        raise ValueError(f"FIX field value {bad!r} contains SOH")
    return body


def encode(
    msg_type: str,
    body: bytes,
    *,
    begin_string: str,
    sender_comp_id: str,
    target_comp_id: str,
    seq_num: int,
    sending_time: str,
    poss_dup: bool = False,
    orig_sending_time: str | None = None,
    header: Iterable[tuple[int, FieldValue]] = (),
) -> bytes:
    """A whole frame: 8, 9, 35, the standard header in ascending tag order as QuickFIX writes it (34, [43],
    49, 52, 56, [122], plus any `header` fields such as OnBehalfOfCompID 115 in their place), body, 10."""
    extra = list(header)
    if extra:
        fields: list[tuple[int, FieldValue]] = [(34, seq_num), (49, sender_comp_id), (52, sending_time),
                                                (56, target_comp_id), *extra]
        if poss_dup:
            fields.append((43, "Y"))
        if orig_sending_time is not None:
            fields.append((122, orig_sending_time))
        fields.sort(key=lambda field: field[0])
        rest = b"35=%s\x01" % msg_type.encode("latin-1") + encode_body(fields) + body
    else:
        head = f"35={msg_type}\x0134={seq_num}\x01"
        if poss_dup:
            head += "43=Y\x01"
        head += f"49={sender_comp_id}\x0152={sending_time}\x0156={target_comp_id}\x01"
        if orig_sending_time is not None:
            head += f"122={orig_sending_time}\x01"
        rest = head.encode("latin-1") + body
    frame = b"8=%s\x019=%d\x01%s" % (begin_string.encode("ascii"), len(rest), rest)
    return frame + b"10=%03d\x01" % checksum(frame)
