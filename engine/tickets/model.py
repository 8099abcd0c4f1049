"""A ticket: one client order (GUI, basket or OMS over FIX) before it is aggregated into a block."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NewType

from engine.model import Instrument, Side, Symbol, TicketId
from engine.quick_init import quick_init

BlockId = NewType("BlockId", str)
"""A working block: the tickets worked together as one parent order."""

CrossId = NewType("CrossId", str)
"""One internal cross between opposing blocks."""

URGENCIES = ("LOW", "MEDIUM", "HIGH")
"""Urgency levels a ticket may carry (upper case)."""


@quick_init
@dataclass(frozen=True, slots=True)
class Ticket:
    """What the client asked for. Times are engine-clock epoch ns; None means "from now" / "to close".

    `arrival_seq` orders tickets deterministically (ties in every allocation rule go to the earlier one);
    `allow_cross=False` keeps the ticket out of internal crosses whatever the crossing policy says.
    """

    ticket_id: TicketId
    account: str
    source: str
    symbol: Symbol
    side: Side
    quantity: int
    limit_price: Decimal | None
    algo: str
    urgency: str
    start_ns: int | None
    end_ns: int | None
    arrival_seq: int
    allow_cross: bool = True

    def __post_init__(self) -> None:
        problem = _type_problem(self)
        if problem is not None:
            raise TypeError(f"ticket {self.ticket_id!r}: {problem}")


def _type_problem(ticket: Ticket) -> str | None:
    """A field of the wrong Python type (the book's checks of values assume the types are right)."""
    if type(ticket.quantity) is not int:  # a bool is an int to isinstance, not a quantity
        return f"quantity must be a whole number of shares, got {ticket.quantity!r}"
    if ticket.limit_price is not None and not isinstance(ticket.limit_price, Decimal):
        return f"limit price must be a Decimal or None, got {ticket.limit_price!r}"
    for name in ("start_ns", "end_ns"):
        value = getattr(ticket, name)
        if value is not None and type(value) is not int:
            return f"{name} must be integer nanoseconds or None, got {value!r}"
    if type(ticket.arrival_seq) is not int:
        return f"arrival_seq must be an integer, got {ticket.arrival_seq!r}"
    if not isinstance(ticket.side, Side):
        return f"side must be a Side, got {ticket.side!r}"
    return None


def half_tick_price(instrument: Instrument, half_ticks: int) -> Decimal:
    """The exact price of `half_ticks` half ticks, e.g. 2001 half ticks of 0.01 -> 10.005."""
    return (instrument.tick_size * half_ticks / 2).quantize(instrument.tick_size / 2)
