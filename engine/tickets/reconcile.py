"""Reconciliation of a block and the read-only views of blocks and tickets.

`reconcile_block` re-derives everything from the per-fill records and checks it against the running
totals; it changes nothing. It checks that
- the fills' quantities sum to what the block executed, and their notional (quantity x price, exact:
  each record's price back in half ticks) to the block's notional;
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
from itertools import chain, repeat
from operator import gt, mod, mul

from engine.model import OrdStatus
from engine.tickets.allocation import pro_rata
from engine.tickets.avgprice import average_in, average_price
from engine.tickets.blocks import Block
from engine.tickets.records import BlockView, Booking, Reconciliation, TicketView

_ZERO = Decimal(0)
_new_record = tuple.__new__  # builds a NamedTuple record without a Python-level __new__ frame


def reconcile_block(block: Block) -> Reconciliation:
    """Check a block's books from its fill records (see module docstring).

    The common case (everything adds up) runs on whole-list operations (the records transposed with
    one ``zip(*fills)``); messages are built only for what is wrong. (zip() without strict= on the hot
    lines: the keyword costs ~1 us per call here.)
    """
    problems: list[str] = []
    allocated = block.allocated_shares()  # (syncs the per-ticket tuples first)
    lot, ids, quantities, fills = block.lot, block.ids, block.quantities, block.fills
    units, total_executed, allocated_total = block.notional_units, block.executed, block.allocated_total
    money = block.money
    carried = total_executed - allocated_total
    executed = fills_units = 0
    per_ticket = [0] * len(ids)
    if fills:
        _, _, sizes, prices, _, fill_ids, fill_shares, _ = zip(*fills)  # noqa: B905
        executed = sum(sizes)
        try:
            fills_units = sum(map(mul, sizes, map(block.price_grid.__getitem__, prices)))
        except KeyError:  # a price the book did not book (cannot happen): the slow exact way
            fills_units = int(sum(map(mul, sizes, prices), _ZERO) / money.unit)
        if len(ids) == 1:  # every record names the one ticket, or nobody (an odd lot carried)
            per_ticket[0] = sum(chain.from_iterable(fill_shares))
            if fill_ids.count(ids) + fill_ids.count(()) != len(fill_ids):
                problems.append(f"fills allocate to tickets not in the block: {set(chain(*fill_ids)) - set(ids)}")
        else:
            sums = dict.fromkeys(ids, 0)  # ids are unique, so this keeps index order
            try:
                for tid, shares in zip(chain.from_iterable(fill_ids), chain.from_iterable(fill_shares)):  # noqa: B905
                    sums[tid] += shares
            except KeyError as unknown:
                problems.append(f"fills allocate to {unknown.args[0]}, not a ticket of the block")
            per_ticket = list(sums.values())
    block_notional = money.unit * units
    if executed != total_executed:
        problems.append(f"fills sum to {executed:,} shares but the block executed {total_executed:,}")
    if fills_units != units:
        problems.append(f"fills' notional {money.unit * fills_units} differs from the block's {block_notional}")
    if per_ticket != allocated:
        problems += [
            f"{tid}: per-fill allocations sum to {per:,}, ticket shows {a:,}"
            for tid, per, a in zip(ids, per_ticket, allocated, strict=True)
            if per != a
        ]
    if any(map(gt, allocated, quantities)):
        problems += [
            f"{tid}: allocated {a:,} exceeds its quantity {q:,}"
            for tid, a, q in zip(ids, allocated, quantities, strict=True)
            if a > q
        ]
    complete = total_executed == block.total
    if complete and allocated != list(quantities):
        problems += [
            f"{tid}: block complete but allocated {a:,} of {q:,}"
            for tid, a, q in zip(ids, allocated, quantities, strict=True)
            if a != q
        ]
    odd = 0 if lot == 1 else len(ids) - list(map(mod, allocated, repeat(lot))).count(0)
    if odd > (0 if block.open else 1):
        problems.append(f"{odd} tickets hold allocations that are not whole lots of {lot}")
    allocated_sum = sum(allocated)
    if allocated_sum + carried != total_executed:
        problems.append(f"allocations {allocated_sum:,} + carried {carried:,} != executed {total_executed:,}")
    avg = average_in(money, units, total_executed)
    # Carried odd shares are not booked yet: book the allocated shares' part of the notional.
    if carried:
        units = units * allocated_total // total_executed
    split = pro_rata(units, allocated) if allocated_total else [0] * len(ids)
    if carried == 0 and sum(split) != units:
        problems.append(f"bookings' notional does not sum to the fills' {block_notional}")
    if len(ids) == 1:
        bookings: tuple[Booking, ...] = (
            _new_record(Booking, (ids[0], allocated[0], avg if allocated[0] else None, money.unit * split[0])),
        )
    else:
        avgs = [avg if a else None for a in allocated] if 0 in allocated else repeat(avg)
        notionals = map(mul, repeat(money.unit), split)
        bookings = tuple(map(_new_record, repeat(Booking), zip(ids, allocated, avgs, notionals)))  # noqa: B905
    fields = (block.block_id, complete, total_executed, block_notional, avg, bookings, tuple(problems))
    reconciliation: Reconciliation = _new_record(Reconciliation, fields)
    return reconciliation


def ticket_view(block: Block, i: int) -> TicketView:
    ticket = block.tickets[i]
    if i < len(block.ids):
        quantity, allocated = block.quantities[i], block.allocated_of(i)
    else:  # joined since the block last synced its per-ticket tuples: never amended, nothing allocated yet
        quantity, allocated = ticket.quantity, 0  # (amends and fills sync first; a join ends any epoch)
    canceled = block.canceled is not None and i in block.canceled
    if allocated < ticket.quantity and (canceled or (not block.open and allocated < quantity)):
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
        ticket.limit_price,
        ticket.end_ns,
    )


def block_view(block: Block) -> BlockView:
    first = block.tickets[0]
    mandate = block.mandate
    return BlockView(
        block.block_id,
        block.instrument.symbol,
        block.side,
        first.algo,
        first.urgency,
        block.working_limit_price(),
        mandate.start_ns,
        block.working_end_ns(),
        block.crossable,
        block.open,
        len(block.tickets),
        block.total,
        block.crossed,
        block.market_quantity,
        block.market_filled,
        block.executed,
        block.leaves,
        average_price(block.instrument, block.notional_units, block.executed),
    )
