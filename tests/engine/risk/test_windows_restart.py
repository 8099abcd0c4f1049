"""The throttles' sliding windows survive a restart: a ticket-rate limit already used up, and a ticket that
would duplicate one accepted just before the restart, are still refused after a clean restart (full replay
and checkpoint + tail) and after a kill -9, on the real engine (`Engine.recover` rewarms them from the
journal's last window span)."""

from __future__ import annotations

import os
from pathlib import Path

from engine.clock import NS_PER_S
from engine.risk.throttles import FIRM_KEY
from tests.engine.risk import harness
from tests.engine.risk.harness import Desk, control, killed_after, limits
from tests.engine.risk.test_ticket_controls import refused

CONFIG = limits(ticket_rate=control(firm=2, window_s=10), duplicate_order=control(window_s=60))


def first_day(path: Path) -> int:
    """Two tickets (the rate's limit), the third refused; returns the clock at the end."""
    d = Desk(path, CONFIG)
    assert d.ticket(100, limit="100.00").accepted
    assert d.ticket(200).accepted
    refused(d, d.ticket(300), "ticket_rate")
    now = d.clock.now_ns()
    d.close()
    return now


def restarted(path: Path, at_ns: int) -> Desk:
    return harness.restarted(path, CONFIG, at_ns)[0]


def still_throttled(d: Desk) -> None:
    refused(d, d.ticket(300), "ticket_rate", "3", "2")
    d.clock.run_until(d.clock.now_ns() + 10 * NS_PER_S)  # the rate's window has passed; the duplicate's has not
    refused(d, d.ticket(100, limit="100.00"), "duplicate_order", "60 s")
    assert d.ticket(300).accepted


def test_a_clean_restart_keeps_the_rate_and_the_duplicate_windows(tmp_path: Path) -> None:
    path = tmp_path / "day.db"
    end = first_day(path)
    d = restarted(path, end)
    still_throttled(d)
    assert d.engine.checkpoint() > 0
    d.close()
    again = Desk(path, CONFIG, start=False)  # from the checkpoint: the windows come from the journal's tail
    again.clock.run_until(end + 3 * NS_PER_S)
    assert again.engine.recover().from_checkpoint
    again.start()
    refused(again, again.ticket(100, limit="100.00"), "duplicate_order")
    again.close()


def test_a_kill_9_right_after_the_commit_keeps_them(tmp_path: Path) -> None:
    path = tmp_path / "killed.db"
    end = killed_after("tests.engine.risk.test_windows_restart:first_day_then_die", path)
    d = restarted(path, end)
    still_throttled(d)
    d.close()


def first_day_then_die(path: Path) -> None:
    """In a child process: the first day's tickets, then SIGKILL with the engine open (no clean close)."""
    import signal

    d = Desk(path, CONFIG)
    assert d.ticket(100, limit="100.00").accepted
    assert d.ticket(200).accepted
    os.kill(os.getpid(), signal.SIGKILL)


def test_journal_recent_reads_only_the_span_and_the_types_asked_for(tmp_path: Path) -> None:
    d = Desk(tmp_path / "j.db", limits())
    for k in range(30):
        assert d.ticket(100 + k).accepted
        d.clock.run_until(d.clock.now_ns() + NS_PER_S)
    journal = d.engine.journal
    start = d.clock.now_ns() - 10 * NS_PER_S
    recent = journal.recent(start, ("TicketAccepted",), 1000)
    assert [r.quantity for r in recent] == list(range(120, 130))
    assert all(type(r).__name__ == "TicketAccepted" for r in recent)
    assert [r.quantity for r in journal.recent(start, ("TicketAccepted",), 3)] == [127, 128, 129]  # the newest
    assert journal.recent(d.clock.now_ns() + 1, ("TicketAccepted",), 10) == []
    assert len(journal.recent(0, ("TicketAccepted",), 1000)) == 30
    d.close()


def test_the_storm_and_child_rate_windows_come_back_with_the_children_sent(tmp_path: Path) -> None:
    config = limits(message_storm=control(firm=100, window_s=10), child_rate=control(firm=100, window_s=10))
    path = tmp_path / "storm.db"
    d = Desk(path, config)
    pid = d.parent(3000)
    for price in ("99.97", "99.98", "99.99"):
        assert d.send(pid, 100, price)
    end = d.clock.now_ns()
    d.close()
    again = Desk(path, config, start=False)
    again.clock.run_until(end + NS_PER_S)
    again.engine.recover(reconcile=False)
    now = again.clock.now_ns()
    assert again.engine.risk.automatic.storm.count(FIRM_KEY, now) == 3
    assert again.engine.risk.checks.child_rate.count(FIRM_KEY, now) == 3
    again.clock.run_until(end + 10 * NS_PER_S)  # past the window: nothing left
    assert again.engine.risk.checks.child_rate.count(FIRM_KEY, again.clock.now_ns()) == 0
    again.close()
