"""TicketBook: the stateful book-keeper of one engine's tickets, blocks, crosses and allocations.

No I/O, no clock, no randomness: the same calls in the same order give the same answers, so the
engine can journal the calls and replay them. Every method either returns a typed result (bad input
from outside gets a rejection naming what was wrong) or raises `AllocationError` on a broken
invariant (an overfill, a fill for a closed block).
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import replace
from decimal import Decimal

from engine.model import Instrument, Side, Symbol, TicketId
from engine.tickets.aggregation import (
    DEFAULT_SIMPLE_KEY,
    AggregationRules,
    joined_mandate,
    key_fields,
    key_function,
)
from engine.tickets.allocation import AllocationError
from engine.tickets.avgprice import Money, money_of
from engine.tickets.blocks import Block
from engine.tickets.model import BlockId, CrossId, Ticket, half_tick_price
from engine.tickets.netting import CrossingPolicy, CrossInterest, mid_half_ticks, plan_cross
from engine.tickets.problems import (
    amend_problem,
    half_ticks,
    mandate_problem,
    ticket_problem,
    working_terms_problem,
)
from engine.tickets.reconcile import block_view, reconcile_block, ticket_view
from engine.tickets.records import (
    BlockView,
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

_BUY = Side.BUY


class Unchanged:
    """The type of `UNCHANGED`: a mandate field left as it is (None already means "no limit")."""


UNCHANGED = Unchanged()
_NO_PRICES: dict[Decimal, int] = {}
_new_record = tuple.__new__  # builds a NamedTuple record without a Python-level __new__ frame


class TicketBook:
    """Tickets in, blocks worked, crosses matched, fills allocated back to tickets."""

    def __init__(
        self,
        instruments: Mapping[Symbol, Instrument],
        rules: AggregationRules | None = None,
        crossing: CrossingPolicy | None = None,
        *,
        block_prefix: str = "B",
        cross_prefix: str = "X",
    ) -> None:
        self._instruments = instruments
        self._rules = rules or AggregationRules()
        self._crossing = crossing or CrossingPolicy()
        self._crossing_everywhere = not (self._crossing.disabled_sources or self._crossing.disabled_accounts)
        self._block_prefix = block_prefix
        self._cross_prefix = cross_prefix
        # The open-block index key: side, crossing eligibility and the exact-match mandate fields. With
        # crossing allowed everywhere, eligibility is the ticket's own flag and one tuple holds it all.
        self._simple = self._rules.exact_only and self._crossing_everywhere
        leading = ("side", "allow_cross") if self._simple else ("side",)
        self._key = key_function(self._rules, leading)
        # The default key is built inline on the hot path (one call less per ticket); the same tuple.
        self._inline_key = self._simple and key_fields(self._rules, leading) == DEFAULT_SIMPLE_KEY
        self._exact_only = self._rules.exact_only
        self._open_exact: dict[Hashable, Block] = {}  # key -> the open block (exact rules: at most one)
        self._blocks: dict[BlockId, Block] = {}
        self._open: dict[Hashable, list[Block]] = {}  # key -> open blocks, oldest first (fuzzy rules)
        self._open_by_symbol: dict[Symbol, dict[BlockId, Block]] = {}
        # ticket -> its block (its index there is looked up when needed: amends and queries are rare)
        self._block_of: dict[TicketId, Block] = {}
        self._last_arrival = -(2**63)
        # symbol -> price -> the price in half ticks (prices repeat: converting a Decimal is ~2 us)
        self._half_ticks: dict[Symbol, dict[Decimal, int]] = {}
        self._money: dict[Symbol, Money] = {}  # symbol -> its money units (for new blocks)
        self._crosses = 0

    # --- tickets in ---------------------------------------------------------------------------------

    def add_ticket(self, ticket: Ticket) -> TicketJoined | TicketRejected:
        """Accept a ticket into the oldest compatible open block, or start a new block."""
        # The hot path (one call per ticket): the checks of `_check` as one expression (`_check` names
        # the reason when any fails), then, under exact rules, the join into an open block inline.
        instrument = self._instruments.get(ticket.symbol)
        tid, quantity, start, end, limit = (
            ticket.ticket_id,
            ticket.quantity,
            ticket.start_ns,
            ticket.end_ns,
            ticket.limit_price,
        )
        limit_ticks: int | str | None = None
        if (
            instrument is None
            or tid in self._block_of
            or quantity <= 0
            or quantity % instrument.lot_size
            or (start is not None and end is not None and end <= start)
            or ticket.arrival_seq <= self._last_arrival
        ):
            limit_ticks = self._check(ticket, self._last_arrival)
            if limit_ticks.__class__ is str:
                return TicketRejected(tid, limit_ticks)  # type: ignore[arg-type]
        elif limit is not None:
            half = self._half_ticks.get(ticket.symbol, _NO_PRICES).get(limit)
            if half is not None and not half & 1:
                limit_ticks = half >> 1
            else:
                limit_ticks = self._check(ticket, self._last_arrival)
                if limit_ticks.__class__ is str:
                    return TicketRejected(tid, limit_ticks)  # type: ignore[arg-type]
        if self._simple:  # exact rules, crossing everywhere: the key alone finds the one open block
            key: Hashable
            if self._inline_key:  # (the default rules' key, without a call)
                key = (ticket.side is _BUY, ticket.allow_cross, ticket.symbol, ticket.algo, ticket.urgency, limit,
                       start, end)
            else:
                key = self._key(ticket)
            block = self._open_exact.get(key)
            if block is not None:
                if block.allocator is not None:
                    block.end_epoch()  # weights change: what is allocated so far stays put
                self._block_of[tid] = block
                block.positions[tid] = len(block.tickets)
                block.tickets.append(ticket)  # joins in arrival order: its index is its tie-break rank
                block.total += quantity
                self._last_arrival = ticket.arrival_seq
                joined = (tid, block.block_id, False, quantity, block.market_quantity)
                return _new_record(TicketJoined, joined)  # type: ignore[no-any-return]
            return self._join(ticket, limit_ticks, key)  # type: ignore[arg-type]
        return self._join(ticket, limit_ticks)  # type: ignore[arg-type]

    def add_tickets(self, tickets: Iterable[Ticket]) -> tuple[list[TicketJoined], list[TicketRejected]]:
        """All or nothing: every ticket is joined, or none is and every bad one is listed."""
        batch = list(tickets)
        rejected: list[TicketRejected] = []
        limits: list[int | None] = []
        seen: set[TicketId] = set()
        last = self._last_arrival
        for ticket in batch:
            checked = self._check(ticket, last)
            if isinstance(checked, str):
                rejected.append(TicketRejected(ticket.ticket_id, checked))
            elif ticket.ticket_id in seen:
                rejected.append(TicketRejected(ticket.ticket_id, f"ticket id {ticket.ticket_id} appears twice"))
            else:
                limits.append(checked)
                last = ticket.arrival_seq
            seen.add(ticket.ticket_id)
        if rejected:
            return [], rejected
        return [self._join(t, limit) for t, limit in zip(batch, limits, strict=True)], []

    def amend_ticket(self, ticket_id: TicketId, quantity: object) -> TicketAmended | TicketRejected:
        """Change a ticket's quantity; never below what is already allocated to it.

        `quantity` is typed `object`: anything but a whole number of shares is refused with the reason
        (an `int` parameter would let compiled code take a bool for the number it is)."""
        where = self._where(ticket_id)
        if where is None:
            return TicketRejected(ticket_id, f"unknown ticket {ticket_id}")
        block, i = where
        reason = amend_problem(block, i, quantity)
        if reason:
            return TicketRejected(ticket_id, reason)
        assert isinstance(quantity, int)  # amend_problem refuses anything else
        old = block.quantities[i]
        block.set_quantity(i, quantity)
        if quantity < old:
            block.relimit(self._rules.window, [self._limit_ticks(block.instrument, t) for t in block.tickets])
        if block.leaves == 0:
            self._retire(block)
        return TicketAmended(ticket_id, block.block_id, old, quantity, quantity - old, block.market_quantity)

    def amend_problem(self, ticket_id: TicketId, quantity: object) -> str | None:
        """Why `amend_ticket(ticket_id, quantity)` would be refused, or None; changes nothing."""
        where = self._where(ticket_id)
        return f"unknown ticket {ticket_id}" if where is None else amend_problem(*where, quantity)

    def change_mandate(
        self, ticket_id: TicketId, *, limit_price: Decimal | Unchanged | None = UNCHANGED, end_ns: int | None = None
    ) -> TicketMandateChanged | TicketRejected:
        """Change a ticket's limit price (None: market) and/or end time (None: unchanged), and its block's.

        Only while the ticket is its block's one open ticket: a block's limit and window are the
        mandate its tickets share, so a ticket worked with others is canceled and sent again instead.
        The block then takes new tickets with the new mandate (unless another open block already does).
        """
        where = self._where(ticket_id)
        if where is None:
            return TicketRejected(ticket_id, f"unknown ticket {ticket_id}")
        block, i = where
        old = block.tickets[i]
        limit = old.limit_price if isinstance(limit_price, Unchanged) else limit_price
        reason = mandate_problem(block, i, limit, end_ns)
        if reason:
            return TicketRejected(ticket_id, reason)
        new = replace(old, limit_price=limit, end_ns=old.end_ns if end_ns is None else end_ns)
        block.tickets[i] = new
        block.relimit(self._rules.window, [self._limit_ticks(block.instrument, t) for t in block.tickets])
        self._reindex(block, new)
        return TicketMandateChanged(ticket_id, block.block_id, old.limit_price, new.limit_price, old.end_ns, new.end_ns)

    def set_working_terms(self, block_id: BlockId, limit_price: Decimal | None, end_ns: int | None) -> str | None:
        """The trader's working limit and end time for a block (None: not set), within its tickets'
        mandate: a buy works at or below its tickets' limit, a sell at or above, and never past their
        end time. Returns why they were refused, or None once set."""
        block = self._blocks.get(block_id)
        if block is None:
            return f"unknown block {block_id}"
        reason = working_terms_problem(block, limit_price, end_ns)
        if reason:
            return reason
        limit_ticks = None if limit_price is None else half_ticks(block.price_grid, block.instrument, limit_price) // 2
        block.working = None if limit_ticks is None and end_ns is None else (limit_ticks, end_ns)
        return None

    def cancel_ticket(self, ticket_id: TicketId) -> TicketAmended | TicketRejected:
        """Cancel what is not yet allocated: the ticket's quantity drops to its allocation."""
        where = self._where(ticket_id)
        if where is None:
            return TicketRejected(ticket_id, f"unknown ticket {ticket_id}")
        block, i = where
        allocated = block.allocated_of(i)
        if allocated == block.quantities[i]:
            return TicketRejected(ticket_id, f"nothing to cancel: {ticket_id} is fully allocated")
        result = self.amend_ticket(ticket_id, allocated)
        if isinstance(result, TicketAmended):
            if block.canceled is None:
                block.canceled = set()
            block.canceled.add(i)
        return result

    # --- executions -----------------------------------------------------------------------------------

    def net(
        self, symbol: Symbol, bid: Decimal, ask: Decimal, now_ns: int, working: Mapping[BlockId, int] | None = None
    ) -> CrossExecuted | NoCross:
        """Cross the open, crossable buy and sell blocks of `symbol` at the consolidated mid.

        `working` is each block's quantity live at venues (not available to cross). Blocks outside
        their time window at `now_ns` take no part. The crossed quantity leaves the blocks' market
        quantity and is allocated to their tickets like any fill.
        """
        instrument = self._instruments.get(symbol)
        if instrument is None:
            return NoCross(symbol, f"unknown symbol {symbol}")
        mid = mid_half_ticks(instrument, bid, ask)
        if isinstance(mid, str):
            return NoCross(symbol, mid)
        lot = instrument.lot_size
        interests = []
        for block in self._open_by_symbol.get(symbol, {}).values():
            if not block.crossable:
                continue
            low, high, start, end = block.mandate_fields  # (a BlockMandate's fields, without building one)
            if block.working is not None:  # the trader's terms tighten the tickets'
                low = high = block.working_limit_ticks()
                end = block.working_end_ns()
            if (start is not None and now_ns < start) or (end is not None and now_ns >= end):
                continue
            available = block.total - block.executed - (working.get(block.block_id, 0) if working else 0)
            available -= available % lot
            side = block.side
            interest = (block.block_id, side, available, low if side is _BUY else high)
            interests.append(_new_record(CrossInterest, interest))
        plan = plan_cross(interests, mid, lot)
        if isinstance(plan, str):
            return NoCross(symbol, plan)
        self._crosses += 1
        cross_id = CrossId(f"{self._cross_prefix}{self._crosses}")
        price = half_tick_price(instrument, mid)
        self._price_grid(symbol).setdefault(price, mid)
        allocations = []
        for block_id, shares in (*plan.buys, *plan.sells):
            block = self._blocks[block_id]
            block.crossed += shares
            allocations.append(self._execute(block, shares, mid, price, cross_id))
        return CrossExecuted(
            cross_id, now_ns, symbol, plan.quantity, price, bid, ask, plan.buys, plan.sells, tuple(allocations)
        )

    def on_fill(self, block_id: BlockId, quantity: int, price: Decimal) -> FillAllocated:
        """A market fill of the block's parent: allocated at once to its tickets (continuous allocation)."""
        block = self._blocks.get(block_id)
        if block is None or not block.open:
            raise AllocationError(f"fill of {quantity} for {'unknown' if block is None else 'closed'} block {block_id}")
        half_ticks = block.price_grid.get(price)
        if half_ticks is None:
            half_ticks = self._to_half_ticks(block.instrument, price)
        record = block.execute(quantity, half_ticks, price, None)
        if block.executed == block.total:
            self._retire(block)
        return record

    def close_block(self, block_id: BlockId) -> Reconciliation:
        """The parent is done (complete, canceled or expired): no more tickets or fills; reconcile.

        An odd remainder (fills not in whole lots) goes to the ticket whose next lot was due first;
        tickets still open in the block end CANCELED.
        """
        block = self._blocks[block_id]
        if block.open:
            self._retire(block)
        carry = block.release_carry()
        if carry is not None:
            index, shares = carry
            last_price = block.fills[-1][3]
            ticket_id = block.tickets[index].ticket_id
            release = (block.block_id, len(block.fills), 0, last_price, None, (ticket_id,), (shares,), 0)
            block.fills.append(release)
        return self.reconcile(block_id)

    # --- queries --------------------------------------------------------------------------------------

    def reconcile(self, block_id: BlockId) -> Reconciliation:
        """Check a block's books (see `reconcile.reconcile_block`); does not change anything."""
        return reconcile_block(self._blocks[block_id])

    def ticket(self, ticket_id: TicketId) -> TicketView | None:
        block = self._block_of.get(ticket_id)  # no sync: a view reads a ticket that joined since as it is
        return None if block is None else ticket_view(block, block.positions[ticket_id])

    def block(self, block_id: BlockId) -> BlockView | None:
        block = self._blocks.get(block_id)
        return None if block is None else block_view(block)

    def block_ids(self, symbol: Symbol | None = None, *, open_only: bool = False) -> list[BlockId]:
        """Blocks in creation order, optionally one symbol's or only those still open."""
        if open_only:
            groups = [self._open_by_symbol.get(symbol, {})] if symbol else list(self._open_by_symbol.values())
            return sorted((b.block_id for g in groups for b in g.values()), key=lambda b: self._blocks[b].seq)
        return [b.block_id for b in self._blocks.values() if symbol is None or b.instrument.symbol == symbol]

    def leaves(self, block_id: BlockId) -> int:
        """What the block still has to execute (cheap: no view built)."""
        return self._blocks[block_id].leaves

    def market_filled(self, block_id: BlockId) -> int:
        """What the block's parent has filled at market (its view's `market_filled`; cheap: no view built)."""
        return self._blocks[block_id].market_filled

    def working_terms(self, block_id: BlockId) -> tuple[int, int, Decimal | None, int | None]:
        """(market quantity, crossed, working limit, working end) of a block, as its view has them: what its
        parent is resized to (cheap: no view built, no average price worked out)."""
        block = self._blocks[block_id]
        return block.market_quantity, block.crossed, block.working_limit_price(), block.working_end_ns()

    def block_of(self, ticket_id: TicketId) -> BlockId | None:
        where = self._where(ticket_id)
        return None if where is None else where[0].block_id

    def ticket_fills(self, ticket_id: TicketId) -> list[tuple[FillAllocated, int]]:
        """The per-fill detail of a ticket: each block execution it shared in, and its shares of it."""
        block = self._block_of[ticket_id]
        out = []
        for fields in block.fills:
            record = FillAllocated(*fields)
            for tid, shares in zip(record.ticket_ids, record.quantities, strict=True):
                if tid == ticket_id:
                    out.append((record, shares))
        return out

    # --- internals ------------------------------------------------------------------------------------

    # --- checkpoints (engine/checkpoint.py) --------------------------------------------------------------

    def configuration(self) -> tuple[Mapping[Symbol, Instrument], AggregationRules, CrossingPolicy]:
        """What the book was built with (instruments, aggregation rules, crossing policy): not state. A
        checkpoint is restored only into a book built with an equal configuration."""
        return dict(self._instruments), self._rules, self._crossing

    def export_state(self) -> dict[str, object]:
        """Every attribute that changes as tickets come and go, by name (to checkpoint between turns). What
        the constructor derives from the configuration is left out: the restoring book has its own."""
        return {
            "open_exact": self._open_exact, "blocks": self._blocks, "open": self._open,
            "open_by_symbol": self._open_by_symbol, "block_of": self._block_of, "last_arrival": self._last_arrival,
            "half_ticks": self._half_ticks, "money": self._money, "crosses": self._crosses,
        }

    def import_state(self, state: Mapping[str, object]) -> None:
        """Take the state `export_state` gave (of a book with an equal configuration); raises KeyError or
        TypeError, changing nothing, when it is not such a state."""
        if set(state) != set(self.export_state()):
            raise KeyError(f"ticket book state has fields {sorted(state)}")
        blocks, open_by_symbol, block_of = state["blocks"], state["open_by_symbol"], state["block_of"]
        open_exact, open_, last_arrival = state["open_exact"], state["open"], state["last_arrival"]
        half_ticks, money, crosses = state["half_ticks"], state["money"], state["crosses"]
        if not (isinstance(blocks, dict) and isinstance(open_by_symbol, dict) and isinstance(block_of, dict)
                and isinstance(open_exact, dict) and isinstance(open_, dict) and isinstance(half_ticks, dict)
                and isinstance(money, dict) and isinstance(last_arrival, int) and isinstance(crosses, int)):
            raise TypeError("ticket book state of the wrong types")
        self._blocks, self._open_by_symbol, self._block_of = blocks, open_by_symbol, block_of
        self._open_exact, self._open, self._last_arrival = open_exact, open_, last_arrival
        self._half_ticks, self._money, self._crosses = half_ticks, money, crosses

    def _check(self, ticket: Ticket, last_arrival: int) -> int | str | None:
        """The ticket's limit in ticks when it is acceptable, else the reason it is not."""
        return ticket_problem(ticket, self._instruments.get(ticket.symbol), self._block_of, last_arrival,
                              self._price_grid(ticket.symbol))

    def _join(self, ticket: Ticket, limit_ticks: int | None, simple_key: Hashable | None = None) -> TicketJoined:
        """Join the ticket to its block (a new one if none is open); `simple_key`: its key when the caller
        has already found no open block under it."""
        crossable = ticket.allow_cross and (self._crossing_everywhere or self._crossing.allows(ticket))
        block = None
        if simple_key is not None:  # the caller has looked this key up: no block is open under it
            key = simple_key
        elif self._exact_only:
            key = self._key(ticket) if self._simple else (crossable, self._key(ticket))
            block = self._open_exact.get(key)
        else:
            key = (crossable, self._key(ticket))
            for candidate in self._open.get(key, ()):
                mandate = joined_mandate(candidate.mandate, limit_ticks, ticket.start_ns, ticket.end_ns, self._rules)
                if mandate is not None:
                    block, block.mandate = candidate, mandate
                    break
        new_block = block is None
        if block is None:
            seq = len(self._blocks) + 1
            block_id = BlockId(f"{self._block_prefix}{seq}")
            instrument = self._instruments[ticket.symbol]
            # the new block's mandate is the ticket's limit and window: BlockMandate's fields as a plain
            # tuple (a block keeps them so; no NamedTuple to build on the hot path)
            fields = (limit_ticks, limit_ticks, ticket.start_ns, ticket.end_ns)
            grid = self._price_grid(ticket.symbol)
            money = self._money.get(ticket.symbol)
            if money is None:
                money = self._money[ticket.symbol] = money_of(instrument.tick_size)
            block = Block(block_id, seq, instrument, ticket.side, key, crossable, fields, grid, money)
            self._blocks[block_id] = block
            if self._exact_only:
                self._open_exact[key] = block
            else:
                self._open.setdefault(key, []).append(block)
            self._open_by_symbol.setdefault(ticket.symbol, {})[block_id] = block
        tid, quantity = ticket.ticket_id, ticket.quantity
        if block.allocator is not None:
            block.end_epoch()  # weights change: what is allocated so far stays put
        self._block_of[tid] = block
        block.positions[tid] = len(block.tickets)
        block.tickets.append(ticket)  # joins in arrival order: its index is its tie-break rank
        block.total += quantity
        self._last_arrival = ticket.arrival_seq
        joined = (tid, block.block_id, new_block, quantity, block.market_quantity)
        return _new_record(TicketJoined, joined)  # type: ignore[no-any-return]

    def _reindex(self, block: Block, ticket: Ticket) -> None:
        """Index an open block under the key its open ticket now has (its limit and window may be in it)."""
        key = self._key(ticket) if self._simple else (block.crossable, self._key(ticket))
        if key == block.open_key:
            return
        if self._exact_only:
            if block.open_key is not None:
                del self._open_exact[block.open_key]
            # When another open block already takes tickets at this limit, this one takes no more.
            block.open_key = None if key in self._open_exact else key
            if block.open_key is not None:
                self._open_exact[key] = block
            return
        opens = self._open[block.open_key]
        opens.remove(block)
        if not opens:
            del self._open[block.open_key]
        insort(self._open.setdefault(key, []), block, key=lambda b: b.seq)  # oldest first, as joins expect
        block.open_key = key

    def _execute(
        self, block: Block, shares: int, half_ticks: int, price: Decimal, cross: CrossId | None
    ) -> FillAllocated:
        record = block.execute(shares, half_ticks, price, cross)
        if block.executed == block.total:
            self._retire(block)
        return record

    def _retire(self, block: Block) -> None:
        block.open = False
        if self._exact_only:
            if block.open_key is not None:  # (None: moved onto a key another block holds)
                del self._open_exact[block.open_key]
        else:
            opens = self._open[block.open_key]
            opens.remove(block)
            if not opens:
                del self._open[block.open_key]
        del self._open_by_symbol[block.instrument.symbol][block.block_id]

    def _where(self, ticket_id: TicketId) -> tuple[Block, int] | None:
        block = self._block_of.get(ticket_id)
        if block is None:
            return None
        block.sync()
        return block, block.positions[ticket_id]

    def _limit_ticks(self, instrument: Instrument, ticket: Ticket) -> int | None:
        limit = ticket.limit_price
        return None if limit is None else self._to_half_ticks(instrument, limit) // 2

    def _price_grid(self, symbol: Symbol) -> dict[Decimal, int]:
        grid = self._half_ticks.get(symbol)
        if grid is None:
            grid = self._half_ticks[symbol] = {}
        return grid

    def _to_half_ticks(self, instrument: Instrument, price: Decimal) -> int:
        return half_ticks(self._price_grid(instrument.symbol), instrument, price)
