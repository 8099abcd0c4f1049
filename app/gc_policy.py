"""How the EMS process uses Python's garbage collector (one policy for every `ems` command).

The engine's state is acyclic by design (frozen dataclasses, tuples, typed ids) and only grows
during a day: a million tickets with their blocks and fills are millions of long-lived objects.
CPython runs a full collection once 10 middle-generation collections have happened *and* the
objects promoted since the last full one exceed a quarter of the old generation; while the book
grows that is a walk of the whole heap at every 25% of growth, each one a pause of the event loop
that the blotters and the FIX sessions share (4 such walks, ~170 ms each, in `bench.tickets`'s
million-ticket run) and each finding nothing to free.

The policy keeps the young and middle generations at CPython's defaults, so short-lived cycles
(asyncio futures holding exceptions, Qt wrappers) are collected as promptly as before, and lets the
oldest generation wait for 1,000 middle collections (about 7 million net allocations) instead of
10. Long-lived cycles are still collected, just rarely. `app.gui` also freezes what startup built.
"""

from __future__ import annotations

import gc

THRESHOLDS = (700, 10, 1_000)
"""`gc.set_threshold` arguments: young, middle (CPython's defaults) and oldest generation."""


def apply_gc_policy() -> tuple[int, int, int]:
    """Set the collector's thresholds for this process; returns the previous ones."""
    previous = gc.get_threshold()
    gc.set_threshold(*THRESHOLDS)
    return previous
