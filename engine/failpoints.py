"""Failpoints: kill the process at a named point, for crash tests on the real wiring.

`EMS_FAILPOINT=NAME:N` (environment) makes the N-th pass through `hit(NAME)` end the process with
SIGKILL — what `kill -9` does, but at the worst moment instead of a random one. `NAME:N@MARK` counts
only the passes after the first `hit(MARK)` (e.g. the first commit after an OMS order arrived), and
`NAME:N@MARK:M` those after the M-th (`ledger.before_commit:1@venue.fill:3`: the commit of the turn that
holds the third fill, whatever the rhythm of the turns before it). Unset, `hit` is one dictionary lookup.

Points: `ledger.before_commit` (a turn's rows written, COMMIT not yet), `ledger.after_commit`
(committed, nothing sent yet), `acceptor.before_write` (FIX bytes about to go on the wire),
`recovery.replaying` (every 1,000th journal record replayed), `initiator.before_write` (our FIX initiator's
committed bytes about to go to a venue), `fix.messages_waiting` (a turn of a FIX read committed and written,
more of the read's messages waiting for their turns); marks: `oms.new_order`, `venue.fill` (a venue's fill
about to be applied, in its turn), `venue.bust` (likewise a venue's trade bust), `fix_venue.submit` (a
NewOrderSingle about to be stored for a FIX venue).
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
    marks_left: int = 1  # passes through the mark that start the count


_ARMED: dict[str, _Armed] = {}
_MARKS: dict[str, list[_Armed]] = {}


def arm(spec: str) -> None:
    """Arm failpoints from a spec like `ledger.before_commit:1@oms.new_order,acceptor.before_write:3`."""
    for item in filter(None, (part.strip() for part in spec.split(","))):
        point, _, mark = item.partition("@")
        name, _, count = point.partition(":")
        after, _, marks = mark.partition(":")
        armed = _Armed(int(count or "1"), after, not after, int(marks or "1"))
        _ARMED[name] = armed
        if after:
            _MARKS.setdefault(after, []).append(armed)


def hit(name: str) -> None:
    """Count a pass through `name`; SIGKILL this process on the armed pass."""
    for waiting in _MARKS.get(name, ()):
        waiting.marks_left -= 1
        if waiting.marks_left <= 0:
            waiting.counting = True
    armed = _ARMED.get(name)
    if armed is None or not armed.counting:
        return
    if armed.left <= 1:
        os.kill(os.getpid(), signal.SIGKILL)
    armed.left -= 1


arm(os.environ.get("EMS_FAILPOINT", ""))
