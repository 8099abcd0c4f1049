"""From journal records to the orders TCA reviews: a parent's market fills, a ticket's allocations."""

from __future__ import annotations

from decimal import Decimal

from engine.clock import NS_PER_S
from engine.model import FillId
from engine.tca.journal_read import DAY_NS, ChildRecord, JournalDay, ParentRecord, TicketRecord
from engine.tca.metrics import ChildLine, Execution, OrderUnderReview
from engine.tca.tape import Tape

INTERNAL = "INTERNAL"


def day_bounds(ts_ns: int) -> tuple[int, int]:
    """[start, end] of the trading day (clock time is exchange-local wall time) holding `ts_ns`."""
    start = ts_ns - ts_ns % DAY_NS
    return start, start + DAY_NS - 1


def _decided_quote(child: ChildRecord | None) -> tuple[Decimal | None, Decimal | None]:
    decision = None if child is None else child.decision
    return (None, None) if decision is None else (decision.bid, decision.ask)


def parent_order(parent: ParentRecord, journal_end_ns: int, tape: Tape | None) -> OrderUnderReview:
    """A parent: its market fills (crosses shrank its quantity before it went to market), its decisions'
    schedule targets, its children."""
    accepted = parent.accepted
    executions = []
    for fill in parent.fills:
        child = parent.children.get(fill.child_id)
        bid, ask = _decided_quote(child)
        executions.append(Execution(fill.ts_ns, fill.quantity, fill.price, fill.fee, fill.venue,
                                    child.order_type if child else "?", fill.child_id, bid, ask))
    done = parent.done_ns(journal_end_ns)
    first = parent.decisions[0] if parent.decisions else None
    release_mid = None
    if first is not None and first.bid is not None and first.ask is not None:
        release_mid = (first.bid + first.ask) / 2
    schedule = [(d.ts_ns, d.target_qty) for d in parent.decisions if d.target_qty is not None]
    if schedule and parent.end_ns >= schedule[-1][0]:
        schedule.append((parent.end_ns, parent.quantity))  # every schedule is due in full at the end
    arrival_mid = accepted.arrival_mid if accepted.arrival_mid is not None else (
        tape.mid_at(accepted.ts_ns) if tape else None)
    children = tuple(
        ChildLine(c.submitted.child_id, c.submitted.ts_ns, c.submitted.venue, c.order_type, c.submitted.quantity,
                  c.submitted.price, c.decision.reason.value if c.decision else "(no decision)",
                  c.done_ns if c.done_ns is not None else done,
                  tuple(e for e in executions if e.child_id == c.submitted.child_id))
        for c in parent.children.values())
    return OrderUnderReview(
        order_id=accepted.parent_id, kind="parent", symbol=accepted.symbol, side=accepted.side,
        quantity=parent.quantity, arrival_ns=accepted.ts_ns, arrival_mid=arrival_mid,
        start_ns=max(accepted.start_ns, accepted.ts_ns), done_ns=done, executions=tuple(executions),
        release_ns=None if first is None else first.ts_ns, release_mid=release_mid,
        schedule=tuple(schedule), children=children,
    )


def ticket_order(ticket: TicketRecord, day: JournalDay, tape: Tape | None) -> OrderUnderReview:
    """A ticket: its allocations (its share of each fill, with that share of the fee; its crosses at the mid;
    an odd-lot remainder at the block's average), against the mid when it arrived."""
    accepted = ticket.accepted
    executions = []
    for allocation in ticket.allocations:
        fill_id = FillId(allocation.execution_ref)
        if allocation.kind == "fill" and fill_id in day.fills:
            fill = day.fills[fill_id]
            parent = day.parents.get(fill.parent_id)
            child = parent.children.get(fill.child_id) if parent else None
            bid, ask = _decided_quote(child)
            fee = fill.fee * allocation.quantity / fill.quantity if fill.quantity else Decimal(0)
            executions.append(Execution(allocation.ts_ns, allocation.quantity, allocation.price, fee, fill.venue,
                                        child.order_type if child else "?", fill.child_id, bid, ask))
        else:
            kind = "CROSS" if allocation.kind == "cross" else "REMAINDER AT CLOSE"
            executions.append(Execution(allocation.ts_ns, allocation.quantity, allocation.price, Decimal(0),
                                        INTERNAL, kind, allocation.execution_ref))
    parents = [day.parents[p] for p in ticket.parent_ids if p in day.parents]
    decisions = sorted((d for p in parents for d in p.decisions if d.ts_ns >= accepted.ts_ns), key=lambda d: d.ts_ns)
    first = decisions[0] if decisions else None
    release_mid = None
    if first is not None and first.bid is not None and first.ask is not None:
        release_mid = (first.bid + first.ask) / 2
    arrival_mid = tape.mid_at(accepted.ts_ns) if tape else None
    if arrival_mid is None:  # no tape: the parent it started has the engine's mid at that moment
        arrival_mid = next((p.accepted.arrival_mid for p in parents if p.accepted.ts_ns == accepted.ts_ns), None)
    if ticket.canceled_ns is not None:
        done = ticket.canceled_ns
    elif executions and sum(e.quantity for e in executions) >= ticket.quantity:
        done = executions[-1].ts_ns
    else:
        done = max((p.done_ns(day.end_ns) for p in parents), default=day.end_ns)
    start = accepted.start_ns if accepted.start_ns is not None else accepted.ts_ns
    return OrderUnderReview(
        order_id=accepted.ticket_id, kind="ticket", symbol=accepted.symbol, side=accepted.side,
        quantity=ticket.quantity, arrival_ns=accepted.ts_ns, arrival_mid=arrival_mid,
        start_ns=max(start, accepted.ts_ns), done_ns=max(done, accepted.ts_ns), executions=tuple(executions),
        release_ns=None if first is None else first.ts_ns, release_mid=release_mid,
    )


def seconds_of_day(ts_ns: int) -> float:
    """Clock time as seconds since midnight (chart axes)."""
    return (ts_ns % DAY_NS) / NS_PER_S
