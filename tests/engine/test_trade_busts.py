"""A venue busts (takes back) an execution it reported: the street side is undone and the trader decides.

The booked fill's shares come off the child, the parent and the firm's position; the fill stays in the day's
list marked busted; the parent is paused with an error alert that says what happened and what to do. The
tickets keep their allocations (the OMS was told; the desk stands behind them), so when the trader resumes
the parent, the fills that replace the busted shares are not allocated a second time. A bust that cannot
apply (an execution never booked, another child's, one busted already) is refused and changes nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from engine import events as ev
from engine.clock import NS_PER_S
from engine.engine import Engine
from engine.journal import Journal
from engine.model import ChildId, FillId, Liquidity, OrdStatus, ParentId, Side, Symbol, VenueId
from tests.engine.conftest import INSTRUMENTS, OPEN_NS
from tests.engine.scripted_venue import ScriptedVenue
from tests.engine.test_engine import only_child, submit

AAPL = Symbol("AAPL")


def journaled(engine: Engine, kind: type[ev.Event]) -> list[ev.Event]:
    return [r for r in engine.journal.replay() if isinstance(r, kind)]


def alerts(engine: Engine) -> list[ev.AlertRaised]:
    return [a for a in journaled(engine, ev.AlertRaised) if isinstance(a, ev.AlertRaised)]


def filled_then_busted(engine: Engine, venue: ScriptedVenue) -> tuple[ParentId, ChildId, int, int]:
    """A 1,000-share parent whose first child fills in two executions (E1, E2: its whole quantity); E2 is
    busted. Returns the parent, the child, E1's and E2's shares."""
    pid = submit(engine, 1000, account="PM1", end_ns=OPEN_NS + 300 * NS_PER_S)
    cid = only_child(venue)
    venue.ack(cid)
    quantity = venue.submitted[cid].quantity
    first, second = quantity // 3, quantity - quantity // 3
    venue.fill(cid, first, "100.00", fill_id="E1")
    venue.fill(cid, second, "100.01", fill_id="E2")
    assert engine.store.child(cid).status is OrdStatus.FILLED
    venue.bust(cid, "E2", "erroneous trade")
    return pid, cid, first, second


def test_a_bust_undoes_the_street_side_and_pauses_the_parent_with_what_to_do(
        engine: Engine, venue: ScriptedVenue) -> None:
    pid, cid, kept, busted = filled_then_busted(engine, venue)
    parent, child = engine.store.parent(pid), engine.store.child(cid)
    assert (parent.cum_qty, parent.avg_price) == (kept, 100)
    assert (child.cum_qty, child.avg_price) == (kept, 100)
    assert child.status is OrdStatus.FILLED and child.leaves_qty == 0  # a done order is not reopened
    assert engine.store.risk.instruments[AAPL].net == kept  # the firm holds what the street gave it
    assert engine.store.risk.instruments[AAPL].fees == engine.store.booked_fill("LIT1", "E1").fee  # type: ignore[union-attr]
    fills = {f.fill_id: f.busted for f in engine.store.fills()}
    assert fills == {"E1": False, "E2": True}
    assert parent.paused
    text = alerts(engine)[-1].text
    assert alerts(engine)[-1].severity == "error"
    for words in (f"LIT1 busted execution E2 ({busted} @ 100.01)", "erroneous trade", f"Filled now {kept} of 1,000",
                  "tickets keep their allocations", f"resume the parent to work the {busted} shares again"):
        assert words in text, text
    [ticket] = engine.ticket_ids(pid)
    assert engine.ticket(ticket).allocated == kept + busted  # type: ignore[union-attr]
    assert engine.store.risk.accounts[("PM1", AAPL)].net == kept + busted  # the account keeps its allocation
    [bust] = journaled(engine, ev.ChildFillBusted)
    assert isinstance(bust, ev.ChildFillBusted) and bust.fill_id == "E2"


def test_a_bust_that_cannot_apply_is_refused_and_changes_nothing(engine: Engine, venue: ScriptedVenue) -> None:
    pid = submit(engine, 1000)
    cid = only_child(venue)
    venue.ack(cid)
    venue.fill(cid, 10, "100.00", fill_id="E1")
    venue.bust(cid, "E9")  # never booked
    venue.bust(ChildId("C9999999"), "E1")  # an order this engine never sent
    venue.bust(cid, "E1")
    venue.bust(cid, "E1")  # a second bust of the same execution (a resend): shown, not an error
    assert alerts(engine)[-1].severity == "warning" and "busted already" in alerts(engine)[-1].text
    assert [a.severity for a in alerts(engine)].count("error") == 3  # two refusals and the bust itself
    refused = [r for r in journaled(engine, ev.ReportRefused) if isinstance(r, ev.ReportRefused)]
    assert len(refused) == 3, refused
    assert "no such execution is booked" in refused[0].reason
    assert "unknown to this engine" in refused[1].reason
    assert "busted already" in refused[2].reason
    assert engine.store.parent(pid).cum_qty == 0 and engine.store.risk.instruments[AAPL].net == 0
    venue.fill(cid, 10, "100.00", fill_id="E1")  # the original, resent: still a duplicate, not booked again
    assert engine.store.parent(pid).cum_qty == 0


def test_a_resumed_parent_works_the_busted_shares_again_and_no_ticket_gets_them_twice(
        engine: Engine, venue: ScriptedVenue) -> None:
    pid, _, kept, busted = filled_then_busted(engine, venue)
    assert engine.store.parent(pid).leaves_qty == 1000 - kept
    assert engine.resume(pid).ok
    [ticket] = engine.ticket_ids(pid)
    for _ in range(400):  # work the parent to its end: every child acknowledged and filled in full at once
        engine.clock.advance(1_000_000_000)
        for child_id in list(venue.submitted):
            child = engine.store.child(child_id)
            if child.status is OrdStatus.PENDING_NEW:
                venue.ack(child_id)
            if engine.store.child(child_id).status.is_live and child.leaves_qty:
                venue.fill(child_id, child.leaves_qty, str(child.price or "100.02"))  # at its own limit
        if engine.store.parent(pid).status.is_terminal:
            break
    parent = engine.store.parent(pid)
    assert parent.status is OrdStatus.FILLED and parent.cum_qty == 1000
    replaced = [a for a in alerts(engine) if "replace busted shares" in a.text]
    assert replaced and {a.severity for a in replaced} == {"info"}
    assert sum(int(a.text.split(": ")[1].split(" of ")[0].replace(",", "")) for a in replaced) == busted
    row = engine.ticket(ticket)
    assert row is not None and row.allocated == 1000  # the ticket got its 1,000, the busted shares once
    firm = engine.store.risk.instruments[AAPL].net
    assert firm == engine.store.risk.accounts[("PM1", AAPL)].net == 1000  # the street made the account whole
    assert not [a for a in alerts(engine) if "unallocated" in a.text]


def test_the_bust_comes_back_the_same_after_a_restart(
        engine: Engine, venue: ScriptedVenue, journal_path: Path) -> None:
    pid, cid, kept, _ = filled_then_busted(engine, venue)
    before = (engine.store.parent(pid), engine.store.child(cid), engine.store.fills(),
              engine.store.risk.instruments[AAPL].as_tuple())
    engine.close()
    for checkpointed in (False, True):
        restarted = ScriptedVenue("LIT1", engine.clock)
        fresh = Engine(clock=engine.clock, journal=Journal(journal_path), instruments=INSTRUMENTS, venues=[restarted])
        report = fresh.recover()
        assert report.from_checkpoint is checkpointed
        after = (fresh.store.parent(pid), fresh.store.child(cid), fresh.store.fills(),
                 fresh.store.risk.instruments[AAPL].as_tuple())
        assert after == before
        fresh.start()
        restarted.submitted[cid] = venue.submitted[cid]
        restarted.bust(cid, "E2")  # the venue's bust again (a resend): refused, not applied twice
        restarted.fill(cid, 5, "100.01", fill_id="E2")  # and the original execution stays a duplicate
        assert fresh.store.parent(pid).cum_qty == kept
        assert fresh.checkpoint() > 0
        fresh.close()


def test_tca_and_the_audit_trail_see_the_bust(engine: Engine, venue: ScriptedVenue, journal_path: Path) -> None:
    from engine.audit import audit_trail
    from engine.tca.journal_read import open_read_only, read_day

    pid, cid, kept, _ = filled_then_busted(engine, venue)
    with open_read_only(journal_path) as conn:
        for day in (read_day(conn), read_day(conn, parent_ids=[pid])):
            parent = day.parents[pid]
            assert [f.fill_id for f in parent.fills] == ["E1"] and parent.filled == kept
            assert [f.fill_id for f in parent.children[cid].fills] == ["E1"] and list(day.fills) == ["E1"]
            [ticket] = day.tickets.values()
            assert sum(a.quantity for a in ticket.allocations) == engine.store.child(cid).quantity  # they stand
    rows = [r for r in audit_trail(journal_path, parent_id=pid) if "busted" in r.text]
    assert rows and rows[0].category == "fill" and "execution E2 busted by LIT1" in rows[0].text


def test_a_bust_of_a_working_child_puts_its_shares_back_in_flight(engine: Engine, venue: ScriptedVenue) -> None:
    """Pre-trade checks count what is out at the venues: a child still working gets its busted shares back
    as leaves, in the store and in the risk engine's tally alike."""
    pid = submit(engine, 1000, account="PM1")
    cid = only_child(venue)
    venue.ack(cid)
    quantity = venue.submitted[cid].quantity
    in_flight = engine.risk.checks.exposure.working(AAPL).buy_qty
    assert in_flight == quantity
    venue.fill(cid, quantity - 1, "100.00", fill_id="E1")
    assert engine.risk.checks.exposure.working(AAPL).buy_qty == 1
    venue.bust(cid, "E1")
    child = engine.store.child(cid)
    assert child.status.is_live and child.leaves_qty == quantity and engine.store.parent(pid).working_qty == quantity
    assert engine.risk.checks.exposure.working(AAPL).buy_qty == quantity


def test_a_trade_correction_books_the_execution_again_and_no_ticket_gets_it_twice(
        engine: Engine, venue: ScriptedVenue) -> None:
    """A correction (FIX ExecType G) reaches the engine as the bust followed by the corrected execution (over
    FIX both in the socket read's turn): the street side takes the new price, the tickets keep what they were
    allocated, and the parent waits for the trader."""
    pid, cid, kept, busted = filled_then_busted(engine, venue)
    engine.on_order_event(ev.ChildFilled(engine.clock.now_ns(), FillId("E2-C"), cid, pid, VenueId("LIT1"), AAPL,
                                         Side.BUY, busted, Decimal("100.05"), Decimal(0), Liquidity.REMOVED))
    parent = engine.store.parent(pid)
    assert parent.cum_qty == kept + busted and parent.paused
    assert {f.fill_id: f.busted for f in engine.store.fills()} == {"E1": False, "E2": True, "E2-C": False}
    [ticket] = engine.ticket_ids(pid)
    assert engine.ticket(ticket).allocated == kept + busted  # type: ignore[union-attr]
    assert engine.store.risk.instruments[AAPL].net == engine.store.risk.accounts[("PM1", AAPL)].net
    assert [a for a in alerts(engine) if "replace busted shares" in a.text]

