"""A venue's execution is a fact: it is booked once (deduplicated by venue and execution id), never refused
for bookkeeping, and what does not fit the books is shown to the trader with the parent paused."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from engine import events as ev
from engine.engine import Engine
from engine.journal import Journal
from engine.model import ChildId, FillId, Liquidity, OrdStatus, VenueId
from tests.engine.conftest import INSTRUMENTS
from tests.engine.scripted_venue import ScriptedVenue
from tests.engine.test_engine import only_child, submit


def _journaled(engine: Engine, kind: type[ev.Event]) -> list[ev.Event]:
    return [r for r in engine.journal.replay() if isinstance(r, kind)]


def test_a_fill_past_the_childs_leaves_is_booked_alerted_and_pauses_the_parent(
    engine: Engine, venue: ScriptedVenue
) -> None:
    pid = submit(engine, 1000)
    cid = only_child(venue)
    venue.ack(cid)
    child_qty = engine.store.child(cid).quantity
    venue.fill(cid, child_qty + 7, "100.00")  # the venue over-filled our order
    child = engine.store.child(cid)
    assert child.cum_qty == child_qty + 7 and child.status is OrdStatus.FILLED
    assert engine.store.parent(pid).cum_qty == child_qty + 7
    [anomaly] = _journaled(engine, ev.FillAnomaly)
    assert isinstance(anomaly, ev.FillAnomaly) and "overfill" in anomaly.detail and anomaly.parent_id == pid
    alerts = [a for a in _journaled(engine, ev.AlertRaised) if isinstance(a, ev.AlertRaised)]
    assert alerts and alerts[-1].severity == "error" and alerts[-1].parent_id == pid
    assert engine.store.parent(pid).paused
    assert sum(a.quantity for a in _journaled(engine, ev.TicketsAllocated)  # type: ignore[attr-defined]
               ) == child_qty + 7  # allocated like any fill: the tickets have room


def test_a_fill_after_the_venue_confirmed_a_cancel_is_still_booked(engine: Engine, venue: ScriptedVenue) -> None:
    pid = submit(engine, 1000)
    cid = only_child(venue)
    venue.ack(cid)
    engine.pause(pid)
    venue.canceled(cid)
    assert engine.store.child(cid).status is OrdStatus.CANCELED
    venue.fill(cid, 5, "100.00")  # out of order: the execution happened before the cancel
    assert engine.store.child(cid).cum_qty == 5 and engine.store.parent(pid).cum_qty == 5
    [anomaly] = _journaled(engine, ev.FillAnomaly)
    assert isinstance(anomaly, ev.FillAnomaly) and "while CANCELED" in anomaly.detail
    assert not _journaled(engine, ev.ReportRefused)


def test_execution_ids_are_unique_per_venue_not_across_venues(engine: Engine, venue: ScriptedVenue) -> None:
    submit(engine, 1000)
    cid = only_child(venue)
    venue.ack(cid)
    venue.fill(cid, 5, "100.00", fill_id="X-1")
    order = venue.submitted[cid]
    engine.on_order_event(ev.ChildFilled(engine.clock.now_ns(), FillId("X-1"), cid, order.parent_id, VenueId("LIT2"),
                                         order.symbol, order.side, 5, Decimal("100.00"), Decimal(0),
                                         Liquidity.REMOVED))
    assert engine.store.child(cid).cum_qty == 10  # the same id from another venue is another execution
    venue.fill(cid, 5, "100.00", fill_id="X-1")  # the same venue's id again is a resend
    assert engine.store.child(cid).cum_qty == 10


def test_a_fill_resent_after_a_restart_is_recognized_from_the_journal(
    engine: Engine, venue: ScriptedVenue, journal_path: Path
) -> None:
    submit(engine, 1000)
    cid = only_child(venue)
    venue.ack(cid)
    venue.fill(cid, 5, "100.00", fill_id="LIT1-F9")
    engine.close()
    restarted = ScriptedVenue("LIT1", engine.clock)
    fresh = Engine(clock=engine.clock, journal=Journal(journal_path), instruments=INSTRUMENTS, venues=[restarted])
    fresh.recover()
    fresh.start()
    restarted.submitted[ChildId(cid)] = venue.submitted[cid]
    restarted.fill(cid, 5, "100.00", fill_id="LIT1-F9")  # the venue tells us again what it executed
    restarted.status(cid, known=True, status=OrdStatus.PARTIALLY_FILLED, cum_qty=5)
    assert fresh.store.child(cid).cum_qty == 5
    allocated = [r for r in fresh.journal.replay() if isinstance(r, ev.TicketsAllocated)]
    assert sum(a.quantity for a in allocated) == 5  # allocated once, across the restart
    assert fresh.store.child(cid).status.is_live  # the venue still works it: not closed on a guess
    fresh.close()


def test_a_status_report_about_an_order_never_sent_is_shown_not_raised(engine: Engine, venue: ScriptedVenue) -> None:
    venue.status(ChildId("C9999999"), known=True, status=OrdStatus.NEW)
    alerts = [a for a in _journaled(engine, ev.AlertRaised) if isinstance(a, ev.AlertRaised)]
    assert alerts and "never sent: C9999999" in alerts[-1].text
