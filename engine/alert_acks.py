"""Acknowledging alerts: the trader's acknowledgements are journaled (`AlertsAcknowledged`), so the alerts
panel recalled after a restart shows what was already seen as seen. The engine keeps no state for them; it
checks that the command is bounded and records it in a turn of its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from engine import events as ev
from engine.results import CommandResult
from engine.turns import Turns

MAX_KEYS = 10_000
"""At most this many alerts named in one acknowledgement (the panel holds 5,000)."""
MAX_KEY = 64
"""An alert's key is short (the panel's: time and a checksum); longer is refused unread."""
MAX_BY = 80
COMMAND = "AcknowledgeAlerts"


def acknowledge(uow: Turns, now_ns: Callable[[], int], keys: Sequence[str], through_ns: int, by: str) -> CommandResult:
    """Journal one acknowledgement, or refuse it (journaled too) naming what was wrong."""
    problem = _problem(keys, through_ns, by)
    with uow.turn():
        if problem:
            return uow.refuse(COMMAND, "", problem)
        uow.emit(ev.AlertsAcknowledged(now_ns(), by, through_ns, tuple(keys)))
        return CommandResult(True)


def _problem(keys: Sequence[str], through_ns: int, by: str) -> str:
    if len(keys) > MAX_KEYS:
        return f"{len(keys):,} alerts in one acknowledgement (at most {MAX_KEYS:,})"
    for key in keys:
        if not isinstance(key, str) or not key or len(key) > MAX_KEY:
            return f"alert key {str(key)[:MAX_KEY]!r} is not a key (1 to {MAX_KEY} characters)"
    if isinstance(through_ns, bool) or not isinstance(through_ns, int) or through_ns < 0:
        return f"through_ns {through_ns!r} is not a time (ns since the epoch, 0 for none)"
    if not keys and not through_ns:
        return "nothing to acknowledge (no alert named, no time given)"
    if not isinstance(by, str) or not by.strip() or len(by) > MAX_BY:
        return f"user {str(by)[:MAX_BY]!r} is not a user name (1 to {MAX_BY} characters)"
    return ""
