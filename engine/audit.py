"""The audit trail of a parent or a ticket, read from the journal file (read-only): every ticket, aggregation,
cross, algo decision, route, child, acknowledgement, fill, allocation, risk decision, command and kill that
concerns it, in journal order, each as one line a trader can read; filterable and exportable to CSV.

Pure: it opens its own read-only connection (the engine may be writing the file; WAL lets both work).
The SQL picks the rows by the ids in their payload (json_extract), so a large journal is scanned in C and
only the order's own records are decoded.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import commands as cmd
from engine import events as ev
from engine.serialization import decode
from engine.tca.journal_read import open_read_only
from engine.tca.layout import clock

CATEGORIES = ("ticket", "aggregation", "cross", "parent", "decision", "route", "child", "ack", "fill", "allocation",
              "cancel", "risk", "kill", "command", "alert")
_GLOBAL = ("KillEngaged", "KillReleased", "EngageKill", "ReleaseKill")
_LINKS = "SELECT payload FROM journal WHERE type IN ('ChildSubmitted', 'TicketJoined') AND " \
         "json_extract(payload, '$.parent_id') IN (SELECT value FROM json_each(?))"
_ROWS = """SELECT seq, ts_ns, type, payload FROM journal WHERE
    json_extract(payload, '$.parent_id') IN (SELECT value FROM json_each(:parents))
    OR json_extract(payload, '$.child_id') IN (SELECT value FROM json_each(:children))
    OR json_extract(payload, '$.order_id') IN (SELECT value FROM json_each(:children))
    OR json_extract(payload, '$.ticket_id') IN (SELECT value FROM json_each(:tickets))
    OR json_extract(payload, '$.target') IN (SELECT value FROM json_each(:targets))
    OR (type = 'TicketsCrossed'
        AND EXISTS (SELECT 1 FROM json_each(:parents) p WHERE instr(payload, '"' || p.value || '"')))
    OR type IN ('KillEngaged', 'KillReleased', 'EngageKill', 'ReleaseKill')
    ORDER BY seq"""


class AuditError(ValueError):
    """No such parent or ticket in the journal; the message says which."""


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One audited record: when, what kind, which order, and what happened (in words)."""

    seq: int
    ts_ns: int
    category: str
    record: str  # the journal record's type
    order_id: str  # the parent, ticket or child it is about ("" for a kill)
    text: str

    @property
    def time(self) -> str:
        return clock(self.ts_ns)


def audit_trail(journal: str | Path, *, parent_id: str | None = None, ticket_id: str | None = None) -> list[AuditRow]:
    """Every record concerning one parent (with its tickets and children) or one ticket (with its parents), in
    journal order; kills while the order lived are included."""
    if (parent_id is None) == (ticket_id is None):
        raise AuditError("give one parent id or one ticket id")
    with open_read_only(journal) as conn:
        parents = [parent_id] if parent_id else _parents_of_ticket(conn, str(ticket_id))
        children, tickets = _links(conn, parents)
        if ticket_id:
            tickets = [ticket_id]
        if not parents and not tickets:
            raise AuditError(f"no {'parent' if parent_id else 'ticket'} {parent_id or ticket_id} in this journal")
        params = {"parents": json.dumps(parents), "children": json.dumps(children), "tickets": json.dumps(tickets),
                  "targets": json.dumps([*parents, *tickets])}
        rows = [row for seq, ts, type_name, payload in conn.execute(_ROWS, params)
                for row in describe(seq, ts, decode(type_name, payload))]
    if not any(r.record in ("ParentAccepted", "TicketAccepted") for r in rows):
        raise AuditError(f"no {'parent' if parent_id else 'ticket'} {parent_id or ticket_id} in this journal")
    own = [r for r in rows if r.record not in _GLOBAL]
    first, last = own[0].ts_ns, own[-1].ts_ns
    return [r for r in rows if r.record not in _GLOBAL or first <= r.ts_ns <= last]


def _parents_of_ticket(conn: sqlite3.Connection, ticket_id: str) -> list[str]:
    found = conn.execute("SELECT DISTINCT json_extract(payload, '$.parent_id') FROM journal WHERE type = "
                         "'TicketJoined' AND json_extract(payload, '$.ticket_id') = ?", (ticket_id,))
    return [row[0] for row in found]


def _links(conn: sqlite3.Connection, parents: Sequence[str]) -> tuple[list[str], list[str]]:
    children: list[str] = []
    tickets: list[str] = []
    for (payload,) in conn.execute(_LINKS, (json.dumps(list(parents)),)):
        raw = json.loads(payload)
        if "child_id" in raw:
            children.append(raw["child_id"])
        elif raw.get("ticket_id") not in tickets:
            tickets.append(raw["ticket_id"])
    return children, tickets


def filter_rows(rows: Iterable[AuditRow], text: str = "", categories: Iterable[str] = ()) -> list[AuditRow]:
    """Rows whose category is one of `categories` (all when empty) and whose line contains `text` (any case)."""
    wanted = set(categories)
    needle = text.strip().lower()[:200]
    return [r for r in rows if (not wanted or r.category in wanted)
            and (not needle or needle in f"{r.time} {r.category} {r.record} {r.order_id} {r.text}".lower())]


CSV_COLUMNS = ("seq", "time", "ts_ns", "category", "record", "order", "text")


def to_csv(rows: Iterable[AuditRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows((r.seq, r.time, r.ts_ns, r.category, r.record, r.order_id, r.text) for r in rows)
    return out.getvalue()


def describe(seq: int, ts_ns: int, record: Any) -> list[AuditRow]:
    """The audit line(s) of one journal record (a decision gives two: the algo's and the router's)."""
    name = type(record).__name__
    if isinstance(record, ev.ChildDecided):
        return [AuditRow(seq, ts_ns, "decision", name, record.parent_id, _decision(record)),
                AuditRow(seq, ts_ns, "route", name, record.parent_id, _route(record))]
    found = _line(record)
    if found is None:
        return []
    category, order_id, text = found
    return [AuditRow(seq, ts_ns, category, name, order_id, text)]


def _decision(d: ev.ChildDecided) -> str:
    target = "no schedule target" if d.target_qty is None else f"schedule target {d.target_qty:,}"
    limit = "no limit" if d.limit_price is None else f"at {d.limit_price}"
    market = f"bid {d.bid} x {d.bid_size:,} / ask {d.ask} x {d.ask_size:,}"
    sent = ", ".join(d.child_ids) or "nothing sent"
    risk = f"; risk stopped the next child ({d.risk_rule})" if d.risk_rule else ""
    return (f"{d.decision_id} {d.algo} {d.reason.value}: {d.kind} {d.quantity:,} {limit}; {target}, done "
            f"{d.filled_qty:,}, working {d.working_qty:,}; market {market}; children {sent}{risk}")


def _route(d: ev.ChildDecided) -> str:
    ranked = "; ".join(
        f"{i}. {venue} {'-' if price is None else price} x {shown:,}"
        f"{'' if score is None else f' score {score:+.4f}'}{f' -> {routed:,}' if routed else ''}"
        for i, (venue, price, shown, routed, score) in enumerate(d.ranking, start=1))
    return f"{d.decision_id} {d.policy}. {d.route_note}. Ranking: {ranked or 'no venue'}"


def _line(r: Any) -> tuple[str, str, str] | None:  # one branch per record type
    if isinstance(r, ev.TicketAccepted):
        limit = "market" if r.limit_price is None else f"limit {r.limit_price}"
        client = f", {r.client_order_id}" if r.client_order_id else ""
        return ("ticket", r.ticket_id, f"accepted from {r.source} ({r.account}{client}): {r.side.name} "
                f"{r.quantity:,} {r.symbol} {limit} {r.algo} {r.urgency}")
    if isinstance(r, ev.TicketJoined):
        how = "started" if r.new_parent else "joined"
        return ("aggregation", r.ticket_id, f"{how} parent {r.parent_id}, now {r.parent_quantity:,}")
    if isinstance(r, ev.TicketAmended):
        what = "canceled" if r.canceled else "amended"
        return ("ticket", r.ticket_id, f"{what} {r.old_quantity:,} -> {r.new_quantity:,} ({r.reason}); parent "
                f"{r.parent_id} now {r.parent_quantity:,}")
    if isinstance(r, ev.TicketMandateChanged):
        return ("ticket", r.ticket_id, f"limit {r.old_limit} -> {r.new_limit}, end {r.old_end_ns} -> {r.new_end_ns} "
                f"({r.reason})")
    if isinstance(r, ev.TicketCutPending):
        return ("ticket", r.ticket_id, f"cut to {r.quantity} waits for the venues ({r.reason})")
    if isinstance(r, ev.TicketsCrossed):
        sides = ", ".join(f"{p} {q:,}" for p, q in (*r.buys, *r.sells))
        return ("cross", r.cross_id, f"{r.quantity:,} {r.symbol} crossed at {r.price} (bid {r.bid} / ask {r.ask}): "
                f"{sides}")
    if isinstance(r, ev.TicketsAllocated):
        split = ", ".join(f"{t} {q:,}" for t, q in zip(r.ticket_ids, r.quantities, strict=True))
        return ("allocation", r.parent_id, f"{r.kind} {r.execution_ref}: {r.quantity:,} at {r.price} to {split}")
    if isinstance(r, ev.BlockReconciled):
        problems = "; ".join(r.problems) or "no problem"
        return ("allocation", r.parent_id, f"reconciled: {r.executed:,} executed at {r.avg_price} ({problems})")
    if isinstance(r, ev.ParentAccepted):
        limit = "market" if r.limit_price is None else f"limit {r.limit_price}"
        return ("parent", r.parent_id, f"accepted: {r.side.name} {r.quantity:,} {r.symbol} {limit} {r.algo} "
                f"{clock(r.start_ns)}-{clock(r.end_ns)}, arrival mid {r.arrival_mid}")
    if isinstance(r, ev.ParentAmended):
        return ("parent", r.parent_id, f"amended: {r.quantity:,}, limit {r.limit_price}, end {clock(r.end_ns)}")
    if isinstance(r, ev.ParentTermsSet):
        return ("parent", r.parent_id, f"terms: limit {r.limit_price}, end {r.end_ns} ({r.reason})")
    if isinstance(r, ev.ParentCancelRequested | ev.ParentCanceled | ev.ParentExpired | ev.ParentPaused):
        return ("parent", r.parent_id, f"{_words(r, 'Parent')}: {r.reason}")
    if isinstance(r, ev.ParentResumed):
        return ("parent", r.parent_id, "resumed")
    if isinstance(r, ev.ChildSubmitted):
        price = "market" if r.price is None else str(r.price)
        return ("child", r.child_id, f"sent to {r.venue}: {r.ord_type.name} {r.tif.name} {r.side.name} "
                f"{r.quantity:,} at {price} (parent {r.parent_id})")
    if isinstance(r, ev.ChildAccepted):
        return ("ack", r.child_id, f"acknowledged by the venue ({r.venue_order_id})")
    if isinstance(r, ev.ChildRejected):
        return ("ack", r.child_id, f"rejected by the venue: {r.reason}")
    if isinstance(r, ev.ChildFilled):
        return ("fill", r.child_id, f"filled {r.quantity:,} at {r.price} on {r.venue} ({r.liquidity.name.lower()}, "
                f"fee {r.fee}, {r.fill_id})")
    if isinstance(r, ev.ChildFillBusted):
        return ("fill", r.child_id, f"execution {r.fill_id} busted by {r.venue} ({r.bust_id})"
                f"{': ' + r.text if r.text else ''}")
    if isinstance(r, ev.ChildCancelRequested | ev.ChildCanceled | ev.ChildCancelRejected | ev.ChildExpired
                  | ev.ChildReplaceRejected):
        return ("cancel", r.child_id, f"{_words(r, 'Child')}: {r.reason}")
    if isinstance(r, ev.ChildReplaceRequested | ev.ChildReplaced):
        return ("cancel", r.child_id, f"{_words(r, 'Child')}: {r.quantity:,} at {r.price}")
    if isinstance(r, ev.ChildStatusReported):
        return ("ack", r.child_id, f"status after restart from {r.venue}: known {r.known}, {r.status}, "
                f"{r.cum_qty:,} done {r.text}")
    if isinstance(r, ev.RiskBlocked):
        return ("risk", r.parent_id, f"blocked by {r.rule}: {r.reason}")
    if isinstance(r, ev.KillEngaged):
        return ("kill", "", f"kill switch engaged by {r.by}: {r.reason}")
    if isinstance(r, ev.KillReleased):
        return ("kill", "", f"kill switch released by {r.by}")
    if isinstance(r, ev.AlertRaised | ev.FillAnomaly | ev.ReportRefused | ev.IllegalTransition):
        return ("alert", str(getattr(r, "parent_id", "") or getattr(r, "order_id", "")), _alert(r))
    if isinstance(r, ev.AlertsAcknowledged):
        named = f"{len(r.keys):,} alert(s)" if r.keys else ""
        through = f"every alert up to {clock(r.through_ns)}" if r.through_ns else ""
        return ("alert", "", f"{' and '.join(filter(None, (named, through)))} acknowledged by {r.by}")
    if isinstance(r, ev.CommandRejected):
        return ("command", r.target, f"{r.command} refused: {r.reason}")
    if isinstance(r, cmd.Command):
        target = str(getattr(r, "parent_id", "") or getattr(r, "ticket_id", ""))
        fields = ", ".join(f"{k}={v}" for k, v in _fields(r) if k not in ("ts_ns", "parent_id", "ticket_id"))
        return ("kill" if isinstance(r, cmd.EngageKill | cmd.ReleaseKill) else "command", target,
                f"{type(r).__name__}({fields})")
    return None


def _words(record: Any, prefix: str) -> str:
    """`ChildCancelRequested` -> "cancel requested"."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", type(record).__name__.removeprefix(prefix)).lower()


def _alert(r: Any) -> str:
    if isinstance(r, ev.AlertRaised):
        return f"{r.severity} from {r.source}: {r.text}"
    return f"{type(r).__name__}: {getattr(r, 'detail', '') or getattr(r, 'reason', '')}"


def _fields(record: Any) -> list[tuple[str, Any]]:
    return [(name, getattr(record, name)) for name in getattr(record, "__slots__", ())]
