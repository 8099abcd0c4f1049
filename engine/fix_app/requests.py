"""Inbound OMS messages read into typed requests, or a refusal naming the tag and what was wrong.

Pure functions of a `FixMessage`: no engine, no session. Business checks the engine makes itself
(known symbol, lot size, limit on tick, algo parameters, time window) are left to it, so the OMS
reads the same reasons as the GUI. A refusal with `session_level` set cannot be answered with an
ExecutionReport (no ClOrdID, or no usable Side) and goes back as a session-level Reject.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from engine.fix.framing import FixMessage
from engine.fix_app.tags import FIX_SIDES, TARGET_STRATEGIES, AppTag, OrdRejReason
from engine.model import Side

NS_PER_S = 1_000_000_000
_EPOCH = dt.datetime(1970, 1, 1)

# TimeInForce (59): day, or good till date with ExpireTime (the algo's end).
DAY, GOOD_TILL_DATE = "0", "6"
MARKET, LIMIT = "1", "2"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an inbound message cannot be acted on; `tag` is the offending field when there is one."""

    reason: str
    tag: int | None = None
    session_level: bool = False
    ord_rej_reason: int = OrdRejReason.OTHER


@dataclass(frozen=True, slots=True)
class NewOrder:
    """A NewOrderSingle as a ticket mandate; None means "the gateway's default" (algo, end time)."""

    cl_ord_id: str
    account: str | None
    symbol: str
    side: Side
    quantity: int
    ord_type: str
    limit_price: Decimal | None
    time_in_force: str
    algo: str | None
    params: tuple[tuple[str, str], ...]
    urgency: str
    start_ns: int | None
    end_ns: int | None
    allow_cross: bool


@dataclass(frozen=True, slots=True)
class CancelRequest:
    cl_ord_id: str
    orig_cl_ord_id: str
    symbol: str | None
    side: str | None


@dataclass(frozen=True, slots=True)
class ReplaceRequest:
    """OrderCancelReplaceRequest: OrderQty, a limit order's Price and the end (TimeInForce / ExpireTime) may
    change; the rest must repeat the order's values. None: the field was not sent."""

    cl_ord_id: str
    orig_cl_ord_id: str
    quantity: int
    symbol: str | None
    side: str | None
    ord_type: str | None
    limit_price: Decimal | None
    time_in_force: str | None = None
    end_ns: int | None = None


def read_new_order(message: FixMessage, *, client: str) -> NewOrder | Refusal:
    """NewOrderSingle (35=D). `client` is the OMS's CompID (default Account)."""
    ids = _ids(message, orig=False)
    if isinstance(ids, Refusal):
        return ids
    side = _side(message)
    if isinstance(side, Refusal):
        return side
    if side not in ("1", "2"):
        return Refusal(f"Side (54) {side} is not supported: use 1 (buy) or 2 (sell)", AppTag.SIDE)
    symbol = message.get_str(AppTag.SYMBOL)
    if not symbol:
        return Refusal("Symbol (55) is required", AppTag.SYMBOL, ord_rej_reason=OrdRejReason.UNKNOWN_SYMBOL)
    quantity = _quantity(message)
    if isinstance(quantity, Refusal):
        return quantity
    priced = _ord_type_and_limit(message, required=True)
    if isinstance(priced, Refusal):
        return priced
    ord_type, limit = priced
    assert ord_type is not None
    expiry = _time_in_force_and_expiry(message)
    if isinstance(expiry, Refusal):
        return expiry
    tif, end_ns = expiry
    assert tif is not None
    start_ns = _timestamp(message, AppTag.EFFECTIVE_TIME, "EffectiveTime")
    if isinstance(start_ns, Refusal):
        return start_ns
    algo = _algo(message)
    if isinstance(algo, Refusal):
        return algo
    params = _params(message)
    if isinstance(params, Refusal):
        return params
    allow_cross = message.get_str(AppTag.ALLOW_CROSS) or "Y"
    if allow_cross not in ("Y", "N"):
        return Refusal(f"AllowCross (9102) must be Y or N, got {allow_cross!r}", AppTag.ALLOW_CROSS)
    return NewOrder(
        ids[0], message.get_str(AppTag.ACCOUNT) or None, symbol, Side(side), quantity, ord_type, limit, tif, algo,
        params, message.get_str(AppTag.URGENCY) or "MEDIUM", start_ns, end_ns, allow_cross == "Y",
    )


def read_cancel(message: FixMessage) -> CancelRequest | Refusal:
    """OrderCancelRequest (35=F)."""
    ids = _ids(message, orig=True)
    if isinstance(ids, Refusal):
        return ids
    return CancelRequest(ids[0], ids[1], message.get_str(AppTag.SYMBOL), message.get_str(AppTag.SIDE))


def read_replace(message: FixMessage) -> ReplaceRequest | Refusal:
    """OrderCancelReplaceRequest (35=G)."""
    ids = _ids(message, orig=True)
    if isinstance(ids, Refusal):
        return ids
    quantity = _quantity(message)
    if isinstance(quantity, Refusal):
        return quantity
    priced = _ord_type_and_limit(message, required=False)
    if isinstance(priced, Refusal):
        return priced
    ord_type, limit = priced
    expiry = _time_in_force_and_expiry(message, default=None)
    if isinstance(expiry, Refusal):
        return expiry
    return ReplaceRequest(ids[0], ids[1], quantity, message.get_str(AppTag.SYMBOL), message.get_str(AppTag.SIDE),
                          ord_type, limit, *expiry)


def parse_utc_timestamp(text: str) -> int:
    """UTCTimestamp `YYYYMMDD-HH:MM:SS[.fraction]` to epoch ns; raises ValueError when malformed."""
    date_part, sep, time_part = text.partition("-")
    if not sep or len(date_part) != 8 or not date_part.isdigit():
        raise ValueError(text)
    clock_part, _, fraction = time_part.partition(".")
    if len(clock_part) != 8 or (fraction and not fraction.isdigit()) or len(fraction) > 9:
        raise ValueError(text)
    stamp = dt.datetime.strptime(f"{date_part}-{clock_part}", "%Y%m%d-%H:%M:%S")
    whole_seconds = (stamp - _EPOCH) // dt.timedelta(seconds=1)
    return whole_seconds * NS_PER_S + int(fraction.ljust(9, "0") or "0")


def check_side_matches(given: str | None, side: Side) -> str:
    """'' when Side (54) is absent or matches the order, else why not."""
    if given is None or given == side.value:
        return ""
    return f"Side (54) {given} does not match the order's side {side.value}"


# --- fields -------------------------------------------------------------------------------------------


def _ids(message: FixMessage, *, orig: bool) -> tuple[str, str] | Refusal:
    cl_ord_id = message.get_str(AppTag.CL_ORD_ID)
    if not cl_ord_id:
        return Refusal("ClOrdID (11) is required", AppTag.CL_ORD_ID, session_level=True)
    orig_id = message.get_str(AppTag.ORIG_CL_ORD_ID) or ""
    if orig and not orig_id:
        return Refusal("OrigClOrdID (41) is required", AppTag.ORIG_CL_ORD_ID, session_level=True)
    return cl_ord_id, orig_id


def _side(message: FixMessage) -> str | Refusal:
    side = message.get_str(AppTag.SIDE)
    if side is None:
        return Refusal("Side (54) is required", AppTag.SIDE, session_level=True)
    if side not in FIX_SIDES:
        return Refusal(f"Side (54) {side!r} is not a FIX 4.4 side", AppTag.SIDE, session_level=True)
    return side


def _quantity(message: FixMessage) -> int | Refusal:
    raw = message.get_str(AppTag.ORDER_QTY)
    if raw is None:
        return Refusal("OrderQty (38) is required", AppTag.ORDER_QTY, ord_rej_reason=OrdRejReason.INCORRECT_QUANTITY)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value != value.to_integral_value():
        return Refusal(f"OrderQty (38) must be a whole number of shares, got {raw!r}", AppTag.ORDER_QTY,
                       ord_rej_reason=OrdRejReason.INCORRECT_QUANTITY)
    return int(value)


def _ord_type_and_limit(message: FixMessage, *, required: bool) -> tuple[str | None, Decimal | None] | Refusal:
    ord_type = message.get_str(AppTag.ORD_TYPE)
    if ord_type is None:
        if required:
            return Refusal("OrdType (40) is required: 1 (market) or 2 (limit)", AppTag.ORD_TYPE)
        if message.get(AppTag.PRICE) is None:
            return None, None
        price = _price(message)
        return price if isinstance(price, Refusal) else (None, price)
    if ord_type == MARKET:
        return MARKET, None  # a Price on a market order is ignored, as FIX says
    if ord_type != LIMIT:
        return Refusal(f"OrdType (40) {ord_type} is not supported: use 1 (market) or 2 (limit)", AppTag.ORD_TYPE)
    if message.get(AppTag.PRICE) is None:
        return Refusal("Price (44) is required on a limit order (OrdType 40=2)", AppTag.PRICE)
    price = _price(message)
    return price if isinstance(price, Refusal) else (LIMIT, price)


def _price(message: FixMessage) -> Decimal | Refusal:
    raw = message.get_str(AppTag.PRICE) or ""
    try:
        price = Decimal(raw)
    except InvalidOperation:
        return Refusal(f"Price (44) must be a decimal number, got {raw!r}", AppTag.PRICE)
    if not price.is_finite():
        return Refusal(f"Price (44) must be a decimal number, got {raw!r}", AppTag.PRICE)
    return price


def _time_in_force_and_expiry(
    message: FixMessage, default: str | None = DAY
) -> tuple[str | None, int | None] | Refusal:
    """TimeInForce (59: day, or good till date with ExpireTime 126; `default` when absent) and ExpireTime
    (126, the algo's end) as epoch ns, None when absent."""
    tif = message.get_str(AppTag.TIME_IN_FORCE) or default
    if tif is not None and tif not in (DAY, GOOD_TILL_DATE):
        return Refusal(f"TimeInForce (59) {tif} is not supported for algo orders: use 0 (day) or 6 (good till "
                       "date, with ExpireTime 126)", AppTag.TIME_IN_FORCE)
    end_ns = _timestamp(message, AppTag.EXPIRE_TIME, "ExpireTime")
    if isinstance(end_ns, Refusal):
        return end_ns
    if tif == GOOD_TILL_DATE and end_ns is None:
        return Refusal("TimeInForce (59) 6 (good till date) needs ExpireTime (126)", AppTag.EXPIRE_TIME)
    return tif, end_ns


def _timestamp(message: FixMessage, tag: int, name: str) -> int | Refusal | None:
    raw = message.get_str(tag)
    if raw is None:
        return None
    try:
        return parse_utc_timestamp(raw)
    except ValueError:
        return Refusal(f"{name} ({tag}) must be a UTC timestamp YYYYMMDD-HH:MM:SS[.sss], got {raw!r}", tag)


def _algo(message: FixMessage) -> str | Refusal | None:
    name = message.get_str(AppTag.ALGO_NAME)
    if name:
        return name.strip().upper()
    raw = message.get_str(AppTag.TARGET_STRATEGY)
    if raw is None:
        return None
    code = int(raw) if raw.isdigit() else None
    if code not in TARGET_STRATEGIES:
        known = ", ".join(f"{k} {v}" for k, v in TARGET_STRATEGIES.items())
        return Refusal(f"TargetStrategy (847) {raw} is not known: use {known}, or name the algo in 9100",
                       AppTag.TARGET_STRATEGY)
    return TARGET_STRATEGIES[code]


def _params(message: FixMessage) -> tuple[tuple[str, str], ...] | Refusal:
    raw = message.get_str(AppTag.TARGET_STRATEGY_PARAMETERS)
    if not raw:
        return ()
    params: dict[str, str] = {}
    for item in raw.split(";"):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            return Refusal(f"TargetStrategyParameters (848) must be key=value pairs separated by ';', got {raw!r}",
                           AppTag.TARGET_STRATEGY_PARAMETERS)
        params[key.strip()] = value.strip()
    return tuple(sorted(params.items()))
