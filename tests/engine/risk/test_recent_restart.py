"""The risk panel's recent decisions (blocks, warnings, kills, state and limit changes) survive a restart: a
clean one (full replay, and checkpoint + tail) and a kill -9 right after a kill's commit, on the real engine
(`Engine.recover` reads them back from the journal's newest records). Before, a restart left the list empty
while the day's kills and blocks stood."""

from __future__ import annotations

import os
from pathlib import Path

from engine import events as ev
from engine.risk.checks import Decision
from tests.engine.risk import harness
from tests.engine.risk.harness import Desk, control, killed_after, limits
from tests.engine.risk.test_ticket_controls import refused

CONFIG = limits(ticket_rate=control(firm=2, window_s=10), max_child_qty=control("soft", 100))
S = ev.RiskScope


def a_day_of_decisions(d: Desk) -> None:
    """A warning (a soft child limit), a block (the ticket rate), a REDUCING state, a limit edit and a kill."""
    first = d.ticket(100)
    assert first.accepted and first.parent_id is not None and d.ticket(200).accepted
    assert d.send(first.parent_id, 150, "100.00")  # past the soft 100: sent with a warning
    refused(d, d.ticket(300), "ticket_rate")
    assert d.engine.set_trading_state(S.INSTRUMENT, "MSFT", ev.TradingState.REDUCING, "position", by="alice").ok
    assert d.engine.set_limit("max_order_qty", "firm", "", None, mode="soft", by="alice", reason="wider").ok
    assert d.engine.kill("stop AAPL", by="alice", scope=S.INSTRUMENT, key="AAPL").ok


def listed(d: Desk) -> list[tuple[str, str, str]]:
    return [(x.kind, x.target, x.rule) for x in d.engine.risk_snapshot().recent]


def restarted(path: Path, after_ns: int, *, from_checkpoint: bool = False) -> Desk:
    d, report = harness.restarted(path, CONFIG, after_ns)
    assert report.from_checkpoint is from_checkpoint
    return d


def test_a_clean_restart_lists_the_same_decisions(tmp_path: Path) -> None:
    path = tmp_path / "day.db"
    d = Desk(path, CONFIG)
    a_day_of_decisions(d)
    before = d.engine.risk_snapshot().recent
    assert [x.kind for x in before] == ["warn", "block", "state", "limit", "state", "kill"]
    end = d.clock.now_ns()
    d.close()
    again = restarted(path, end)
    assert again.engine.risk_snapshot().recent == before
    assert again.engine.checkpoint() > 0
    end = again.clock.now_ns()
    again.close()
    third = restarted(path, end, from_checkpoint=True)
    assert third.engine.risk_snapshot().recent == before
    refused(third, third.ticket(100, symbol="AAPL"), "halted")  # and the kill itself still stands
    assert listed(third)[-1][0] == "block"  # new decisions go on after the recalled ones
    third.close()


def test_a_kill_9_right_after_a_kill_keeps_it_listed(tmp_path: Path) -> None:
    path = tmp_path / "killed.db"
    end = killed_after("tests.engine.risk.test_recent_restart:decide_then_die", path)
    d = restarted(path, end)
    assert [kind for kind, _, _ in listed(d)] == ["warn", "block", "state", "limit", "state", "kill"]
    assert listed(d)[-1] == ("kill", "instrument AAPL", "kill")
    d.close()


def decide_then_die(path: Path) -> None:
    """In a child process: the day's decisions, then SIGKILL with the engine open (no clean close)."""
    import signal

    d = Desk(path, CONFIG)
    a_day_of_decisions(d)
    os.kill(os.getpid(), signal.SIGKILL)


def test_journal_latest_reads_only_the_last_records_and_returns_the_newest_oldest_first(tmp_path: Path) -> None:
    d = Desk(tmp_path / "j.db", limits())
    for k in range(30):
        assert d.ticket(100 + k).accepted
    journal = d.engine.journal
    last = journal.last_seq()
    everything = journal.latest(("TicketAccepted",), 1000, last)
    assert [r.quantity for r in everything] == list(range(100, 130))
    assert [r.quantity for r in journal.latest(("TicketAccepted",), 3, last)] == [127, 128, 129]
    within = [r for r in journal.replay(last - 20) if type(r).__name__ == "TicketAccepted"]
    assert journal.latest(("TicketAccepted",), 1000, 20) == within and 0 < len(within) < 30
    assert journal.latest(("TicketAccepted",), 0, last) == journal.latest((), 10, last) == []
    d.close()


def test_recall_keeps_only_decisions_and_replaces_the_list(tmp_path: Path) -> None:
    d = Desk(tmp_path / "r.db", CONFIG)
    a_day_of_decisions(d)
    checks = d.engine.risk.checks
    records = [r for r in d.engine.journal.replay() if isinstance(r, ev.Event)]
    assert checks.recall(records) == 6  # every other event of the day is left out
    assert checks.recall(records) == 6  # not appended twice
    assert all(isinstance(x, Decision) for x in checks.recent)
    d.close()
