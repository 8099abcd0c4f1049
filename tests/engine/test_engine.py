"""The engine facade: tickets, journaling before publishing, kill switch, races, recovery."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

from engine import events as ev
from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.journal import Journal
from engine.model import ChildId, OrdStatus, ParentId, Side
from tests.engine.conftest import INSTRUMENTS, OPEN_NS
from tests.engine.scripted_venue import ScriptedVenue

HOUR = 3600 * NS_PER_S


def submit(engine: Engine, qty: int = 1000, **kw: object) -> ParentId:
    args: dict[str, object] = {"symbol": "AAPL", "side": Side.BUY, "quantity": qty, "limit_price": None,
                               "algo": "TWAP", "end_ns": OPEN_NS + HOUR}
    args.update(kw)
    result = engine.submit_ticket(**args)  # type: ignore[arg-type]
    assert result.accepted, result.reason
    assert result.parent_id is not None
    return result.parent_id


def only_child(venue: ScriptedVenue) -> ChildId:
    assert len(venue.submitted) == 1, venue.submitted
    return next(iter(venue.submitted))


def test_accepted_ticket_starts_twap_with_a_passive_child_at_the_touch(engine: Engine, venue: ScriptedVenue) -> None:
    pid = submit(engine)
    order = venue.submitted[only_child(venue)]
    assert order.parent_id == pid and order.price == Decimal("100.00") and order.quantity > 0
    parent = engine.store.parent(pid)
    assert parent.status is OrdStatus.NEW and parent.arrival_mid == Decimal("100.01")


def test_bad_tickets_are_rejected_with_the_field_and_reason(engine: Engine) -> None:
    cases = [
        ({"quantity": 0}, "quantity", "positive"),
        ({"quantity": 150, "symbol": "LOTS"}, "quantity", "lot size 100"),
        ({"limit_price": Decimal("100.005")}, "limit", "tick"),
        ({"symbol": "NOPE"}, "symbol", "unknown symbol"),
        ({"end_ns": OPEN_NS - 1}, "end", "past"),
        ({"algo": "MAGIC"}, "algo", "unknown algo"),
        ({"params": {"slice_seconds": "abc"}}, "params", "Slice"),
    ]
    for overrides, field, words in cases:
        args: dict[str, object] = {"symbol": "AAPL", "side": Side.BUY, "quantity": 100, "limit_price": None,
                                   "algo": "TWAP", "end_ns": OPEN_NS + HOUR}
        args.update(overrides)
        result = engine.submit_ticket(**args)  # type: ignore[arg-type]
        assert not result.accepted and result.field == field and words in result.reason, (overrides, result)
    assert engine.store.parents() == []


def test_events_are_journaled_before_subscribers_see_them(engine: Engine, journal_path: Path) -> None:
    seen: list[tuple[str, int]] = []

    def count_rows(event: ev.Event) -> None:
        with sqlite3.connect(journal_path) as db:
            rows = db.execute("SELECT COUNT(*) FROM journal WHERE type = ?", (type(event).__name__,)).fetchone()[0]
        seen.append((type(event).__name__, rows))

    engine.subscribe(count_rows)
    submit(engine)
    journaled = [(name, rows) for name, rows in seen if name in ("ParentAccepted", "ChildSubmitted")]
    assert journaled and all(rows >= 1 for _, rows in journaled)


def test_kill_cancels_every_working_child_and_blocks_new_parents(engine: Engine, venue: ScriptedVenue) -> None:
    first, second = submit(engine), submit(engine, qty=500, end_ns=OPEN_NS + 2 * HOUR)  # two mandates, two parents
    working = list(venue.submitted)
    assert len(working) == 2
    assert engine.kill("test").ok
    assert sorted(venue.cancels) == sorted(working)
    rejected = engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=100, limit_price=None, algo="TWAP",
                                    end_ns=OPEN_NS + HOUR)
    assert not rejected.accepted and "kill" in rejected.reason
    for cid in working:
        venue.canceled(cid)
    assert engine.snapshot().kill_engaged
    assert all(engine.store.parent(p).paused for p in (first, second))
    assert not engine.resume(first).ok  # still killed
    assert engine.reenable().ok and not engine.snapshot().kill_engaged
    assert engine.store.parent(first).paused  # re-enable resumes nothing by itself
    assert engine.resume(first).ok and not engine.store.parent(first).paused


def test_fill_racing_a_parent_cancel_is_kept_and_the_parent_ends_canceled(engine: Engine, venue: ScriptedVenue) -> None:
    pid = submit(engine)
    cid = only_child(venue)
    venue.ack(cid)
    assert engine.cancel(pid).ok
    assert engine.store.parent(pid).status is OrdStatus.PENDING_CANCEL
    venue.fill(cid, 10, "100.00")  # the fill crossed our cancel on the wire
    assert engine.store.child(cid).status is OrdStatus.PENDING_CANCEL
    venue.canceled(cid)
    parent = engine.store.parent(pid)
    assert parent.status is OrdStatus.CANCELED and parent.cum_qty == 10


def test_too_late_to_cancel_after_the_child_filled(engine: Engine, venue: ScriptedVenue) -> None:
    pid = submit(engine, qty=100, params={"slice_seconds": "3600"})
    cid = only_child(venue)
    child_qty = venue.submitted[cid].quantity
    venue.ack(cid)
    engine.cancel(pid)
    venue.fill(cid, child_qty, "100.00")
    venue.cancel_rejected(cid)
    assert engine.store.child(cid).status is OrdStatus.FILLED


def test_refused_reports_are_journaled_as_refused_alert_the_trader_and_go_no_further(
    engine: Engine, venue: ScriptedVenue
) -> None:
    seen: list[ev.Event] = []
    engine.subscribe(seen.append)
    pid = submit(engine)
    cid = only_child(venue)
    venue.ack(cid)
    venue.fill(cid, 5, "100.00", fill_id="F-1")
    allocations = sum(isinstance(e, ev.TicketsAllocated) for e in seen)
    venue.fill(cid, 5, "100.00", fill_id="F-1")  # the same execution again (a resend)
    assert engine.store.child(cid).cum_qty == 5
    assert sum(isinstance(e, ev.TicketsAllocated) for e in seen) == allocations  # nothing allocated twice
    assert not any(isinstance(e, ev.ChildFilled) for e in seen[-3:])  # subscribers never saw the duplicate
    duplicate_alert = [e for e in seen if isinstance(e, ev.AlertRaised)][-1]
    assert duplicate_alert.severity == "warning" and "duplicate fill F-1 from LIT1" in duplicate_alert.text
    assert not engine.store.parent(pid).paused  # a resent execution is harmless
    venue.ack(cid)  # a second ack: a state the order cannot take
    refused = [e for e in seen if isinstance(e, ev.ReportRefused)]
    assert [(r.report_type, r.order_id) for r in refused] == [("ChildFilled", cid), ("ChildAccepted", cid)]
    assert "ACCEPTED is not allowed" in refused[1].reason
    alert = [e for e in seen if isinstance(e, ev.AlertRaised)][-1]
    assert alert.severity == "error" and alert.parent_id == pid and "ChildAccepted refused" in alert.text
    assert engine.store.parent(pid).paused  # the trader decides what next
    journaled = [type(r).__name__ for r in engine.journal.replay()]
    assert journaled.count("ChildFilled") == 1 and journaled.count("ReportRefused") == 2


def test_amend_below_filled_is_refused_and_valid_amend_applies(engine: Engine, venue: ScriptedVenue) -> None:
    pid = submit(engine)
    cid = only_child(venue)
    venue.ack(cid)
    venue.fill(cid, 10, "100.00")
    refused = engine.amend(pid, quantity=5)
    assert not refused.ok and "already filled" in refused.reason
    assert engine.amend(pid, quantity=2000, limit_price=Decimal("101.00")).ok
    parent = engine.store.parent(pid)
    assert parent.quantity == 2000 and parent.limit_price == Decimal("101.00")


def test_journal_replay_rebuilds_the_same_state(
    engine: Engine, venue: ScriptedVenue, clock: VirtualClock, journal_path: Path
) -> None:
    a, _ = submit(engine), submit(engine, qty=300, side=Side.SELL)
    cid = next(c for c, o in venue.submitted.items() if o.parent_id == a)
    venue.ack(cid)
    venue.fill(cid, 7, "100.00")
    clock.advance(5 * NS_PER_S)
    engine.cancel(a)
    engine.kill("end of test")
    live = engine.snapshot()

    fresh = Engine(clock=clock, journal=Journal(journal_path), instruments=INSTRUMENTS,
                   venues=[ScriptedVenue("LIT1", clock)])
    report = fresh.recover(reconcile=False)
    rebuilt = fresh.snapshot()
    assert report.parents == 2 and report.fills == 1
    assert rebuilt.parents == live.parents
    assert rebuilt.children == live.children
    assert rebuilt.fills == live.fills
    assert rebuilt.kill_engaged
    fresh.close()


def test_recovery_reconciles_lost_children_and_pauses_parents(
    engine: Engine, venue: ScriptedVenue, clock: VirtualClock, journal_path: Path
) -> None:
    pid = submit(engine)
    cid = only_child(venue)
    venue.ack(cid)
    restarted = ScriptedVenue("LIT1", clock)
    fresh = Engine(clock=clock, journal=Journal(journal_path), instruments=INSTRUMENTS, venues=[restarted])
    fresh.recover()
    assert fresh.store.live_child_ids() == [cid]  # nothing is closed on a guess
    assert fresh.store.parent(pid).paused
    fresh.start()
    assert restarted.status_requests == [cid]  # the venue is asked
    restarted.status(cid, known=False, text="unknown order")
    assert fresh.store.live_child_ids() == []
    assert "does not know the order" in fresh.store.child(cid).text
    # new ids continue after the recovered ones
    result = fresh.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=100, limit_price=None, algo="TWAP",
                                 end_ns=OPEN_NS + 2 * HOUR)
    assert (result.parent_id, result.ticket_id) == ("P000002", "T000002")
    fresh.close()
