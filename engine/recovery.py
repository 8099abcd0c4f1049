"""Rebuilding order state from the journal after a restart."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from engine import failpoints
from engine.desk import TicketDesk
from engine.events import ChildSubmitted, Event, ParentAccepted
from engine.journal import Journal
from engine.store import OrderStore

_NUMBER = re.compile(r"(\d+)$")


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    records: int
    events: int
    parents: int
    children: int
    fills: int
    next_parent: int
    next_child: int
    from_checkpoint: bool = False


@dataclass(frozen=True, slots=True)
class Counters:
    """What replay counts up to a journal seq: records, events, parents and children (each ParentAccepted and
    ChildSubmitted replayed makes one), and the highest parent and child numbers."""

    records: int = 0
    events: int = 0
    last_parent: int = 0
    last_child: int = 0
    parents: int = 0
    children: int = 0

    def report(self, fills: int, *, from_checkpoint: bool = False) -> RecoveryReport:
        return RecoveryReport(self.records, self.events, self.parents, self.children, fills, self.last_parent + 1,
                              self.last_child + 1, from_checkpoint)


def apply_records(
    store: OrderStore, desk: TicketDesk, records: Iterator[Any], start: Counters,
    also: Callable[[Event], None] | None = None,
) -> tuple[Counters, int]:
    """The replay step: every event to the store, the desk and `also` (a flow that keeps state of its own),
    in order, counting on from `start`; returns the counters and how many records were applied. Commands
    are audit only: their effects are the events that follow them. Error events recorded live are
    reproduced, not re-raised."""
    events, last_parent, last_child = start.events, start.last_parent, start.last_child
    parents, children, applied = start.parents, start.children, 0
    for record in records:
        applied += 1
        if applied % 1000 == 0:
            failpoints.hit("recovery.replaying")
        if not isinstance(record, Event):
            continue
        events += 1
        store.apply(record)
        desk.replay(record)
        if also is not None:
            also(record)
        if isinstance(record, ParentAccepted):
            last_parent = max(last_parent, _number(record.parent_id))
            parents += 1
        elif isinstance(record, ChildSubmitted):
            last_child = max(last_child, _number(record.child_id))
            children += 1
    return Counters(start.records + applied, events, last_parent, last_child, parents, children), applied


def replay_into(
    store: OrderStore, journal: Journal, desk: TicketDesk, also: Callable[[Event], None] | None = None
) -> RecoveryReport:
    """Apply every journaled record to an empty store and desk (see `apply_records`)."""
    counters, _ = apply_records(store, desk, journal.replay(), Counters(), also)
    return counters.report(store.fill_count)


def _number(order_id: str) -> int:
    match = _NUMBER.search(order_id)
    return int(match.group(1)) if match else 0
