"""Failpoints: kill the process at a named point, for crash tests on the real wiring.

`EMS_FAILPOINT=NAME:N` (environment) makes the N-th pass through `hit(NAME)` end the process with
SIGKILL — what `kill -9` does, but at the worst moment instead of a random one. `NAME:N@MARK` counts
only the passes after the first `hit(MARK)` (e.g. the first commit after an OMS order arrived).
Unset, `hit` is one dictionary lookup.

Points: `ledger.before_commit` (a turn's rows written, COMMIT not yet), `ledger.after_commit`
(committed, nothing sent yet), `acceptor.before_write` (FIX bytes about to go on the wire),
`recovery.replaying` (every 1,000th journal record replayed); marks: `oms.new_order`.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass


@dataclass(slots=True)
class _Armed:
    left: int
    after: str  # "" or the mark that starts the count
    counting: bool


_ARMED: dict[str, _Armed] = {}
_MARKS: dict[str, list[_Armed]] = {}


def arm(spec: str) -> None:
    """Arm failpoints from a spec like `ledger.before_commit:1@oms.new_order,acceptor.before_write:3`."""
    for item in filter(None, (part.strip() for part in spec.split(","))):
        point, _, after = item.partition("@")
        name, _, count = point.partition(":")
        armed = _Armed(int(count or "1"), after, not after)
        _ARMED[name] = armed
        if after:
            _MARKS.setdefault(after, []).append(armed)


def hit(name: str) -> None:
    """Count a pass through `name`; SIGKILL this process on the armed pass."""
    for waiting in _MARKS.get(name, ()):
        waiting.counting = True
    armed = _ARMED.get(name)
    if armed is None or not armed.counting:
        return
    if armed.left <= 1:
        os.kill(os.getpid(), signal.SIGKILL)
    armed.left -= 1


arm(os.environ.get("EMS_FAILPOINT", ""))
