"""Shared builders for the ticket tests."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from itertools import count

import pytest

from engine.model import Instrument, Side, Symbol, TicketId
from engine.tickets import Ticket, TicketBook, TicketJoined

AAPL = Symbol("AAPL")
MSFT = Symbol("MSFT")
ODD = Symbol("ODD")  # trades in single shares

INSTRUMENTS = {
    AAPL: Instrument(AAPL, Decimal("0.01"), 100),
    MSFT: Instrument(MSFT, Decimal("0.01"), 100),
    ODD: Instrument(ODD, Decimal("0.05"), 1),
}


class TicketMaker:
    """Builds tickets with increasing arrival order and readable defaults."""

    def __init__(self) -> None:
        self._seq: Iterator[int] = count(1)

    def __call__(
        self,
        side: Side = Side.BUY,
        quantity: int = 1_000,
        *,
        symbol: Symbol = AAPL,
        limit: str | None = None,
        algo: str = "VWAP",
        urgency: str = "MEDIUM",
        account: str = "ACC1",
        source: str = "gui",
        start_ns: int | None = None,
        end_ns: int | None = None,
        allow_cross: bool = True,
        ticket_id: str | None = None,
    ) -> Ticket:
        seq = next(self._seq)
        return Ticket(
            TicketId(ticket_id or f"T{seq}"),
            account,
            source,
            symbol,
            side,
            quantity,
            None if limit is None else Decimal(limit),
            algo,
            urgency,
            start_ns,
            end_ns,
            seq,
            allow_cross,
        )


@pytest.fixture
def make() -> TicketMaker:
    return TicketMaker()


def join(book: TicketBook, ticket: Ticket) -> TicketJoined:
    """Add a ticket that must be accepted."""
    joined = book.add_ticket(ticket)
    assert isinstance(joined, TicketJoined), joined
    return joined
