"""The engine's own pure checks, run at the gateway before an OMS request enters the engine.

A NewOrderSingle or a replace the engine would refuse for what it says (unknown symbol, lot size, a
limit off the tick, a time window already past, algo parameters) is refused here with the engine's
words and the FIX tag they concern, so a refused message leaves nothing in the journal: no command, no
ticket, no rejection record. What only the engine can judge (risk limits, the kill switch, what is
already allocated, how a ticket is worked with others) is still its call, and journaled.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from engine.algos.base import Algo
from engine.fix_app.fields import Refusal, name
from engine.fix_app.orders import OmsOrder
from engine.fix_app.requests import GOOD_TILL_DATE, NewOrder, ReplaceRequest
from engine.fix_app.tags import AppTag, OrdRejReason
from engine.fixnum import BadNumber, parse_fix_decimal, parse_fix_int, shown
from engine.model import Instrument, Symbol
from engine.validation import Invalid, check_end, check_limit, check_quantity, validate_ticket

# The engine's field names (engine/validation.py `Invalid.field`) as FIX tags.
_TAG_OF = {
    "symbol": AppTag.SYMBOL, "side": AppTag.SIDE, "quantity": AppTag.ORDER_QTY, "limit": AppTag.PRICE,
    "end": AppTag.EXPIRE_TIME, "start": AppTag.EFFECTIVE_TIME, "params": AppTag.TARGET_STRATEGY_PARAMETERS,
}
_REASON_OF = {"symbol": OrdRejReason.UNKNOWN_SYMBOL, "quantity": OrdRejReason.INCORRECT_QUANTITY}


def admit_new_order(
    request: NewOrder,
    *,
    algo: str,
    end_ns: int,
    now_ns: int,
    instruments: Mapping[Symbol, Instrument],
    algos: Mapping[str, type[Algo]],
) -> Refusal | None:
    """None when the engine's ticket validation would accept `request` (with the gateway's defaults for
    `algo` and `end_ns`), else its reason against the FIX field."""
    algo_cls = algos.get(algo.strip().upper())
    if algo_cls is not None:
        bad_param = _numeric_params(request.params, algo_cls)
        if bad_param is not None:
            return bad_param
    verdict = validate_ticket(
        symbol=request.symbol, side=request.side, quantity=request.quantity, limit_price=request.limit_price,
        algo=algo, start_ns=request.start_ns, end_ns=end_ns, params=dict(request.params), now_ns=now_ns,
        instruments=instruments, algos=algos,
    )
    if not isinstance(verdict, Invalid):
        return None
    tag = _TAG_OF.get(verdict.field)
    if verdict.field == "algo":
        tag = AppTag.ALGO_NAME if request.algo is not None else None
    if verdict.field == "end" and request.end_ns is None:
        tag = None  # the gateway's default end (the session close) has passed: no field of theirs is wrong
    text = verdict.reason if tag is None else f"{name(tag)}: {verdict.reason}"
    return Refusal(text, tag, ord_rej_reason=_REASON_OF.get(verdict.field, OrdRejReason.OTHER))


def admit_replace(order: OmsOrder, request: ReplaceRequest, instrument: Instrument | None, now_ns: int) -> str:
    """'' when the engine's own checks of the new terms pass (quantity, limit on tick, end not past), else
    why not, naming the FIX field. Whether the ticket may change at all is the engine's call."""
    if instrument is None:
        return ""  # an order from a day whose instrument is gone: the engine answers
    quantity = check_quantity(request.quantity, instrument, at_least=order.cum_qty)
    if isinstance(quantity, Invalid):
        return f"{name(AppTag.ORDER_QTY)}: {quantity.reason}"
    if request.limit_price is not None and request.limit_price != order.price and order.price is not None:
        limit = check_limit(request.limit_price, instrument)
        if isinstance(limit, Invalid):
            return f"{name(AppTag.PRICE)}: {limit.reason}"
    if request.end_ns is not None and request.end_ns != order.expire_ns:
        end = check_end(request.end_ns, now_ns, now_ns)
        if isinstance(end, Invalid):
            return f"{name(AppTag.EXPIRE_TIME)}: {end.reason}"
    return ""


def unchangeable(order: OmsOrder, request: ReplaceRequest) -> str:
    """Why the replace changes something other than OrderQty, a limit order's Price and its end ('' when it
    does not; a day order may become good-till-date with an ExpireTime, not the reverse).

    A new Price is the engine's to accept or refuse (a ticket worked with others keeps its limit)."""
    if request.ord_type is not None and request.ord_type != order.ord_type:
        return f"OrdType (40) cannot change from {order.ord_type} to {request.ord_type}: only OrderQty (38) can"
    if request.limit_price is not None and order.price is None and request.ord_type != "1":
        return "Price (44) cannot be added to a market order: cancel it and send a limit order"
    tif = request.time_in_force
    to_dated = tif == GOOD_TILL_DATE and request.end_ns is not None
    if tif is not None and tif != order.time_in_force and not to_dated:
        return (f"TimeInForce (59) cannot change from {order.time_in_force} to {tif}: send ExpireTime (126) "
                "to change when the order ends")
    return ""


def _numeric_params(params: tuple[tuple[str, str], ...], algo: type[Algo]) -> Refusal | None:
    """Numeric algo parameters by FIX's grammar, bounded, before the algo converts them (Python's int and
    float take '1_000', '1e3', ' 5' and other digits)."""
    kinds = {spec.name: spec.kind for spec in algo.params_spec}
    for key, value in params:
        kind = kinds.get(key)
        if not value or kind not in (int, float, Decimal):
            continue
        parsed: int | Decimal | BadNumber = parse_fix_int(value) if kind is int else parse_fix_decimal(value)
        if isinstance(parsed, BadNumber):
            return Refusal(f"{name(AppTag.TARGET_STRATEGY_PARAMETERS)} {key}={shown(value)} {parsed.problem}",
                           AppTag.TARGET_STRATEGY_PARAMETERS)
    return None
