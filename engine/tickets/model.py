"""A ticket: one client order (GUI, basket or OMS over FIX) before it is aggregated into a block."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NewType

from engine.model import Instrument, Side, Symbol, TicketId

BlockId = NewType("BlockId", str)
"""A working block: the tickets worked together as one parent order."""

CrossId = NewType("CrossId", str)
"""One internal cross between opposing blocks."""

URGENCIES = ("LOW", "MEDIUM", "HIGH")
"""Urgency levels a ticket may carry (upper case)."""


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


def half_tick_price(instrument: Instrument, half_ticks: int) -> Decimal:
    """The exact price of `half_ticks` half ticks, e.g. 2001 half ticks of 0.01 -> 10.005."""
    return (instrument.tick_size * half_ticks / 2).quantize(instrument.tick_size / 2)
