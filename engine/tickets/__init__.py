"""Tickets in: aggregation into working blocks, internal crossing (netting), pro-rata allocation back.

Pure library, no I/O and no clock: the engine feeds it tickets, market mids and fills, and journals
what it returns. `TicketBook` is the stateful entry point; the maths are pure functions beside it.
"""

from engine.tickets.aggregation import AggregationRules, WindowRule
from engine.tickets.book import TicketBook
from engine.tickets.csv_import import BasketRow, ImportResult, RowError, parse_basket
from engine.tickets.model import BlockId, CrossId, Ticket
from engine.tickets.netting import CrossingPolicy
from engine.tickets.records import (
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
