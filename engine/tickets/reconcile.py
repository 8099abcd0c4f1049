"""Reconciliation of a block and the read-only views of blocks and tickets.

`reconcile_block` re-derives everything from the per-fill records and checks it against the running
totals; it changes nothing. It checks that
- the fills' quantities sum to what the block executed, and their notional (quantity x price, exact
  `Decimal`) to the block's notional;
- each ticket's per-fill allocations sum to its allocation, which never exceeds its quantity and is
  whole lots (one ticket may hold an odd remainder once the block is closed);
- the tickets' allocations plus the carried odd shares sum to what was executed (nothing lost or
  created), and a complete block has every ticket allocated exactly its quantity;
- the average-price bookings' notionals sum exactly to the fills' notional.
What it *fixes* is done by `TicketBook.close_block` before it reconciles: the odd remainder is
allocated, and the bookings at the block's average price are produced here.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import repeat
from operator import gt, mod

from engine.model import OrdStatus
from engine.tickets.allocation import pro_rata
from engine.tickets.avgprice import average_price, notional, unit_value
from engine.tickets.blocks import Block
from engine.tickets.records import BlockView, Booking, Reconciliation, TicketView


def reconcile_block(block: Block) -> Reconciliation:
    """Check a block's books from its fill records (see module docstring).

    The common case (everything adds up) runs on whole-list operations; messages are built only for
    what is wrong. (zip() without strict= on the hot lines: the keyword costs ~1 us per call here.)
    """
    problems: list[str] = []
    instrument, lot, ids = block.instrument, block.lot, block.ids
    allocated, quantities = block.allocated_shares(), block.quantities
    per_ticket = dict.fromkeys(ids, 0)  # ids are unique, so this keeps index order
    executed = 0
    fills_notional = Decimal(0)
    for record in block.fills:
        executed += record.quantity
        fills_notional += record.quantity * record.price
        for tid, shares in zip(record.ticket_ids, record.quantities):  # noqa: B905
            per_ticket[tid] += shares
    block_notional = notional(instrument, block.notional_units)
    if executed != block.executed:
        problems.append(f"fills sum to {executed:,} shares but the block executed {block.executed:,}")
    if fills_notional != block_notional:
        problems.append(f"fills' notional {fills_notional} differs from the block's {block_notional}")
    if list(per_ticket.values()) != allocated:
        problems += [
            f"{tid}: per-fill allocations sum to {per:,}, ticket shows {a:,}"
            for (tid, per), a in zip(per_ticket.items(), allocated, strict=True)
            if per != a
        ]
    if any(map(gt, allocated, quantities)):
        problems += [
            f"{tid}: allocated {a:,} exceeds its quantity {q:,}"
            for tid, a, q in zip(ids, allocated, quantities, strict=True)
            if a > q
        ]
    if block.leaves == 0 and allocated != quantities:
        problems += [
            f"{tid}: block complete but allocated {a:,} of {q:,}"
            for tid, a, q in zip(ids, allocated, quantities, strict=True)
            if a != q
        ]
    odd = 0 if lot == 1 else len(ids) - list(map(mod, allocated, repeat(lot))).count(0)
    if odd > (0 if block.open else 1):
        problems.append(f"{odd} tickets hold allocations that are not whole lots of {lot}")
    if sum(allocated) + block.carried != block.executed:
        problems.append(f"allocations {sum(allocated):,} + carried {block.carried:,} != executed {block.executed:,}")
    avg = average_price(instrument, block.notional_units, block.executed)
    # Carried odd shares are not booked yet: book the allocated shares' part of the notional.
    units = block.notional_units
    if block.carried:
        units = units * block.allocated_total // block.executed
    split = pro_rata(units, allocated) if block.allocated_total else [0] * len(ids)
    if block.carried == 0 and sum(split) != block.notional_units:
        problems.append(f"bookings' notional does not sum to the fills' {block_notional}")
    half = unit_value(instrument)
    bookings = tuple(map(Booking, ids, allocated, [avg if a else None for a in allocated], [half * u for u in split]))
    return Reconciliation(
        block.block_id, block.leaves == 0, block.executed, block_notional, avg, bookings, tuple(problems)
    )


def ticket_view(block: Block, i: int) -> TicketView:
    ticket = block.tickets[i]
    quantity, allocated = block.quantities[i], block.allocated_of(i)
    if allocated < ticket.quantity and (i in block.canceled or (not block.open and allocated < quantity)):
        status = OrdStatus.CANCELED
    elif allocated >= quantity:
        status = OrdStatus.FILLED
    elif allocated:
        status = OrdStatus.PARTIALLY_FILLED
    else:
        status = OrdStatus.NEW
    avg = average_price(block.instrument, block.notional_units, block.executed) if allocated else None
    return TicketView(
        ticket.ticket_id,
        block.block_id,
        ticket.account,
        ticket.symbol,
        ticket.side,
        ticket.quantity,
        quantity,
        allocated,
        quantity - allocated,
        avg,
        status,
    )


def block_view(block: Block) -> BlockView:
    first = block.tickets[0]
    mandate = block.mandate
    limit_ticks = mandate.limit_ticks(block.side)
    return BlockView(
        block.block_id,
        block.instrument.symbol,
        block.side,
        first.algo,
        first.urgency,
        None if limit_ticks is None else block.instrument.price(limit_ticks),
        mandate.start_ns,
        mandate.end_ns,
        block.crossable,
        block.open,
        len(block.tickets),
        block.total,
        block.crossed,
        block.total - block.crossed,
        block.executed - block.crossed,
        block.executed,
        block.leaves,
        average_price(block.instrument, block.notional_units, block.executed),
    )
