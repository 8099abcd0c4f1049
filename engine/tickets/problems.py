"""Why a ticket, an amend or a new limit is refused: each check names what was wrong (None: acceptable).

Pure functions of a block's state and an instrument's price grid (the book's cache of prices in
half ticks); `TicketBook` runs them before it changes anything.
"""

from __future__ import annotations

from collections.abc import Container
from decimal import Decimal

from engine.model import Instrument, Side, TicketId
from engine.tickets.allocation import AllocationError
from engine.tickets.blocks import Block
from engine.tickets.model import Ticket


def half_ticks(grid: dict[Decimal, int], instrument: Instrument, price: Decimal) -> int:
    """`price` in half ticks of `instrument` (cached in `grid`); AllocationError off the half-tick grid."""
    half = grid.get(price)
    if half is None:
        if not isinstance(price, Decimal) or not price.is_finite() or price <= 0:
            raise AllocationError(f"{instrument.symbol}: price {price!r} is not a positive decimal")
        exact = price * 2 / instrument.tick_size
        if exact != exact.to_integral_value():
            raise AllocationError(f"{instrument.symbol}: price {price} is off the half-tick grid")
        half = grid[price] = int(exact)
    return half


def limit_ticks_or_problem(grid: dict[Decimal, int], instrument: Instrument, limit: Decimal) -> int | str:
    """A limit price in whole ticks, or why it is not a limit price of this instrument."""
    try:
        half = half_ticks(grid, instrument, limit)
    except AllocationError:
        half = 1
    if half % 2:
        return f"limit {limit} is not a positive price on the {instrument.tick_size} tick"
    return half // 2


def ticket_problem(
    ticket: Ticket,
    instrument: Instrument | None,
    known: Container[TicketId],
    last_arrival: int,
    grid: dict[Decimal, int],
) -> int | str | None:
    """The ticket's limit in ticks (None: no limit) when it is acceptable, else the reason it is not."""
    tid = ticket.ticket_id
    if tid in known:
        return f"duplicate ticket id {tid}"
    if instrument is None:
        return f"{tid}: unknown symbol {ticket.symbol!r}"
    quantity = ticket.quantity
    if quantity <= 0:  # (an int: `Ticket` checks its field types when it is made)
        return f"{tid}: quantity must be a positive whole number of shares, got {quantity!r}"
    if quantity % instrument.lot_size:
        return f"{tid}: quantity {quantity:,} is not whole lots of {instrument.lot_size}"
    start, end = ticket.start_ns, ticket.end_ns
    if start is not None and end is not None and end <= start:
        return f"{tid}: end time must be after the start time"
    if ticket.arrival_seq <= last_arrival:
        return f"{tid}: arrival_seq {ticket.arrival_seq} is not after the last ticket's {last_arrival}"
    if ticket.limit_price is None:
        return None
    ticks = limit_ticks_or_problem(grid, instrument, ticket.limit_price)
    return f"{tid}: {ticks}" if isinstance(ticks, str) else ticks


def amend_problem(block: Block, i: int, quantity: object) -> str | None:
    """Why ticket `i` of `block` cannot take `quantity` (never below its allocation, whole lots)."""
    tid = block.tickets[i].ticket_id
    if not block.open:
        return f"cannot amend {tid}: block {block.block_id} is {_closed_state(block)}"
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        return f"cannot amend {tid}: quantity must be a whole number of shares >= 0, got {quantity!r}"
    if quantity % block.lot:
        return f"cannot amend {tid} to {quantity:,}: not whole lots of {block.lot}"
    allocated = block.allocated_of(i)
    if quantity < allocated:
        return f"cannot reduce {tid} to {quantity:,}: {allocated:,} already allocated"
    carry = block.carried
    open_after = block.total - block.quantities[i] + quantity - block.allocated_total
    if carry and open_after < carry + (-carry) % block.lot:
        return f"cannot reduce {tid} to {quantity:,}: {carry:,} executed shares still to allocate"
    return None


def mandate_problem(block: Block, i: int, limit: Decimal | None, end_ns: int | None) -> str | None:
    """Why ticket `i` of `block` cannot move to `limit` (None: none or unchanged) and/or `end_ns` (None:
    unchanged). Only a ticket that is its block's one open ticket can: a block's limit and window are the
    mandate its tickets share."""
    ticket = block.tickets[i]
    tid = ticket.ticket_id
    if not block.open:
        return f"cannot change the limit or end time of {tid}: block {block.block_id} is {_closed_state(block)}"
    if limit is not None:
        ticks = limit_ticks_or_problem(block.price_grid, block.instrument, limit)
        if isinstance(ticks, str):
            return ticks
    if end_ns is not None and ticket.start_ns is not None and end_ns <= ticket.start_ns:
        return f"{tid}: end time must be after the start time"
    allocated = block.allocated_shares()
    others = sum(1 for k, (q, a) in enumerate(zip(block.quantities, allocated, strict=True)) if k != i and q > a)
    if others:
        return (f"{tid} is worked with {others} other open ticket(s) in block {block.block_id}: "
                "cancel it and send a new order to change its limit or end time")
    return None


def working_terms_problem(block: Block, limit: Decimal | None, end_ns: int | None) -> str | None:
    """Why the trader's working `limit` / `end_ns` (None: not set) do not fit within the block's tickets'
    mandate: a buy parent works at or below its tickets' most restrictive limit, a sell at or above, and
    a parent never works past its tickets' end time (amend the tickets to change theirs)."""
    if not block.open:
        return f"block {block.block_id} is {_closed_state(block)}"
    _, _, start, end = block.mandate_fields
    buy = block.side is Side.BUY
    mandate = block.mandate.limit_ticks(block.side)
    if limit is None:
        if mandate is not None:
            return (f"its tickets' limit {block.instrument.price(mandate)} binds: a parent cannot work at market "
                    "when its tickets have a limit")
    else:
        ticks = limit_ticks_or_problem(block.price_grid, block.instrument, limit)
        if isinstance(ticks, str):
            return ticks
        if mandate is not None and (ticks > mandate if buy else ticks < mandate):
            side, bound = ("buy", "at or below") if buy else ("sell", "at or above")
            return (f"limit {limit} is looser than its tickets' limit {block.instrument.price(mandate)}: a {side} "
                    f"parent works {bound} it (amend the tickets to change theirs)")
    if end_ns is not None:
        if end is not None and end_ns > end:
            return "end time is after its tickets' end time: amend the tickets to extend theirs"
        if start is not None and end_ns <= start:
            return "end time must be after the start time"
    return None


def _closed_state(block: Block) -> str:
    return "complete" if block.leaves == 0 else "closed"
