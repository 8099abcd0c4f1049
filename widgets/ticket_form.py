"""Validation of the order ticket's raw input into a `TicketForm`, or errors naming each bad field.

Pure functions, no Qt: the ticket widget shows the messages beside the fields they name.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

SIDES = ("BUY", "SELL")
URGENCIES = ("LOW", "MEDIUM", "HIGH")
DEFAULT_ACCOUNT = "DESK"
DEFAULT_URGENCY = "MEDIUM"
DEFAULT_MAX_QUANTITY = 1_000_000_000
MAX_NUMBER_TEXT = 32
"""A quantity or a price typed longer than this is refused before it is read (bounded work on any paste)."""
MAX_ACCOUNT_LENGTH = 32
_SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9.\-/]*$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._\-/:]*$")
_MULTIPLIERS = {"K": 1_000, "M": 1_000_000}

# Field names are TicketForm's attribute names.
SYMBOL, SIDE, QUANTITY, LIMIT_PRICE, ALGO, START, END = (
    "symbol",
    "side",
    "quantity",
    "limit_price",
    "algo",
    "start_seconds",
    "end_seconds",
)
ACCOUNT, URGENCY, PARAMS = "account", "urgency", "params"
FIELDS = (SYMBOL, SIDE, QUANTITY, LIMIT_PRICE, ALGO, START, END, ACCOUNT, URGENCY)
"""Fields with their own input; PARAMS (the algo's parameters) is a section of several."""
_ALIASES = {
    "limit": LIMIT_PRICE,
    "price": LIMIT_PRICE,
    "start": START,
    "start_ns": START,
    "end": END,
    "end_ns": END,
    "qty": QUANTITY,
    "acct": ACCOUNT,
    "params": PARAMS,
    "param": PARAMS,
    "parameters": PARAMS,
}


@dataclass(frozen=True, slots=True)
class TicketForm:
    """A ticket that passed local validation; the engine may still reject it."""

    symbol: str
    side: str  # "BUY" or "SELL"
    quantity: int
    limit_price: Decimal | None  # None: no limit
    algo: str
    start_seconds: int | None  # seconds after midnight, exchange time; None: start now
    end_seconds: int
    account: str = DEFAULT_ACCOUNT
    urgency: str = DEFAULT_URGENCY  # one of URGENCIES
    params: tuple[tuple[str, str], ...] = ()
    """The algo's parameters that differ from their defaults, (name, normalized text), in field order;
    an untouched ticket carries none, so the engine applies its own defaults."""


@dataclass(frozen=True, slots=True)
class TicketInput:
    """What the trader typed, before validation."""

    symbol: str
    side: str
    quantity: str
    limit: str
    algo: str
    start_seconds: int | None
    end_seconds: int
    account: str = DEFAULT_ACCOUNT
    urgency: str = DEFAULT_URGENCY


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str  # one of FIELDS, or PARAMS
    message: str


def field_name(name: str) -> str | None:
    """The ticket field a name refers to ("limit" -> "limit_price"), or None when it is not a field."""
    name = name.strip().lower()
    if name in FIELDS or name == PARAMS:
        return name
    return _ALIASES.get(name)


def clock_text(seconds: int) -> str:
    """Seconds after midnight as HH:MM:SS."""
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours:02d}:{minute:02d}:{second:02d}"


def parse_quantity(text: str, max_quantity: int = DEFAULT_MAX_QUANTITY) -> int | str:
    """Shares as a positive int ("1,500", "2k" and "1.5m" accepted), or the reason it is not one."""
    raw = text.strip()
    if not raw:
        return "Quantity is required"
    cleaned = raw.replace(",", "").replace("_", "").replace(" ", "").upper()
    multiplier = 1
    if cleaned[-1:] in _MULTIPLIERS:
        multiplier = _MULTIPLIERS[cleaned[-1]]
        cleaned = cleaned[:-1]
    not_whole = f"Quantity must be a whole number of shares, got '{_shown(raw)}'"
    if len(cleaned) > MAX_NUMBER_TEXT:
        return f"Quantity must be a number of at most {MAX_NUMBER_TEXT} characters, got '{_shown(raw)}'"
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return not_whole
    if not number.is_finite():
        return not_whole
    if number <= 0:
        return f"Quantity must be positive, got {_shown(raw)}"
    # sizes are compared by their exponent before any arithmetic: 1E999999999 would overflow the multiplication,
    # a million-digit int would not print, and 1E-999999999 would underflow to a quantity of 0
    if number.adjusted() + len(str(multiplier)) - 1 > len(str(max_quantity)):
        return f"Quantity {_shown(raw)} is above the ticket maximum of {max_quantity:,}"
    if number.adjusted() < -MAX_NUMBER_TEXT:
        return not_whole
    value = number * multiplier
    if value != value.to_integral_value():
        return not_whole
    if value > max_quantity:
        return f"Quantity {int(value):,} is above the ticket maximum of {max_quantity:,}"
    return int(value)


def parse_limit(text: str) -> Decimal | str | None:
    """A positive limit price, None when blank (no limit), or the reason it is not a price."""
    raw = text.strip()
    if not raw:
        return None
    if len(raw) > MAX_NUMBER_TEXT:
        return f"Limit price must be a price of at most {MAX_NUMBER_TEXT} characters, got '{_shown(raw)}'"
    try:
        price = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return f"Limit price must be a number, got '{raw}'"
    if not price.is_finite():
        return f"Limit price must be a finite number, got '{raw}'"
    if price <= 0:
        return f"Limit price must be positive, got {raw}"
    return price  # whether it is on the instrument's tick is the engine's check (it names the tick)


def _shown(text: str) -> str:
    """Typed text as an error repeats it: at most 40 characters."""
    return text if len(text) <= 40 else f"{text[:37]}..."


def parse_account(text: str) -> str | FieldError:
    """The account as typed (trimmed), or why it is not one."""
    account = text.strip()
    if not account:
        return FieldError(ACCOUNT, "Account is required")
    if len(account) > MAX_ACCOUNT_LENGTH:
        return FieldError(ACCOUNT, f"Account is longer than {MAX_ACCOUNT_LENGTH} characters")
    if not _ACCOUNT.match(account):
        return FieldError(ACCOUNT, f"Account '{account}' may only hold letters, digits, space and . _ - / :")
    return account


def validate_ticket(
    entry: TicketInput,
    symbols: Collection[str] = (),
    algos: Collection[str] = (),
    now_seconds: int | None = None,
    max_quantity: int = DEFAULT_MAX_QUANTITY,
) -> TicketForm | tuple[FieldError, ...]:
    """The ticket, or one error per bad field. Unknown symbols/algos are errors when lists are given."""
    errors: list[FieldError] = []
    symbol = entry.symbol.strip().upper()
    if not symbol:
        errors.append(FieldError(SYMBOL, "Symbol is required"))
    elif not _SYMBOL.match(symbol):
        errors.append(FieldError(SYMBOL, f"Symbol '{entry.symbol.strip()}' may only hold letters, digits, . - /"))
    elif symbols and symbol not in symbols:
        errors.append(FieldError(SYMBOL, f"Unknown symbol '{symbol}'"))
    side = entry.side.strip().upper()
    if side not in SIDES:
        errors.append(FieldError(SIDE, f"Side must be BUY or SELL, got '{entry.side}'"))
    quantity = parse_quantity(entry.quantity, max_quantity)
    if isinstance(quantity, str):
        errors.append(FieldError(QUANTITY, quantity))
    limit = parse_limit(entry.limit)
    if isinstance(limit, str):
        errors.append(FieldError(LIMIT_PRICE, limit))
    algo = entry.algo.strip()
    if not algo:
        errors.append(FieldError(ALGO, "Choose an algo"))
    elif algos and algo not in algos:
        errors.append(FieldError(ALGO, f"Unknown algo '{algo}': choose one of {', '.join(algos)}"))
    end, start = entry.end_seconds, entry.start_seconds
    if start is not None and end <= start:
        errors.append(FieldError(END, f"End {clock_text(end)} must be after start {clock_text(start)}"))
    elif start is None and now_seconds is not None and end <= now_seconds:
        errors.append(FieldError(END, f"End {clock_text(end)} has passed (market time {clock_text(now_seconds)})"))
    account = parse_account(entry.account)
    if isinstance(account, FieldError):
        errors.append(account)
    urgency = entry.urgency.strip().upper()
    if urgency not in URGENCIES:
        errors.append(FieldError(URGENCY, f"Urgency must be one of {', '.join(URGENCIES)}, got '{entry.urgency}'"))
    if errors or isinstance(quantity, str) or isinstance(limit, str) or isinstance(account, FieldError):
        return tuple(errors)
    return TicketForm(symbol, side, quantity, limit, algo, start, end, account, urgency)
