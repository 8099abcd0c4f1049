"""Rebuilding order state from the journal after a restart."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

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


def replay_into(
    store: OrderStore, journal: Journal, desk: TicketDesk, also: Callable[[Event], None] | None = None
) -> RecoveryReport:
    """Apply every journaled event to an empty store, in order (and to `also`, a flow that keeps state of
    its own). Commands are audit only: their effects are the events that follow them. Error events
    recorded live are reproduced, not re-raised."""
    records = events = 0
    max_parent = max_child = 0
    for record in journal.replay():
        records += 1
        if records % 1000 == 0:
            failpoints.hit("recovery.replaying")
        if not isinstance(record, Event):
            continue
        events += 1
        store.apply(record)
        desk.replay(record)
        if also is not None:
            also(record)
        if isinstance(record, ParentAccepted):
            max_parent = max(max_parent, _number(record.parent_id))
        elif isinstance(record, ChildSubmitted):
            max_child = max(max_child, _number(record.child_id))
    return RecoveryReport(
        records, events, len(store.parents()), len(store.children()), len(store.fills()), max_parent + 1,
        max_child + 1,
    )


def _number(order_id: str) -> int:
    match = _NUMBER.search(order_id)
    return int(match.group(1)) if match else 0
