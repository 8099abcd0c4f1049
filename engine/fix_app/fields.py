"""One inbound FIX field at a time, read strictly and bounded: a typed value, or a `Refusal` naming the
tag and what is wrong with it.

Numbers follow FIX's grammar (engine/fixnum.py) before any conversion; strings have a length bound; an
offending value is quoted back at most `MAX_SHOWN` characters long. Bounds are sane, not FIX's: an
order of more than 10^12 shares or a price of 10^9 or more is a mistake or an attack, never a trade.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from engine.fix.framing import FixMessage
from engine.fix_app.tags import AppTag, OrdRejReason
from engine.fixnum import BadNumber, parse_fix_decimal, plain_int, shown

MAX_ORDER_QTY = 10**12
MAX_PRICE = Decimal(10**9)
MAX_ID_LENGTH = 64  # ClOrdID, OrigClOrdID
MAX_ACCOUNT_LENGTH = 64
MAX_SYMBOL_LENGTH = 32
MAX_NAME_LENGTH = 32  # AlgoName (9100), Urgency (9101)
MAX_PARAMETERS_LENGTH = 1024  # TargetStrategyParameters (848)

NAMES = {
    AppTag.ACCOUNT: "Account", AppTag.CL_ORD_ID: "ClOrdID", AppTag.ORDER_QTY: "OrderQty", AppTag.ORD_TYPE: "OrdType",
    AppTag.ORIG_CL_ORD_ID: "OrigClOrdID", AppTag.PRICE: "Price", AppTag.SIDE: "Side", AppTag.SYMBOL: "Symbol",
    AppTag.TIME_IN_FORCE: "TimeInForce", AppTag.TRANSACT_TIME: "TransactTime", AppTag.EXPIRE_TIME: "ExpireTime",
    AppTag.EFFECTIVE_TIME: "EffectiveTime", AppTag.TARGET_STRATEGY: "TargetStrategy",
    AppTag.TARGET_STRATEGY_PARAMETERS: "TargetStrategyParameters", AppTag.HANDL_INST: "HandlInst",
    AppTag.ALGO_NAME: "AlgoName", AppTag.URGENCY: "Urgency", AppTag.ALLOW_CROSS: "AllowCross",
}

# UTCTimestamp: YYYYMMDD-HH:MM:SS with an optional fraction of a second (ASCII digits only).
_TIMESTAMP = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})-([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?")
_MAX_TIMESTAMP_LENGTH = 27
_EPOCH = dt.datetime(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an inbound message cannot be acted on; `tag` is the offending field when there is one."""

    reason: str
    tag: int | None = None
    session_level: bool = False
    ord_rej_reason: int = OrdRejReason.OTHER


def name(tag: int) -> str:
    """`OrderQty (38)`: how a reject's Text names a field."""
    return f"{NAMES[tag]} ({tag})" if tag in NAMES else f"tag {tag}"


def missing(tag: int, *, session_level: bool = False, why: str = "") -> Refusal:
    return Refusal(f"{name(tag)} is required{why}", tag, session_level=session_level,
                   ord_rej_reason=OrdRejReason.INCORRECT_QUANTITY if tag == AppTag.ORDER_QTY else OrdRejReason.OTHER)


def text(
    message: FixMessage, tag: int, *, max_length: int, required: bool = False, session_level: bool = False
) -> str | Refusal | None:
    """A string field: absent -> None (or a Refusal when `required`); present -> 1..max_length characters."""
    raw = message.get(tag)
    if raw is None:
        return missing(tag, session_level=session_level) if required else None
    if not raw:
        return Refusal(f"{name(tag)} is present but empty", tag, session_level=session_level)
    if len(raw) > max_length:
        return Refusal(f"{name(tag)} {shown(raw)} is longer than {max_length} characters", tag,
                       session_level=session_level)
    return raw.decode("latin-1")


def choice(message: FixMessage, tag: int, allowed: Collection[str], *, required: bool = False) -> str | Refusal | None:
    """An enumerated field (Side, OrdType, HandlInst ...): one of `allowed`, None when absent."""
    raw = message.get(tag)
    if raw is None:
        return missing(tag) if required else None
    value = raw.decode("latin-1")
    if value not in allowed:
        return Refusal(f"{name(tag)} {shown(raw)} is not a valid value: use {', '.join(sorted(allowed))}", tag)
    return value


def quantity(message: FixMessage, *, required: bool = True) -> int | Refusal | None:
    """OrderQty (38): a FIX Qty that is a whole number of shares, 1..MAX_ORDER_QTY."""
    tag = AppTag.ORDER_QTY
    raw = message.get(tag)
    if raw is None:
        return missing(tag) if required else None
    shares = plain_int(raw)  # the usual case: whole shares as plain digits, without a Decimal
    if shares is not None and 0 < shares <= MAX_ORDER_QTY:
        return shares
    value = parse_fix_decimal(raw)
    why = ""
    if isinstance(value, BadNumber):
        why = value.problem
    elif value != value.to_integral_value():
        why = "is not a whole number of shares"
    elif value <= 0:
        why = "must be positive"
    elif value > MAX_ORDER_QTY:
        why = f"is above {MAX_ORDER_QTY:,} shares"
    if why:
        return Refusal(f"{name(tag)} {shown(raw)} {why}", tag, ord_rej_reason=OrdRejReason.INCORRECT_QUANTITY)
    assert isinstance(value, Decimal)
    return int(value)


def price(message: FixMessage, tag: int = AppTag.PRICE) -> Decimal | Refusal | None:
    """A FIX Price above zero and below MAX_PRICE (the instrument's tick is the engine's check)."""
    raw = message.get(tag)
    if raw is None:
        return None
    value = parse_fix_decimal(raw)
    why = ""
    if isinstance(value, BadNumber):
        why = value.problem
    elif value <= 0:
        why = "must be positive"
    elif value >= MAX_PRICE:
        why = f"is not below {MAX_PRICE:,}"
    if why:
        return Refusal(f"{name(tag)} {shown(raw)} {why}", tag)
    assert isinstance(value, Decimal)
    return value


def timestamp(message: FixMessage, tag: int, *, required: bool = False) -> int | Refusal | None:
    """A UTCTimestamp field as epoch ns; None when absent and not `required`."""
    raw = message.get(tag)
    if raw is None:
        return missing(tag) if required else None
    try:
        return parse_utc_timestamp(raw.decode("latin-1"))
    except ValueError:
        return Refusal(f"{name(tag)} must be a UTC timestamp YYYYMMDD-HH:MM:SS[.sss], got {shown(raw)}", tag)


class _LastSecond:
    """The whole second of the last timestamp read (`YYYYMMDD-HH:MM:SS` and its epoch seconds): an order's
    TransactTime is mostly in the second of the one before it, and then only its fraction needs reading."""

    text = ""
    seconds = 0


def parse_utc_timestamp(text: str) -> int:
    """UTCTimestamp `YYYYMMDD-HH:MM:SS[.fraction]` (ASCII digits) to epoch ns; ValueError when malformed."""
    if 17 <= len(text) <= _MAX_TIMESTAMP_LENGTH and text[:17] == _LastSecond.text:
        fraction = text[18:]
        if len(text) == 17 or (text[17] == "." and fraction and fraction.isascii() and fraction.isdigit()):
            return _LastSecond.seconds * 1_000_000_000 + int(fraction.ljust(9, "0"))
    match = _TIMESTAMP.fullmatch(text) if len(text) <= _MAX_TIMESTAMP_LENGTH else None
    if match is None:
        raise ValueError(f"not a UTC timestamp: {shown(text)}")
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    stamp = dt.datetime(year, month, day, hour, minute, second)  # ValueError for a date that does not exist
    whole_seconds = (stamp - _EPOCH) // dt.timedelta(seconds=1)
    _LastSecond.text, _LastSecond.seconds = text[:17], whole_seconds
    return whole_seconds * 1_000_000_000 + int((match.group(7) or "").ljust(9, "0"))
