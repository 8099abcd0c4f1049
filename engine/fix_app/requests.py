"""Inbound OMS messages read into typed requests, or a refusal naming the tag and what was wrong.

Pure functions of a `FixMessage`: no engine, no session. Every field is read strictly and bounded
(engine/fix_app/fields.py: FIX's number grammar, length bounds, enums), and the fields FIX 4.4 requires
of D, F and G must be there (TransactTime too). Business checks the engine makes itself (known symbol,
lot size, limit on tick, algo parameters, time window) are run at the gateway by
engine/fix_app/admission.py with the engine's own functions. A refusal with `session_level` set cannot
be answered with an ExecutionReport (no usable ClOrdID or Side) and goes back as a session-level Reject.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine.fix.framing import FixMessage
from engine.fix_app import fields
from engine.fix_app.fields import Refusal, parse_utc_timestamp
from engine.fix_app.tags import FIX_SIDES, HANDL_INSTS, TARGET_STRATEGIES, AppTag, OrdRejReason
from engine.fixnum import parse_fix_int, shown
from engine.model import Side
from engine.tickets.model import URGENCIES

__all__ = [
    "DAY", "GOOD_TILL_DATE", "LIMIT", "MARKET", "CancelRequest", "NewOrder", "Refusal", "ReplaceRequest",
    "check_side_matches", "parse_utc_timestamp", "read_cancel", "read_new_order", "read_replace",
]

# Every tag read here: FIX allows each once per message (repeating groups are other tags).
_READ_TAGS = frozenset((
    AppTag.ACCOUNT, AppTag.CL_ORD_ID, AppTag.HANDL_INST, AppTag.ORDER_QTY, AppTag.ORD_TYPE, AppTag.ORIG_CL_ORD_ID,
    AppTag.PRICE, AppTag.SIDE, AppTag.SYMBOL, AppTag.TIME_IN_FORCE, AppTag.TRANSACT_TIME, AppTag.EXPIRE_TIME,
    AppTag.EFFECTIVE_TIME, AppTag.TARGET_STRATEGY, AppTag.TARGET_STRATEGY_PARAMETERS, AppTag.ALGO_NAME,
    AppTag.URGENCY, AppTag.ALLOW_CROSS,
))

# TimeInForce (59): day, or good till date with ExpireTime (the algo's end).
DAY, GOOD_TILL_DATE = "0", "6"
MARKET, LIMIT = "1", "2"


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
    symbol: str
    side: str


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
    repeated = _repeated(message)
    if repeated is not None:
        return repeated
    side = _side(message)
    if isinstance(side, Refusal):
        return side
    if side not in ("1", "2"):
        return Refusal(f"Side (54) {side} is not supported: use 1 (buy) or 2 (sell)", AppTag.SIDE)
    common = _instrument_and_time(message)
    if isinstance(common, Refusal):
        return common
    symbol = common
    handl_inst = fields.choice(message, AppTag.HANDL_INST, HANDL_INSTS)
    if isinstance(handl_inst, Refusal):
        return handl_inst
    account = fields.text(message, AppTag.ACCOUNT, max_length=fields.MAX_ACCOUNT_LENGTH)
    if isinstance(account, Refusal):
        return account
    quantity = fields.quantity(message)
    if isinstance(quantity, Refusal):
        return quantity
    assert quantity is not None
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
    start_ns = fields.timestamp(message, AppTag.EFFECTIVE_TIME)
    if isinstance(start_ns, Refusal):
        return start_ns
    algo = _algo(message)
    if isinstance(algo, Refusal):
        return algo
    params = _params(message)
    if isinstance(params, Refusal):
        return params
    urgency = _urgency(message)
    if isinstance(urgency, Refusal):
        return urgency
    allow_cross = fields.choice(message, AppTag.ALLOW_CROSS, ("Y", "N"))
    if isinstance(allow_cross, Refusal):
        return allow_cross
    return NewOrder(ids[0], account, symbol, Side(side), quantity, ord_type, limit, tif, algo, params, urgency,
                    start_ns, end_ns, allow_cross != "N")


def _change_fields(message: FixMessage) -> tuple[tuple[str, str], str, str] | Refusal:
    """What a cancel and a replace both require: (ClOrdID, OrigClOrdID), Side, and Symbol with TransactTime;
    a field sent twice is refused first."""
    ids = _ids(message, orig=True)
    if isinstance(ids, Refusal):
        return ids
    repeated = _repeated(message)
    if repeated is not None:
        return repeated
    side = fields.choice(message, AppTag.SIDE, FIX_SIDES, required=True)
    if isinstance(side, Refusal):
        return side
    symbol = _instrument_and_time(message)
    if isinstance(symbol, Refusal):
        return symbol
    assert side is not None
    return (ids[0], ids[1]), side, symbol


def read_cancel(message: FixMessage) -> CancelRequest | Refusal:
    """OrderCancelRequest (35=F): ClOrdID, OrigClOrdID, Symbol, Side and TransactTime are required."""
    change = _change_fields(message)
    if isinstance(change, Refusal):
        return change
    ids, side, symbol = change
    account = fields.text(message, AppTag.ACCOUNT, max_length=fields.MAX_ACCOUNT_LENGTH)
    if isinstance(account, Refusal):
        return account
    quantity = fields.quantity(message, required=False)  # OrderQty may repeat the order's; it changes nothing
    if isinstance(quantity, Refusal):
        return quantity
    return CancelRequest(ids[0], ids[1], symbol, side)


def read_replace(message: FixMessage) -> ReplaceRequest | Refusal:
    """OrderCancelReplaceRequest (35=G): ClOrdID, OrigClOrdID, Symbol, Side, TransactTime, OrderQty and
    OrdType are required (FIX 4.4)."""
    change = _change_fields(message)
    if isinstance(change, Refusal):
        return change
    ids, side, symbol = change
    handl_inst = fields.choice(message, AppTag.HANDL_INST, HANDL_INSTS)
    if isinstance(handl_inst, Refusal):
        return handl_inst
    account = fields.text(message, AppTag.ACCOUNT, max_length=fields.MAX_ACCOUNT_LENGTH)
    if isinstance(account, Refusal):
        return account
    quantity = fields.quantity(message)
    if isinstance(quantity, Refusal):
        return quantity
    assert quantity is not None
    priced = _ord_type_and_limit(message, required=True)
    if isinstance(priced, Refusal):
        return priced
    ord_type, limit = priced
    expiry = _time_in_force_and_expiry(message, default=None)
    if isinstance(expiry, Refusal):
        return expiry
    return ReplaceRequest(ids[0], ids[1], quantity, symbol, side, ord_type, limit, *expiry)


def check_side_matches(given: str | None, side: Side) -> str:
    """'' when Side (54) is absent or matches the order, else why not."""
    if given is None or given == side.value:
        return ""
    return f"Side (54) {given} does not match the order's side {side.value}"


# --- fields -------------------------------------------------------------------------------------------


def _ids(message: FixMessage, *, orig: bool) -> tuple[str, str] | Refusal:
    """ClOrdID and OrigClOrdID: without them no answer can name the order, hence session-level."""
    cl_ord_id = fields.text(message, AppTag.CL_ORD_ID, max_length=fields.MAX_ID_LENGTH, required=True,
                            session_level=True)
    if isinstance(cl_ord_id, Refusal):
        return cl_ord_id
    assert cl_ord_id is not None
    if not orig:
        return cl_ord_id, ""
    orig_id = fields.text(message, AppTag.ORIG_CL_ORD_ID, max_length=fields.MAX_ID_LENGTH, required=True,
                          session_level=True)
    if isinstance(orig_id, Refusal):
        return orig_id
    assert orig_id is not None
    return cl_ord_id, orig_id


def _repeated(message: FixMessage) -> Refusal | None:
    """The first field we read that the message carries more than once (which value would be meant?)."""
    if not message.has_repeated_tags():
        return None
    seen: set[int] = set()
    for tag, _ in message.pairs:
        if tag in _READ_TAGS:
            if tag in seen:
                count = sum(1 for t, _ in message.pairs if t == tag)
                return Refusal(f"{fields.name(tag)} appears {count} times: a field may appear once", tag)
            seen.add(tag)
    return None


def _side(message: FixMessage) -> str | Refusal:
    side = message.get(AppTag.SIDE)
    if side is None:
        return Refusal("Side (54) is required", AppTag.SIDE, session_level=True)
    if side.decode("latin-1") not in FIX_SIDES:
        return Refusal(f"Side (54) {shown(side)} is not a FIX 4.4 side", AppTag.SIDE, session_level=True)
    return side.decode("latin-1")


def _instrument_and_time(message: FixMessage) -> str | Refusal:
    """Symbol (55) and TransactTime (60), which D, F and G all require; the symbol."""
    symbol = fields.text(message, AppTag.SYMBOL, max_length=fields.MAX_SYMBOL_LENGTH, required=True)
    if isinstance(symbol, Refusal):
        return Refusal(symbol.reason, symbol.tag, ord_rej_reason=OrdRejReason.UNKNOWN_SYMBOL)
    transact = fields.timestamp(message, AppTag.TRANSACT_TIME, required=True)
    if isinstance(transact, Refusal):
        return transact
    assert symbol is not None
    return symbol


def _ord_type_and_limit(message: FixMessage, *, required: bool) -> tuple[str | None, Decimal | None] | Refusal:
    raw = message.get(AppTag.ORD_TYPE)
    if raw is None and required:
        return Refusal("OrdType (40) is required: 1 (market) or 2 (limit)", AppTag.ORD_TYPE)
    ord_type = None if raw is None else raw.decode("latin-1")
    if ord_type is not None and ord_type not in (MARKET, LIMIT):
        return Refusal(f"OrdType (40) {shown(raw or b'')} is not supported: use 1 (market) or 2 (limit)",
                       AppTag.ORD_TYPE)
    price = fields.price(message)
    if isinstance(price, Refusal):
        return price
    if ord_type == MARKET:
        return MARKET, None  # a Price on a market order is ignored, as FIX says
    if ord_type == LIMIT and price is None:
        return Refusal("Price (44) is required on a limit order (OrdType 40=2)", AppTag.PRICE)
    return ord_type, price


def _time_in_force_and_expiry(
    message: FixMessage, default: str | None = DAY
) -> tuple[str | None, int | None] | Refusal:
    """TimeInForce (59: day, or good till date with ExpireTime 126; `default` when absent) and ExpireTime
    (126, the algo's end) as epoch ns, None when absent."""
    raw = message.get(AppTag.TIME_IN_FORCE)
    tif = default if raw is None else raw.decode("latin-1")
    if tif is not None and tif not in (DAY, GOOD_TILL_DATE):
        return Refusal(f"TimeInForce (59) {shown(tif)} is not supported for algo orders: use 0 (day) or 6 (good "
                       "till date, with ExpireTime 126)", AppTag.TIME_IN_FORCE)
    end_ns = fields.timestamp(message, AppTag.EXPIRE_TIME)
    if isinstance(end_ns, Refusal):
        return end_ns
    if tif == GOOD_TILL_DATE and end_ns is None:
        return Refusal("TimeInForce (59) 6 (good till date) needs ExpireTime (126)", AppTag.EXPIRE_TIME)
    return tif, end_ns


def _algo(message: FixMessage) -> str | Refusal | None:
    """The algo from AlgoName (9100), else TargetStrategy (847); a present field is checked either way."""
    strategy: str | None = None
    raw = message.get(AppTag.TARGET_STRATEGY)
    if raw is not None:
        code = parse_fix_int(raw, signed=False)
        if not isinstance(code, int) or code not in TARGET_STRATEGIES:
            known = ", ".join(f"{k} {v}" for k, v in TARGET_STRATEGIES.items())
            return Refusal(f"TargetStrategy (847) {shown(raw)} is not known: use {known}, or name the algo in 9100",
                           AppTag.TARGET_STRATEGY)
        strategy = TARGET_STRATEGIES[code]
    name = fields.text(message, AppTag.ALGO_NAME, max_length=fields.MAX_NAME_LENGTH)
    if isinstance(name, Refusal):
        return name
    return strategy if name is None else name.strip().upper()


def _params(message: FixMessage) -> tuple[tuple[str, str], ...] | Refusal:
    """TargetStrategyParameters (848): `key=value;key=value`; the algo's own checks come later (admission)."""
    tag = AppTag.TARGET_STRATEGY_PARAMETERS
    raw = fields.text(message, tag, max_length=fields.MAX_PARAMETERS_LENGTH)
    if raw is None or isinstance(raw, Refusal):
        return () if raw is None else raw
    params: dict[str, str] = {}
    for item in raw.split(";"):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            return Refusal(f"TargetStrategyParameters (848) must be key=value pairs separated by ';', got "
                           f"{shown(raw)}", tag)
        params[key.strip()] = value.strip()
    return tuple(sorted(params.items()))


def _urgency(message: FixMessage) -> str | Refusal:
    raw = fields.text(message, AppTag.URGENCY, max_length=fields.MAX_NAME_LENGTH)
    if raw is None or isinstance(raw, Refusal):
        return "MEDIUM" if raw is None else raw
    urgency = raw.strip().upper()
    if urgency not in URGENCIES:
        return Refusal(f"Urgency (9101) {shown(raw)} is not known: use {', '.join(URGENCIES)}", AppTag.URGENCY)
    return urgency
