"""One working block's mutable state: its tickets, executions and the continuous allocation epoch.

Owned and mutated only by `TicketBook`. Per-ticket data live in parallel lists indexed by arrival
order within the block (index = tie-break order), which keeps the per-fill path cheap. A join only
appends the ticket (the hot path of aggregation); `sync` extends the other lists when next needed.

Allocation is continuous and monotone (`ContinuousAllocator`). Its weights are the tickets' open
quantities (in lots) at the start of the current *epoch*, which begins at the first execution after
any weight change (a ticket joins, is amended or canceled): the weights are then the open
quantities, so nothing already allocated moves and every ticket still ends exactly at its quantity.
Before any execution this is plain pro rata to the tickets' quantities.
Fills in odd shares (not whole lots) are carried until they make a whole lot; the last odd remainder
goes, at close, to the ticket whose next lot is due first.
"""

from __future__ import annotations

from collections.abc import Hashable
from decimal import Decimal
from itertools import compress, repeat
from operator import add, mul, sub

from engine.model import Instrument, Side, TicketId
from engine.tickets.aggregation import BlockMandate, WindowRule
from engine.tickets.allocation import AllocationError, ContinuousAllocator
from engine.tickets.avgprice import Money
from engine.tickets.model import BlockId, CrossId, Ticket
from engine.tickets.records import FillAllocated

_new_record = tuple.__new__  # builds a NamedTuple record without a Python-level __new__ frame

FillFields = tuple[BlockId, int, int, Decimal, CrossId | None, tuple[TicketId, ...], tuple[int, ...], int]
"""A `FillAllocated`'s fields as a plain tuple (how a block keeps its executions)."""


class Block:
    """A block of compatible tickets worked as one parent order."""

    # Slots are laid out in this order: the fields a join and a fill touch come first, so that they
    # share a cache line or two (with 100k+ blocks, each miss costs more than the bytecode around it).
    __slots__ = (  # noqa: RUF023
        "tickets",
        "total",
        "allocator",
        "block_id",
        "crossed",
        "executed",
        "allocated_total",
        "notional_units",
        "lot",
        "ids",
        "positions",
        "base",
        "fills",
        "price_grid",
        "money",
        "open",
        "quantities",
        "instrument",
        "side",
        "crossable",
        "mandate_fields",
        "open_key",
        "odd",
        "canceled",
        "seq",
        "working",
    )

    def __init__(
        self,
        block_id: BlockId,
        seq: int,
        instrument: Instrument,
        side: Side,
        open_key: Hashable,
        crossable: bool,
        mandate: tuple[int | None, int | None, int | None, int | None],  # a BlockMandate or its fields
        price_grid: dict[Decimal, int],
        money: Money,
    ) -> None:
        self.block_id = block_id
        self.seq = seq
        self.instrument = instrument
        self.lot = instrument.lot_size
        self.side = side
        self.open_key = open_key  # where the book indexes it while open
        self.crossable = crossable
        # The trader's working terms (limit ticks, end ns), each None when not set: they tighten the
        # tickets' mandate, never loosen it (`working_limit_ticks`, `working_end_ns`).
        self.working: tuple[int | None, int | None] | None = None
        self.mandate_fields = tuple(mandate)  # a plain tuple, like `fills` (see there)
        self.open = True
        # Appended on join; the per-ticket tuples below follow at `sync`. They are tuples of strs and
        # ints, which the garbage collector stops tracking: with a million tickets in the book, every
        # full collection would otherwise walk them all.
        self.tickets: list[Ticket] = []
        self.ids: tuple[TicketId, ...] = ()
        self.positions: dict[TicketId, int] = {}  # each ticket's index in `tickets`, set as it joins
        self.quantities: tuple[int, ...] = ()  # shares, current (after amends)
        # Allocated lots = base (before this epoch) + allocator.given (this epoch); an odd rest at close.
        self.base: tuple[int, ...] = ()
        self.allocator: ContinuousAllocator | None = None  # built at the first fill of an epoch
        self.odd: tuple[int, int] | None = None  # (index, shares) of the odd remainder given at close
        self.canceled: set[int] | None = None  # indices of canceled tickets (rare: made when needed)
        self.total = 0  # shares asked for by the tickets
        self.allocated_total = 0
        self.executed = 0  # shares crossed + filled at market
        self.crossed = 0
        self.notional_units = 0  # executed notional in half ticks x shares (exact)
        # The fields of each execution's `FillAllocated`, as plain tuples: those (of strs, ints and
        # Decimals) drop out of the garbage collector's sight, NamedTuple instances never do, and with
        # a million tickets in the book every full collection would walk all their fields.
        self.fills: list[FillFields] = []
        self.price_grid = price_grid  # the book's cache of this instrument's prices in half ticks
        self.money = money  # its notional unit and average-price quantum

    # --- tickets ------------------------------------------------------------------------------------

    def sync(self) -> None:
        """Extend the per-ticket lists to the tickets that joined since the last call."""
        joined = self.tickets[len(self.ids) :]
        if joined:
            self.ids += tuple([t.ticket_id for t in joined])
            self.quantities += tuple([t.quantity for t in joined])
            self.base += (0,) * len(joined)

    def set_quantity(self, index: int, quantity: int) -> None:
        """Change a ticket's quantity (never below its allocation: the book checks that first)."""
        self.sync()
        self.end_epoch()
        self.total += quantity - self.quantities[index]
        self.quantities = (*self.quantities[:index], quantity, *self.quantities[index + 1 :])

    def end_epoch(self) -> None:
        """Weights are about to change: fold this epoch's allocations into the base."""
        if self.allocator is not None:
            self.base = tuple(map(add, self.base, self.allocator.given))
            self.allocator = None

    def _epoch(self) -> ContinuousAllocator:
        """A new allocation epoch weighted by what each ticket still has open."""
        self.sync()
        lot, quantities = self.lot, self.quantities
        if any(self.base):
            open_lots = tuple([q // lot - b for q, b in zip(quantities, self.base)])  # noqa: B905 (hot)
        else:  # the first epoch: nothing allocated yet
            open_lots = self._quantity_lots()
        self.allocator = ContinuousAllocator(open_lots)
        return self.allocator

    def allocated_shares(self) -> list[int]:
        """Shares allocated to each ticket, by index."""
        self.sync()
        lot, allocator = self.lot, self.allocator
        lots = self.base if allocator is None else map(add, self.base, allocator.given)
        shares = list(lots) if lot == 1 else [n * lot for n in lots]
        if self.odd is not None:
            shares[self.odd[0]] += self.odd[1]
        return shares

    def allocated_of(self, index: int) -> int:
        """Shares allocated to one ticket."""
        self.sync()
        lots = self.base[index] + (0 if self.allocator is None else self.allocator.given[index])
        odd = self.odd[1] if self.odd is not None and self.odd[0] == index else 0
        return lots * self.lot + odd

    def relimit(self, window_rule: WindowRule, limit_ticks: list[int | None]) -> None:
        """Recompute the block's limit range and window from its tickets still open."""
        allocated = self.allocated_shares()
        live = [i for i, (q, a) in enumerate(zip(self.quantities, allocated, strict=True)) if q > a]
        if not live:
            return
        limits = [t for i in live if (t := limit_ticks[i]) is not None]
        low = min(limits) if limits else None
        high = max(limits) if limits else None
        first = self.tickets[live[0]]
        start, end = first.start_ns, first.end_ns
        if window_rule is WindowRule.OVERLAP:
            starts = [s for i in live if (s := self.tickets[i].start_ns) is not None]
            ends = [e for i in live if (e := self.tickets[i].end_ns) is not None]
            start = max(starts) if starts else None
            end = min(ends) if ends else None
        self.mandate = BlockMandate(low, high, start, end)

    def working_limit_ticks(self) -> int | None:
        """The limit the block works at: its tickets' most restrictive limit, tightened by the trader's."""
        mandate = self.mandate.limit_ticks(self.side)
        trader = None if self.working is None else self.working[0]
        if trader is None or mandate is None:
            return mandate if trader is None else trader
        return min(mandate, trader) if self.side is Side.BUY else max(mandate, trader)

    def working_limit_price(self) -> Decimal | None:
        """`working_limit_ticks` as a price (None: no limit)."""
        ticks = self.working_limit_ticks()
        return None if ticks is None else self.instrument.price(ticks)

    def working_end_ns(self) -> int | None:
        """The end time the block works to: its tickets' window end, brought forward by the trader's."""
        end = self.mandate_fields[3]
        trader = None if self.working is None else self.working[1]
        if trader is None or end is None:
            return end if trader is None else trader
        return min(end, trader)

    @property
    def mandate(self) -> BlockMandate:
        """The block's limit range and time window."""
        mandate: BlockMandate = _new_record(BlockMandate, self.mandate_fields)
        return mandate

    @mandate.setter
    def mandate(self, mandate: BlockMandate) -> None:
        self.mandate_fields = tuple(mandate)

    # --- executions ---------------------------------------------------------------------------------

    @property
    def leaves(self) -> int:
        return self.total - self.executed

    @property
    def market_quantity(self) -> int:
        """What the parent must work at market: the tickets' total less what was crossed internally."""
        return self.total - self.crossed

    @property
    def market_filled(self) -> int:
        """What the parent has filled at market: the executed shares less the crossed ones."""
        return self.executed - self.crossed

    @property
    def carried(self) -> int:
        """Executed shares not yet allocated (an odd lot waiting for the rest of its lot)."""
        return self.executed - self.allocated_total

    def execute(self, shares: int, half_ticks: int, price: Decimal, cross_id: CrossId | None) -> FillAllocated:
        """Book an execution (`half_ticks` = `price` in half ticks), allocate it, and record both."""
        executed = self.executed + shares
        if shares <= 0 or executed > self.total:
            raise AllocationError(
                f"block {self.block_id}: execution of {shares} with leaves {self.leaves}: "
                + ("overfill" if shares > 0 else "not a positive quantity")
            )
        self.executed = executed
        self.notional_units += shares * half_ticks
        lot, allocated = self.lot, self.allocated_total
        lots = (executed - allocated) // lot
        ids: tuple[TicketId, ...] = ()
        quantities: tuple[int, ...] = ()
        if lots:
            if len(self.ids) != len(self.tickets):
                self.sync()
            if len(self.ids) == 1:  # the common single-ticket block: everything is its
                self.base = (self.base[0] + lots,)
                ids, quantities = self.ids, (lots * lot,)
            else:
                allocator = self.allocator
                if allocator is not None:
                    served = allocator.allocate(lots)
                elif allocated + lots * lot == self.total:  # no epoch yet, and this completes every ticket
                    served = self._last_lots()
                else:
                    served = self._epoch().allocate(lots)
                if 0 in served:
                    ids = tuple(compress(self.ids, served))
                    got = filter(None, served)
                    quantities = tuple(got if lot == 1 else map(mul, got, repeat(lot)))
                else:  # every ticket has a share (common in a big fill): the ids as they are
                    ids = self.ids
                    quantities = tuple(served if lot == 1 else map(mul, served, repeat(lot)))
            allocated = self.allocated_total = allocated + lots * lot
            if executed == self.total and self.allocator is not None:
                self.end_epoch()  # complete: the epoch's state is no longer needed
        fills = self.fills
        fields = (self.block_id, len(fills), shares, price, cross_id, ids, quantities, executed - allocated)
        fills.append(fields)
        record: FillAllocated = _new_record(FillAllocated, fields)
        return record

    def _quantity_lots(self) -> tuple[int, ...]:
        """Each ticket's quantity in lots."""
        lot = self.lot
        return self.quantities if lot == 1 else tuple([q // lot for q in self.quantities])

    def _last_lots(self) -> list[int]:
        """The lots that complete every ticket (what a new epoch would give them, without building it)."""
        complete = self._quantity_lots()
        served = list(map(sub, complete, self.base))
        self.base = complete
        return served

    def release_carry(self) -> tuple[int, int] | None:
        """Give the odd remainder to the ticket whose next lot is due first (done when the block closes)."""
        odd = self.carried
        if not odd:
            return None
        allocator = self.allocator or self._epoch()
        probe = ContinuousAllocator(allocator.weights)
        probe.given, probe.filled = list(allocator.given), allocator.filled
        index = probe.allocate(1).index(1)
        self.odd = (index, odd)
        self.allocated_total += odd
        return index, odd
