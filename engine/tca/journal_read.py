"""A day's orders as the journal holds them, read from the journal file (read-only) for TCA and audit.

Only the record types TCA needs are decoded. The result is plain: per parent its acceptance, amendments,
decisions, children and fills, crosses and tickets; per ticket its acceptance, quantity and allocations.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine import events as ev
from engine.clock import NS_PER_S
from engine.model import ChildId, FillId, ParentId, TicketId
from engine.serialization import decode

DAY_NS = 86_400 * NS_PER_S
_TYPES = ("ParentAccepted", "ParentAmended", "ParentCanceled", "ParentExpired", "ChildSubmitted", "ChildDecided",
          "ChildFilled", "ChildFillBusted", "ChildCanceled", "ChildRejected", "ChildExpired", "TicketAccepted",
          "TicketJoined", "TicketAmended", "TicketsAllocated", "RiskBlocked")


class JournalUnreadable(Exception):
    """The file is not a journal this code can read; the message says why."""


@contextmanager
def open_read_only(path: str | Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to a journal file (the engine may be writing it: WAL lets both work)."""
    target = Path(path)
    if not target.is_file():
        raise JournalUnreadable(f"no journal file at {target}")
    try:
        conn = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True)
        conn.execute("SELECT 1 FROM journal LIMIT 1").fetchall()
    except sqlite3.DatabaseError as error:
        raise JournalUnreadable(f"{target} is not a journal: {error}") from error
    try:
        yield conn
    finally:
        conn.close()


@dataclass(slots=True)
class ChildRecord:
    submitted: ev.ChildSubmitted
    decision: ev.ChildDecided | None = None
    fills: list[ev.ChildFilled] = field(default_factory=list)
    done_ns: int | None = None  # canceled, rejected, expired, or filled in full

    @property
    def order_type(self) -> str:
        """LIMIT DAY, LIMIT IOC, MARKET IOC ..."""
        return f"{self.submitted.ord_type.name} {self.submitted.tif.name}"


@dataclass(frozen=True, slots=True)
class Cross:
    """A parent's (or a ticket's) share of an internal cross."""

    ts_ns: int
    cross_id: str
    quantity: int
    price: Decimal


@dataclass(slots=True)
class ParentRecord:
    accepted: ev.ParentAccepted
    quantity: int
    end_ns: int
    children: dict[ChildId, ChildRecord] = field(default_factory=dict)
    decisions: list[ev.ChildDecided] = field(default_factory=list)
    fills: list[ev.ChildFilled] = field(default_factory=list)
    crosses: list[Cross] = field(default_factory=list)
    ticket_ids: list[TicketId] = field(default_factory=list)
    risk_blocks: list[ev.RiskBlocked] = field(default_factory=list)
    closed_ns: int | None = None  # canceled or expired
    outcome: str = "working"

    @property
    def parent_id(self) -> ParentId:
        return self.accepted.parent_id

    @property
    def filled(self) -> int:
        return sum(f.quantity for f in self.fills)

    def done_ns(self, journal_end_ns: int) -> int:
        """When it stopped working: canceled or expired, its last fill when filled in full, else the journal's end."""
        if self.closed_ns is not None:
            return self.closed_ns
        if self.fills and self.filled >= self.quantity:
            return self.fills[-1].ts_ns
        return max(journal_end_ns, self.accepted.ts_ns)


@dataclass(frozen=True, slots=True)
class Allocation:
    ts_ns: int
    parent_id: ParentId
    execution_ref: str  # the fill id, or the cross id
    quantity: int
    price: Decimal
    kind: str  # fill, cross, close


@dataclass(slots=True)
class TicketRecord:
    accepted: ev.TicketAccepted
    quantity: int
    parent_ids: list[ParentId] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    canceled_ns: int | None = None

    @property
    def ticket_id(self) -> TicketId:
        return self.accepted.ticket_id


@dataclass(slots=True)
class JournalDay:
    """Every parent and ticket a journal holds (or those of one day), with the fills by id."""

    parents: dict[ParentId, ParentRecord] = field(default_factory=dict)
    tickets: dict[TicketId, TicketRecord] = field(default_factory=dict)
    fills: dict[FillId, ev.ChildFilled] = field(default_factory=dict)
    child_parent: dict[ChildId, ParentId] = field(default_factory=dict)
    end_ns: int = 0  # the newest record's time


def read_day(conn: sqlite3.Connection, *, parent_ids: Sequence[str] = (), start_ns: int | None = None,
             end_ns: int | None = None) -> JournalDay:
    """Decode the records TCA needs, oldest first, into parents and tickets: of the given parents (with their
    tickets and the other parents those tickets joined), or of [start, end], or of the whole journal. The SQL
    picks the rows (json_extract scans in C), so only what is analysed is decoded."""
    day = JournalDay()
    where = [f"type IN ({','.join('?' * len(_TYPES))})"]
    params: list[Any] = list(_TYPES)
    if start_ns is not None and end_ns is not None:
        where.append("ts_ns BETWEEN ? AND ?")
        params += [start_ns, end_ns]
    if parent_ids:
        parents, children, tickets = _related(conn, parent_ids)
        where.append("(json_extract(payload, '$.parent_id') IN (SELECT value FROM json_each(?)) OR "
                     "json_extract(payload, '$.child_id') IN (SELECT value FROM json_each(?)) OR "
                     "json_extract(payload, '$.ticket_id') IN (SELECT value FROM json_each(?)))")
        params += [json.dumps(parents), json.dumps(children), json.dumps(tickets)]
    cursor = conn.execute(f"SELECT type, payload FROM journal WHERE {' AND '.join(where)} ORDER BY seq", params)
    for type_name, payload in cursor:
        _apply(day, decode(type_name, payload))
    row = conn.execute("SELECT MAX(ts_ns) FROM journal").fetchone()
    day.end_ns = int(row[0]) if row and row[0] is not None else 0
    return day


def _related(conn: sqlite3.Connection, parent_ids: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    """The parents, their tickets (and the other parents those joined), and all those parents' children."""
    joined = "SELECT json_extract(payload, '$.{0}') FROM journal WHERE type = 'TicketJoined' AND " \
             "json_extract(payload, '$.{1}') IN (SELECT value FROM json_each(?))"
    tickets = [r[0] for r in conn.execute(joined.format("ticket_id", "parent_id"), (json.dumps(list(parent_ids)),))]
    parents = list(dict.fromkeys([*parent_ids, *(r[0] for r in conn.execute(
        joined.format("parent_id", "ticket_id"), (json.dumps(tickets),)))]))
    children = [r[0] for r in conn.execute(
        "SELECT json_extract(payload, '$.child_id') FROM journal WHERE type = 'ChildSubmitted' AND "
        "json_extract(payload, '$.parent_id') IN (SELECT value FROM json_each(?))", (json.dumps(parents),))]
    return parents, children, list(dict.fromkeys(tickets))


def _apply(day: JournalDay, record: Any) -> None:
    if isinstance(record, ev.ParentAccepted):
        day.parents[record.parent_id] = ParentRecord(record, record.quantity, record.end_ns)
    elif isinstance(record, ev.ParentAmended):
        parent = day.parents[record.parent_id]
        parent.quantity, parent.end_ns = record.quantity, record.end_ns
    elif isinstance(record, ev.ParentCanceled | ev.ParentExpired):
        parent = day.parents[record.parent_id]
        parent.closed_ns = record.ts_ns
        parent.outcome = "canceled" if isinstance(record, ev.ParentCanceled) else "expired"
    elif isinstance(record, ev.ChildDecided):
        day.parents[record.parent_id].decisions.append(record)
    elif isinstance(record, ev.ChildSubmitted):
        parent = day.parents[record.parent_id]
        decision = parent.decisions[-1] if parent.decisions and record.child_id in parent.decisions[-1].child_ids \
            else None
        parent.children[record.child_id] = ChildRecord(record, decision)
        day.child_parent[record.child_id] = record.parent_id
    elif isinstance(record, ev.ChildFilled):
        _on_fill(day, record)
    elif isinstance(record, ev.ChildFillBusted):
        _on_bust(day, record)
    elif isinstance(record, ev.ChildCanceled | ev.ChildRejected | ev.ChildExpired):
        child = _child(day, record.child_id)
        if child is not None and child.done_ns is None:
            child.done_ns = record.ts_ns
    elif isinstance(record, ev.RiskBlocked) and record.parent_id in day.parents:
        day.parents[ParentId(record.parent_id)].risk_blocks.append(record)
    else:
        _apply_ticket(day, record)


def _on_fill(day: JournalDay, fill: ev.ChildFilled) -> None:
    day.fills[fill.fill_id] = fill
    parent = day.parents.get(fill.parent_id)
    if parent is None:
        return
    parent.fills.append(fill)
    if parent.filled >= parent.quantity and parent.outcome == "working":
        parent.outcome = "filled"
    child = parent.children.get(fill.child_id)
    if child is not None:
        child.fills.append(fill)
        if sum(f.quantity for f in child.fills) >= child.submitted.quantity and child.done_ns is None:
            child.done_ns = fill.ts_ns


def _on_bust(day: JournalDay, bust: ev.ChildFillBusted) -> None:
    """A venue took an execution back: it leaves the market side (parent, child, venue figures); the tickets'
    allocations stand, as the desk stood behind them."""
    fill = day.fills.get(bust.fill_id)
    if fill is None or fill.venue != bust.venue:
        return
    del day.fills[bust.fill_id]
    parent = day.parents.get(fill.parent_id)
    if parent is None:
        return
    parent.fills.remove(fill)
    if parent.outcome == "filled" and parent.filled < parent.quantity:
        parent.outcome = "working"
    child = parent.children.get(fill.child_id)
    if child is not None and fill in child.fills:
        child.fills.remove(fill)


def _apply_ticket(day: JournalDay, record: Any) -> None:
    if isinstance(record, ev.TicketAccepted):
        day.tickets[record.ticket_id] = TicketRecord(record, record.quantity)
    elif isinstance(record, ev.TicketJoined):
        ticket = day.tickets[record.ticket_id]
        if record.parent_id not in ticket.parent_ids:
            ticket.parent_ids.append(record.parent_id)
        parent = day.parents.get(record.parent_id)
        if parent is not None and record.ticket_id not in parent.ticket_ids:
            parent.ticket_ids.append(record.ticket_id)
    elif isinstance(record, ev.TicketAmended):
        ticket = day.tickets[record.ticket_id]
        ticket.quantity = record.new_quantity
        if record.canceled:
            ticket.canceled_ns = record.ts_ns
    elif isinstance(record, ev.TicketsAllocated):
        for ticket_id, quantity in zip(record.ticket_ids, record.quantities, strict=True):
            if quantity and ticket_id in day.tickets:
                day.tickets[ticket_id].allocations.append(Allocation(
                    record.ts_ns, record.parent_id, record.execution_ref, quantity, record.price, record.kind))
        parent = day.parents.get(record.parent_id)
        if parent is not None and record.kind == "cross":
            parent.crosses.append(Cross(record.ts_ns, record.execution_ref, record.quantity, record.price))


def _child(day: JournalDay, child_id: ChildId) -> ChildRecord | None:
    parent_id = day.child_parent.get(child_id)
    return None if parent_id is None else day.parents[parent_id].children.get(child_id)
