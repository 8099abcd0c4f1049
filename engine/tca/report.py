"""A TCA report as plain data: tables of formatted cells and chart series, for CSV, HTML and PDF alike.

Every number is formatted once, here, so the three exports show the same figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from engine.model import ParentId
from engine.tca import layout
from engine.tca.journal_read import DAY_NS, JournalDay, ParentRecord, open_read_only, read_day
from engine.tca.metrics import OrderTca, analyse
from engine.tca.model import TcaReport
from engine.tca.orders import day_bounds, parent_order, ticket_order
from engine.tca.tape import Tape, load_tapes

Progress = Callable[[int, int], None]
"""(orders done, orders in all): called as the report is built."""

CONVENTIONS = (
    "Sign convention: positive = better than the benchmark (bought below it, sold above it), in bps and money.",
    "bps = (benchmark - price) x side / benchmark x 10,000; side +1 buy, -1 sell.",
    "Implementation shortfall vs the arrival mid: delay + execution + opportunity + fees = total; each in bps of "
    "ordered quantity x arrival mid.",
)
SOURCES = (
    "Arrival: a parent's mid when the engine accepted it (journaled); a ticket's: the recorded tape's mid then.",
    "Interval VWAP, day VWAP, close, spread and markouts: the market tape the engine recorded (top of book and "
    "trades, sampled every 250 ms) in the journal's database; missing where the tape does not reach.",
    "Delay: the mid at the first child decision (journaled with the decision). Schedule: the algo's targets "
    "journaled at each decision, each increment priced at the market VWAP of its interval.",
)


class ReportError(ValueError):
    """The report cannot be built as asked (unknown parent, no orders that day ...); the message says why."""


def parse_date(text: str) -> int:
    """The start (ns) of a YYYY-MM-DD trading day."""
    if len(text) != 10:
        raise ReportError(f"--date must be YYYY-MM-DD, got {text[:40]!r}")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ReportError(f"--date must be YYYY-MM-DD, got {text!r}") from None
    return (day - dt.date(1970, 1, 1)).days * DAY_NS


def build_report(
    journal: str | Path, *, parent_ids: Sequence[str] = (), date: str | None = None, progress: Progress | None = None,
) -> TcaReport:
    """TCA of the given parents (or every parent accepted on `date`, or every parent in the journal) and their
    tickets, from a journal file read read-only."""
    day_start = parse_date(date) if date is not None else None
    with open_read_only(journal) as conn:
        day = read_day(conn, parent_ids=parent_ids, start_ns=day_start,
                       end_ns=None if day_start is None else day_start + DAY_NS - 1)
        parents = _select(day, parent_ids, date)
        tickets = [day.tickets[t] for p in parents for t in p.ticket_ids if t in day.tickets]
        tickets = list({t.ticket_id: t for t in tickets}.values())
        bounds = {day_bounds(p.accepted.ts_ns) for p in parents}
        tapes: dict[tuple[int, str], Tape] = {}
        for start, end in sorted(bounds):
            symbols = sorted({p.accepted.symbol for p in parents if day_bounds(p.accepted.ts_ns)[0] == start})
            for symbol, tape in load_tapes(conn, symbols, start, end).items():
                tapes[(start, symbol)] = tape
    total = len(parents) + len(tickets)
    results: list[tuple[OrderTca, Tape | None]] = []
    for done, record in enumerate(parents, start=1):
        start, end = day_bounds(record.accepted.ts_ns)
        parent_tape = tapes.get((start, record.accepted.symbol))
        results.append((analyse(parent_order(record, day.end_ns, parent_tape), parent_tape, start, end), parent_tape))
        if progress is not None:
            progress(done, total)
    for done, ticket in enumerate(tickets, start=len(parents) + 1):
        start, end = day_bounds(ticket.accepted.ts_ns)
        ticket_tape = tapes.get((start, ticket.accepted.symbol))
        results.append((analyse(ticket_order(ticket, day, ticket_tape), ticket_tape, start, end), ticket_tape))
        if progress is not None:
            progress(done, total)
    scope = _scope(parent_ids, date, len(parents), len(tickets))
    if not any(tape for _, tape in results):
        scope += " — no market tape in this journal: VWAP, close, spread and markout figures are missing"
    summary = layout.summary_tables([r for r, _ in results])
    sections = tuple(layout.section(tca, tape) for tca, tape in results)
    return TcaReport("Transaction cost analysis", scope, CONVENTIONS, SOURCES, summary, sections)


def _select(day: JournalDay, parent_ids: Sequence[str], date: str | None) -> list[ParentRecord]:
    if parent_ids:
        unknown = [p for p in parent_ids if p not in day.parents]
        if unknown:
            raise ReportError(f"no parent {', '.join(unknown[:5])} in this journal")
        return [day.parents[ParentId(p)] for p in dict.fromkeys(parent_ids)]
    parents = list(day.parents.values())
    if date is not None:
        start = parse_date(date)
        parents = [p for p in parents if start <= p.accepted.ts_ns < start + DAY_NS]
        if not parents:
            raise ReportError(f"no parent was accepted on {date} in this journal")
    if not parents:
        raise ReportError("this journal holds no parent order")
    return parents


def _scope(parent_ids: Sequence[str], date: str | None, parents: int, tickets: int) -> str:
    what = f"parent {', '.join(parent_ids)}" if parent_ids else (f"every parent of {date}" if date else
                                                                 "every parent in the journal")
    return f"{what}: {parents} parent(s), {tickets} ticket(s)"


