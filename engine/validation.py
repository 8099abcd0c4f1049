"""Validation of trader input at the engine's edge: every failure names the field and what was wrong."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from engine.algos.base import Algo, ParamError, parse_params
from engine.model import MAX_QUANTITY, Instrument, Side, Symbol, cut_text
from engine.quick_init import quick_init


@dataclass(frozen=True, slots=True)
class Invalid:
    field: str
    reason: str


@quick_init
@dataclass(frozen=True, slots=True)
class ValidTicket:
    instrument: Instrument
    side: Side
    quantity: int
    limit_price: Decimal | None
    algo: type[Algo]
    start_ns: int
    end_ns: int


def validate_ticket(
    *,
    symbol: str,
    side: Side,
    quantity: object,
    limit_price: object,
    algo: str,
    start_ns: int | None,
    end_ns: int,
    params: Mapping[str, str],
    now_ns: int,
    instruments: Mapping[Symbol, Instrument],
    algos: Mapping[str, type[Algo]],
) -> ValidTicket | Invalid:
    instrument = instruments.get(Symbol(symbol.strip().upper()))
    if instrument is None:
        known = ", ".join(sorted(instruments)) or "none"
        return Invalid("symbol", f"unknown symbol {symbol!r}; tradable: {known}")
    if not isinstance(side, Side):
        return Invalid("side", f"side must be BUY or SELL, got {side!r}")
    checked = check_quantity(quantity, instrument)
    if isinstance(checked, Invalid):
        return checked
    limit = check_limit(limit_price, instrument)
    if isinstance(limit, Invalid):
        return limit
    algo_cls = algos.get(algo.strip().upper())
    if algo_cls is None:
        return Invalid("algo", f"unknown algo {algo!r}; available: {', '.join(sorted(algos))}")
    if start_ns is not None and (isinstance(start_ns, bool) or not isinstance(start_ns, int)):
        return Invalid("start", f"start time must be integer nanoseconds, got {start_ns!r}")
    start = now_ns if start_ns is None else max(start_ns, now_ns)
    window = check_end(end_ns, start, now_ns)
    if isinstance(window, Invalid):
        return window
    problem = params_problem(algo_cls, params)
    if problem is not None:
        return Invalid("params", problem)
    return ValidTicket(instrument, side, checked, limit, algo_cls, start, end_ns)


_ParamsKey = tuple[type[Algo], tuple[tuple[str, str], ...]]
_PARAMS_SEEN: dict[_ParamsKey, str | None] = {}
_PARAMS_SEEN_MAX = 1024
"""Verdicts on (algo, parameters) already parsed: a basket or an OMS burst repeats the same few sets (each
parse walks every spec). Bounded: cleared when full, so hostile input costs a re-parse, never memory."""


def params_problem(algo: type[Algo], params: Mapping[str, str]) -> str | None:
    """Why these raw parameters are not acceptable for `algo` (None: they are)."""
    key = (algo, tuple(params.items()))  # raw parameters are strings (GUI, FIX, basket): hashable
    if key in _PARAMS_SEEN:
        return _PARAMS_SEEN[key]
    try:
        parse_params(algo.params_spec, params)
        problem = None
    except ParamError as err:
        problem = str(err)
    if len(_PARAMS_SEEN) >= _PARAMS_SEEN_MAX:
        _PARAMS_SEEN.clear()
    _PARAMS_SEEN[key] = problem
    return problem


def check_quantity(quantity: object, instrument: Instrument, *, at_least: int = 0) -> int | Invalid:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        return Invalid("quantity", f"quantity must be a whole number of shares, got {_shown(quantity)}")
    if quantity > MAX_QUANTITY:
        return Invalid("quantity", f"quantity must be at most {MAX_QUANTITY:,} shares, got {_shown(quantity)}")
    if quantity <= 0:
        return Invalid("quantity", f"quantity must be positive, got {_shown(quantity)}")
    if quantity % instrument.lot_size:
        return Invalid("quantity", f"quantity {quantity:,} is not a multiple of the lot size {instrument.lot_size}")
    if quantity < at_least:
        return Invalid("quantity", f"quantity {quantity:,} is below the {at_least:,} already filled")
    return quantity


_HUGE = 10**30
"""An int of more than 30 digits is neither journaled (`unrecordable_quantity`) nor printed (`_shown`)."""
_HUGE_SHOWN = "a number of more than 30 digits"


def unrecordable_quantity(quantity: object) -> str | None:
    """Why a quantity of more than 30 digits is refused before its command is journaled (the journal keeps
    what was asked, and a million-digit int has no text to keep): as the FIX gateway refuses hostile input,
    nothing is written. None for any other value (the command is journaled and checked as usual)."""
    if isinstance(quantity, int) and not isinstance(quantity, bool) and abs(quantity) >= _HUGE:
        return (f"quantity must be at most {MAX_QUANTITY:,} shares" if quantity > 0 else "quantity must be positive"
                ) + f", got {_HUGE_SHOWN}"
    return None


def _shown(value: object) -> str:
    """A refused value as a message repeats it, in bounded work (an int of a million digits is not printed)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}" if abs(value) < _HUGE else _HUGE_SHOWN
    return cut_text(repr(value))


def check_limit(limit_price: object, instrument: Instrument) -> Decimal | Invalid | None:
    if limit_price is None:
        return None
    if not isinstance(limit_price, Decimal) or not limit_price.is_finite():
        return Invalid("limit", f"limit price must be a decimal number, got {limit_price!r}")
    if limit_price <= 0:
        return Invalid("limit", f"limit price must be positive, got {limit_price}")
    if not instrument.is_on_tick(limit_price):
        return Invalid("limit", f"limit {limit_price} is not on the {instrument.symbol} tick of {instrument.tick_size}")
    return limit_price


def check_end(end_ns: int, start_ns: int, now_ns: int) -> int | Invalid:
    if isinstance(end_ns, bool) or not isinstance(end_ns, int):
        return Invalid("end", f"end time must be integer nanoseconds, got {end_ns!r}")
    if end_ns <= now_ns:
        return Invalid("end", "end time is already past")
    if end_ns <= start_ns:
        return Invalid("end", "end time must be after the start time")
    return end_ns
