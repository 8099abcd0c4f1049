"""The checks bench.crash_recovery (and tests/e2e) run on the OMS's view against the journal: nothing lost,
duplicated or reported twice, allocations equal to the fills, the OMS's status equal to the journal's."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field

from bench.crash_state import CrashState, TicketState
from bench.oms_client import ClientOrder, OmsClient

EXAMPLES = 5
FAILURE_KEYS = ("lost_tickets", "lost_orders", "lost_fills", "duplicated_fills", "duplicated_tickets",
                "shares_reported_twice", "allocation_mismatches", "state_mismatches", "lost_changes",
                "session_errors")
MIDFLIGHT_KEYS = ("lost_tickets", "duplicated_tickets", "duplicated_fills", "allocation_mismatches")


@dataclass(slots=True)
class Findings:
    """Offenders by check, kept across checkpoints (a set per check: found twice counts once)."""

    offenders: dict[str, dict[str, str]] = field(default_factory=lambda: {k: {} for k in FAILURE_KEYS})
    first_seen: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, found: dict[str, str], when: str) -> None:
        for ident, detail in found.items():
            if ident not in self.offenders[key]:
                self.offenders[key][ident] = detail
                self.first_seen.setdefault(key, when)


def order_source(client: OmsClient) -> str:
    return f"fix:{client.comp_id}"


def midflight_checks(state: CrashState, got_new: dict[str, set[str]]) -> dict[str, dict[str, str]]:
    """Checks that hold at any instant: every acknowledged order is journaled, once; fills are unique."""
    found: dict[str, dict[str, str]] = {k: {} for k in MIDFLIGHT_KEYS}
    for source, cl_ord_ids in got_new.items():
        for cl_ord_id in sorted(cl_ord_ids):
            if not state.tickets_for(source, cl_ord_id):
                found["lost_tickets"][f"{source}:{cl_ord_id}"] = "New (39=0) received, no TicketAccepted"
    for (source, cl_ord_id), ticket_ids in state.tickets_by_order.items():
        if len(ticket_ids) > 1:
            found["duplicated_tickets"][f"{source}:{cl_ord_id}"] = f"tickets {', '.join(ticket_ids)}"
    effective = Counter(fill.key for fill in state.fills if fill.took_effect)
    for (venue, fill_id), times in effective.items():
        for n in range(2, times + 1):
            found["duplicated_fills"][f"{venue}:{fill_id}#{n}"] = (
                f"{venue} {fill_id} took effect {times} times (store-applied or allocated)")
    for ticket in state.tickets.values():
        if ticket.allocated > ticket.quantity:
            found["allocation_mismatches"][f"ticket {ticket.ticket_id}"] = (
                f"{ticket.client_order_id}: allocated {ticket.allocated} > quantity {ticket.quantity}")
    return found


def final_checks(state: CrashState, clients: list[OmsClient]) -> dict[str, dict[str, str]]:
    """After the clean shutdown: every order answered, every fill allocated, the OMS agrees with the journal."""
    found = midflight_checks(state, {order_source(c): {o.cl_ord_id for o in c.orders.values() if o.got_new}
                                     for c in clients})
    for key in FAILURE_KEYS:
        found.setdefault(key, {})
    for fill in state.fills:
        if fill.applied and fill.allocated < fill.quantity:
            found["lost_fills"][f"{fill.venue}:{fill.fill_id}@{fill.child_id}"] = (
                f"parent {fill.parent_id}: {fill.quantity} filled, {fill.allocated} allocated"
                + ("" if fill.allocation_seen else " (no TicketsAllocated)")
                + (" - over the tickets' open quantity (engine alert)" if fill.fill_id in state.overfill_ids else ""))
    for overfill in state.overfills_refused[:EXAMPLES]:
        print(f"engine flagged a fill over its tickets: {overfill}", file=sys.stderr)
    for parent in state.parents.values():
        if parent.allocated != parent.executed + parent.crossed:
            detail = f"allocated {parent.allocated} != executed {parent.executed} + crossed {parent.crossed}"
            if parent.refused_allocations:
                detail += f"; allocated from fills the store refused: {', '.join(parent.refused_allocations[:3])}"
            if parent.unpaired_allocations:
                detail += f"; allocations with no fill: {', '.join(parent.unpaired_allocations[:3])}"
            found["allocation_mismatches"][f"parent {parent.parent_id}"] = detail
    for client in clients:
        source = order_source(client)
        for change in client.changes.values():
            if not change.answered:
                found["lost_changes"][f"{source}:{change.cl_ord_id}"] = f"35={change.msg_type} on {change.order}"
        for order in client.orders.values():
            ident = f"{source}:{order.cl_ord_id}"
            if not order.answered:
                found["lost_orders"][ident] = f"no New or Rejected (resent {order.resent}x)"
            twice = order.trade_qty - order.cum_qty
            if twice > 0:
                found["shares_reported_twice"][ident] = (
                    f"{twice} (LastQty sum {order.trade_qty}, CumQty {order.cum_qty})")
            mismatch = state_mismatch(order, state.tickets_for(source, order.cl_ord_id))
            if mismatch:
                found["state_mismatches"][ident] = f"{mismatch} (received {' '.join(order.history[-6:])})"
        regressions = client.stats.engine_seq_regressions + client.stats.seq_too_low + client.stats.unknown_reports
        for n, problem in enumerate(regressions):
            found["session_errors"][f"{client.comp_id}#{n}"] = problem
    return found


def state_mismatch(order: ClientOrder, tickets: list[TicketState]) -> str:
    """Why the OMS's final view of `order` differs from its ticket in the journal ('' when it does not)."""
    if len(tickets) != 1:  # none / several: counted as lost or duplicated tickets (or the order was refused)
        return ""
    ticket = tickets[0]
    if order.rejected:
        return f"refused to the OMS but ticket {ticket.ticket_id} is in the journal"
    problems = []
    if order.cum_qty != ticket.allocated:
        problems.append(f"CumQty {order.cum_qty} vs allocated {ticket.allocated}")
    if order.order_qty != ticket.quantity:
        problems.append(f"OrderQty {order.order_qty} vs quantity {ticket.quantity}")
    if order.status != ticket.oms_status:
        problems.append(f"OrdStatus {order.status or '-'} vs {ticket.oms_status}")
    if order.trade_qty < ticket.allocated:
        problems.append(f"Trade reports carry {order.trade_qty} of {ticket.allocated} allocated")
    return f"ticket {ticket.ticket_id}: " + "; ".join(problems) if problems else ""
