"""Tickets in: aggregation into working blocks, internal crossing (netting), pro-rata allocation back.

Pure library, no I/O and no clock: the engine feeds it tickets, market mids and fills, and journals
what it returns. `TicketBook` is the stateful entry point; the maths are pure functions beside it.
"""

from pathlib import Path

from engine.native import select_implementation

IMPLEMENTATION = select_implementation(__name__, Path(__file__).parent)
"""The ticket book's hot modules: compiled by mypyc or their Python source (see `engine.native`)."""

from engine.tickets.aggregation import AggregationRules, WindowRule  # noqa: E402 (after the choice above)
from engine.tickets.book import TicketBook  # noqa: E402
from engine.tickets.csv_import import BasketRow, ImportResult, RowError, parse_basket  # noqa: E402
from engine.tickets.model import BlockId, CrossId, Ticket  # noqa: E402
from engine.tickets.netting import CrossingPolicy  # noqa: E402
from engine.tickets.records import (  # noqa: E402
    BlockView,
    Booking,
    CrossExecuted,
    FillAllocated,
    NoCross,
    Reconciliation,
    TicketAmended,
    TicketJoined,
    TicketMandateChanged,
    TicketRejected,
    TicketView,
)

__all__ = [
    "IMPLEMENTATION",
    "AggregationRules",
    "BasketRow",
    "BlockId",
    "BlockView",
    "Booking",
    "CrossExecuted",
    "CrossId",
    "CrossingPolicy",
    "FillAllocated",
    "ImportResult",
    "NoCross",
    "Reconciliation",
    "RowError",
    "Ticket",
    "TicketAmended",
    "TicketBook",
    "TicketJoined",
    "TicketMandateChanged",
    "TicketRejected",
    "TicketView",
    "WindowRule",
    "parse_basket",
]
