"""Background checkpoints: a forked child writes the side file and keeps none of the parent's sockets.

Each test runs its own Python process (forking the test runner, with Qt loaded, is not what we test).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

from engine.checkpoint import recover_with_checkpoint
from engine.desk import TicketDesk
from engine.journal import Journal
from engine.model import Instrument, Symbol
from engine.store import OrderStore

SCRIPT = textwrap.dedent("""
    import json, os, socket, sys, time
    from decimal import Decimal
    from engine import background_checkpoints, checkpoint
    from engine.clock import VirtualClock
    from engine.desk import TicketDesk
    from engine.journal import Journal
    from engine.model import Instrument, Side, Symbol
    from engine.recovery import Counters
    from engine.store import OrderStore
    from engine import events as ev

    path, slow = sys.argv[1], sys.argv[2] == "slow"
    if slow:  # hold the child inside its write long enough to look at it
        real = checkpoint.write_checkpoint
        def write_slowly(*args, **kwargs):
            time.sleep(1.5)
            return real(*args, **kwargs)
        background_checkpoints.write_checkpoint = write_slowly
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    journal = Journal(path)
    store, desk = OrderStore(), TicketDesk({Symbol("AAPL"): Instrument(Symbol("AAPL"), Decimal("0.01"), 1)})
    event = ev.ParentAccepted(1, "P000001", "AAPL", Side.BUY, 100, None, "TWAP", 1, 2, None, ())
    store.apply(event)
    journal.append([event])
    checkpoints = background_checkpoints.BackgroundCheckpoints(journal, every_records=1)
    due = checkpoints.due()
    checkpoints.start(journal.last_seq(), store, desk, Counters(1, 1, 1, 0, 1, 0))
    child = checkpoints._child
    time.sleep(0.5)
    held = [os.readlink(f"/proc/{child}/fd/{fd}") for fd in os.listdir(f"/proc/{child}/fd")] if slow else []
    checkpoints.wait()
    print(json.dumps({"due": due, "sockets_in_child": [h for h in held if h.startswith("socket:")],
                      "failed": checkpoints.failed}))
""")


def run(tmp_path: Path, mode: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "journal.db"), mode], capture_output=True,
                         text=True, timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_a_forked_child_writes_a_checkpoint_the_next_start_restores(tmp_path: Path) -> None:
    result = run(tmp_path, "fast")
    assert result["due"] is True and result["failed"] == 0
    store, desk = OrderStore(), TicketDesk({Symbol("AAPL"): Instrument(Symbol("AAPL"), Decimal("0.01"), 1)})
    journal = Journal(tmp_path / "journal.db")
    outcome = recover_with_checkpoint(journal, store, desk, freeze=False)
    journal.close()
    assert outcome.checkpoint_seq == 1 and outcome.report.from_checkpoint and store.has_parent("P000001")
    assert (tmp_path / "journal.checkpoints.db").exists()


def test_the_child_keeps_none_of_the_parents_sockets(tmp_path: Path) -> None:
    result = run(tmp_path, "slow")
    assert result["sockets_in_child"] == [] and result["failed"] == 0
