"""Failpoints: kill the process at a named point, for crash tests on the real wiring.

`EMS_FAILPOINT=NAME:N` (environment) makes the N-th time the code passes `hit(NAME)` end the process
with SIGKILL — exactly what `kill -9` does, but at the worst moment instead of a random one. Unset,
`hit` is a dictionary lookup. Points in use: `ledger.before_commit` (rows written, COMMIT not yet),
`ledger.after_commit` (committed, nothing sent yet), `acceptor.before_write` (FIX bytes about to
go on the wire).
"""

from __future__ import annotations

import os
import signal

_ARMED: dict[str, int] = {}


def _load(spec: str) -> None:
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, count = item.partition(":")
        _ARMED[name] = int(count or "1")


def hit(name: str) -> None:
    """Count a pass through `name`; SIGKILL this process on the armed pass."""
    left = _ARMED.get(name)
    if left is None:
        return
    if left <= 1:
        os.kill(os.getpid(), signal.SIGKILL)
    _ARMED[name] = left - 1


_load(os.environ.get("EMS_FAILPOINT", ""))
