"""Interop: our FixVenue (FIX initiator) against a QuickFIX acceptor playing a venue (tests/interop/qf_venue.py).

Each case ends with our view of an order (status, filled) equal to QuickFIX's order book.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from engine import events as ev
from engine.fix.store import SessionStore
from engine.model import OrdStatus
from tests.interop.qf_venue_runner import QuickFixVenue, Recorder, child, fix_venue, free_port, until

pytestmark = pytest.mark.interop


class Rig:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.qf = QuickFixVenue(tmp_path / "qf", free_port())
        self.recorder = Recorder()
        self.venue = fix_venue(self.qf.port, tmp_path / "ems.db")

    async def connect(self) -> None:
        self.venue.connect(self.recorder)
        await until(lambda: self.venue.logged_on, 5.0, "logon")

    def submit(self, order: ev.ChildSubmitted) -> None:
        self.recorder.ordered[order.child_id] = order.quantity
        self.venue.submit(order)

    async def same_as_quickfix(self, child_id: str) -> tuple[str, int]:
        state = (await self.qf.state())[child_id]
        ours = self.recorder.summary(child_id)
        assert ours == (state["status"], state["cum"]), (ours, state, self.recorder.of(child_id))
        return ours


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    rig = Rig(tmp_path)
    await rig.qf.start()
    await rig.connect()
    yield rig
    await rig.venue.aclose()
    await rig.qf.stop()


async def test_fill_partial_then_cancel_reject_and_cancel_reject(rig: Rig) -> None:
    rec = rig.recorder
    rig.submit(child("C1", "FILL", 300))
    rig.submit(child("C2", "PART", 400))
    rig.submit(child("C3", "REJ", 100))
    await until(lambda: rec.of("C1", ev.ChildFilled) and rec.of("C2", ev.ChildFilled) and rec.of("C3"))
    [fill] = rec.of("C1", ev.ChildFilled)
    assert isinstance(fill, ev.ChildFilled)
    assert (fill.quantity, fill.price, fill.fee, fill.parent_id) == (300, Decimal("10.00"), Decimal("0.30"), "P1")
    assert isinstance(rec.of("C1")[0], ev.ChildAccepted)
    assert [type(e) for e in rec.of("C3")] == [ev.ChildRejected]
    rig.venue.cancel("C2")  # type: ignore[arg-type]
    rig.venue.cancel("C1")  # type: ignore[arg-type]  # filled: too late
    await until(lambda: rec.of("C2", ev.ChildCanceled) and rec.of("C1", ev.ChildCancelRejected))
    assert await rig.same_as_quickfix("C1") == ("2", 300)
    assert await rig.same_as_quickfix("C2") == ("4", 200)
    assert await rig.same_as_quickfix("C3") == ("8", 0)
    [cancel] = rig.qf.received("F")[:1]
    assert cancel["41"] == "C2" and cancel["11"].startswith("C2.")


async def test_replace_then_fill_then_replace_rejected(rig: Rig) -> None:
    rec = rig.recorder
    rig.submit(child("C1", "AAPL", 200))
    await until(lambda: rec.of("C1", ev.ChildAccepted))
    rig.venue.replace("C1", 300, Decimal("10.05"))  # type: ignore[arg-type]
    await until(lambda: rec.of("C1", ev.ChildReplaced))
    [replaced] = rec.of("C1", ev.ChildReplaced)
    assert isinstance(replaced, ev.ChildReplaced) and (replaced.quantity, replaced.price) == (300, Decimal("10.05"))
    rig.venue.replace("C1", 400, None)  # type: ignore[arg-type]  # second replace chains on the new ClOrdID
    await until(lambda: len(rec.of("C1", ev.ChildReplaced)) == 2)
    first, second = rig.qf.received("G")
    assert second["41"] == first["11"] and second["44"] == "10.05"
    rig.qf.command(op="fill", child="C1", qty=400)
    await until(lambda: rec.of("C1", ev.ChildFilled))
    rig.venue.replace("C1", 500, None)  # type: ignore[arg-type]
    await until(lambda: rec.of("C1", ev.ChildReplaceRejected))
    assert await rig.same_as_quickfix("C1") == ("2", 400)


async def test_unsolicited_cancel_and_fill_while_cancel_pending(rig: Rig) -> None:
    rec = rig.recorder
    rig.submit(child("C1", "AAPL", 200))
    rig.submit(child("C2", "SLOW", 200))
    await until(lambda: rec.of("C1", ev.ChildAccepted) and rec.of("C2", ev.ChildAccepted))
    rig.qf.command(op="cancel", child="C1")
    rig.venue.cancel("C2")  # type: ignore[arg-type]  # Pending Cancel, a fill crossing it, then Canceled
    await until(lambda: rec.of("C1", ev.ChildCanceled) and rec.of("C2", ev.ChildCanceled))
    assert await rig.same_as_quickfix("C1") == ("4", 0)
    assert await rig.same_as_quickfix("C2") == ("4", 100)
    assert [type(e) for e in rec.of("C2")] == [ev.ChildAccepted, ev.ChildFilled, ev.ChildCanceled]


async def test_a_trade_bust_and_a_trade_correction_take_the_execution_back(rig: Rig) -> None:
    """QuickFIX busts one order's execution (ExecType H) and corrects another's (ExecType G); both name it
    by ExecRefID. We end where QuickFIX's book is: the busted shares gone, the corrected ones at the new
    size and price."""
    rec = rig.recorder
    rig.submit(child("C1", "PART", 400))
    rig.submit(child("C2", "FILL", 300))
    await until(lambda: rec.of("C1", ev.ChildFilled) and rec.of("C2", ev.ChildFilled))
    [first] = rec.of("C1", ev.ChildFilled)
    rig.qf.command(op="bust", child="C1")
    rig.qf.command(op="correct", child="C2", qty=200, px="9.99")
    await until(lambda: rec.of("C1", ev.ChildFillBusted) and len(rec.of("C2", ev.ChildFilled)) == 2)
    [bust] = rec.of("C1", ev.ChildFillBusted)
    assert isinstance(bust, ev.ChildFillBusted) and isinstance(first, ev.ChildFilled)
    assert bust.fill_id == first.fill_id and bust.text == "trade busted"
    assert await rig.same_as_quickfix("C1") == ("0", 0)
    busted, corrected = rec.of("C2")[-2:]
    assert isinstance(busted, ev.ChildFillBusted) and isinstance(corrected, ev.ChildFilled)
    assert (corrected.quantity, corrected.price) == (200, Decimal("9.99")) and busted.bust_id == corrected.fill_id
    assert "corrected to 200 @ 9.99" in busted.text
    assert await rig.same_as_quickfix("C2") == ("2", 200)  # done at 300, corrected to 200: still done


async def test_malformed_reports_are_rejected_and_the_session_goes_on(rig: Rig) -> None:
    rec = rig.recorder
    rig.qf.command(op="raw", msg_type="8", fields=[[11, "C9"], [37, "V9"], [17, "X"], [150, "Z"], [39, "0"],
                                                   [54, "1"], [55, "AAPL"], [151, 0], [14, 0], [6, 0]])
    # valid for the dictionary, but a fill without LastQty/LastPx: our application's Reject
    rig.qf.command(op="raw", msg_type="8", fields=[[11, "C9"], [37, "V9"], [17, "X2"], [150, "F"], [39, "1"],
                                                   [54, "1"], [55, "AAPL"], [151, 0], [14, 0], [6, 0]])
    rig.qf.command(op="raw", msg_type="B", fields=[[148, "headline"], [33, 1], [58, "hello"]])  # News: not ours
    await until(lambda: len(rig.qf.received("3")) >= 2 and rig.qf.received("j"))
    dictionary, ours = rig.qf.received("3")
    assert dictionary["371"] == "150" and ours["371"] == "32" and ours["373"] == "1"
    assert rig.qf.received("j")[0]["380"] == "3"
    assert not rec.events
    rig.submit(child("C1", "FILL", 100))
    await until(lambda: rec.of("C1", ev.ChildFilled))
    assert await rig.same_as_quickfix("C1") == ("2", 100)
    # the venue refuses one of our messages at the application level: the engine hears it as a reject
    rig.qf.command(op="raw", msg_type="j", fields=[[45, 2], [372, "F"], [379, "C1.x"], [380, 0], [58, "no"]])
    await until(lambda: rec.of("C1", ev.ChildCancelRejected))
    [rejected] = rec.of("C1", ev.ChildCancelRejected)
    assert isinstance(rejected, ev.ChildCancelRejected) and "no" in rejected.reason


async def test_forced_sequence_gap_is_filled_and_the_report_behind_it_arrives(rig: Rig) -> None:
    rec = rig.recorder
    rig.submit(child("C1", "AAPL", 200))
    await until(lambda: rec.of("C1", ev.ChildAccepted))
    rig.qf.command(op="gap", skip=3)
    rig.qf.command(op="fill", child="C1", qty=200)
    await until(lambda: rec.of("C1", ev.ChildFilled))
    await until(lambda: rig.qf.received("2"))  # QuickFIX's log of what it received reaches us on its own pipe
    [resend] = rig.qf.received("2")
    ours = rig.venue.sequence_numbers()
    assert int(resend["16"]) == 0 and int(resend["7"]) == ours[1] - 4  # the 3 skipped and the fill behind them
    assert await rig.same_as_quickfix("C1") == ("2", 200)
    theirs = await rig.qf.session_state()
    assert (theirs["next_target"], theirs["next_sender"]) == ours
    assert rig.venue.logged_on


async def test_dropped_connection_mid_order_recovers_the_state_after_kill_and_restart(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.venue = fix_venue(rig.qf.port, tmp_path / "ems.db", reconnect_min_s=0.3)
    rec = rig.recorder
    await rig.qf.start()
    try:
        await rig.connect()
        rig.submit(child("C1", "AAPL", 300))
        rig.submit(child("C2", "AAPL", 300))
        await until(lambda: rec.of("C1", ev.ChildAccepted) and rec.of("C2", ev.ChildAccepted))
        await rig.qf.kill()
        await until(lambda: not rig.venue.logged_on)
        assert [s.connected for s in rec.status] == [True, False]
        # same port, same files: QuickFIX's store and order book survive kill -9; while we are still away it
        # fills C1 and cancels C2 (stored, resent after our Logon)
        await rig.qf.start({"op": "fill", "child": "C1", "qty": 100}, {"op": "cancel", "child": "C2"})
        await until(lambda: rig.venue.logged_on, 5.0, "reconnect")
        await until(lambda: len(rec.of("C1", ev.ChildStatusReported)) == 1
                    and len(rec.of("C2", ev.ChildStatusReported)) == 1)
        [status] = rec.of("C1", ev.ChildStatusReported)
        assert isinstance(status, ev.ChildStatusReported)
        assert (status.known, status.status, status.cum_qty) == (True, OrdStatus.PARTIALLY_FILLED, 100)
        assert await rig.same_as_quickfix("C1") == ("1", 100)
        assert await rig.same_as_quickfix("C2") == ("4", 0)
        assert [s.connected for s in rec.status] == [True, False, True]
        # Our side drops too (no Logout): what is on disk (another connection reads it) is what we had.
        rig.venue.initiator.drop()
        await until(lambda: not rig.venue.logged_on)
        ours = rig.venue.sequence_numbers()
        store = SessionStore(tmp_path / "ems.db")
        assert tuple(store.seq_nums(rig.venue.initiator.session.session_id)) == ours
        store.close()
        rig.venue.close()
        rig.venue = fix_venue(rig.qf.port, tmp_path / "ems.db")
        rig.recorder = rec = Recorder()
        await rig.connect()
        rig.venue.request_status([child("C1", "AAPL", 300), child("C7", "AAPL", 100)])
        await until(lambda: rec.of("C1", ev.ChildStatusReported) and rec.of("C7", ev.ChildStatusReported))
        [unknown] = rec.of("C7", ev.ChildStatusReported)
        assert isinstance(unknown, ev.ChildStatusReported) and not unknown.known
        assert not rig.qf.received("5") or rig.venue.logged_on  # no Logout for a sequence problem
    finally:
        await rig.venue.aclose()
        await rig.qf.stop()


async def test_session_and_business_rejects_of_an_order_reject_the_child(rig: Rig) -> None:
    rec = rig.recorder
    rig.submit(child("C1", "SREJ", 100))
    rig.submit(child("C2", "BREJ", 100))
    rig.submit(child("C3", "FILL", 100))
    await until(lambda: rec.of("C1") and rec.of("C2") and rec.of("C3", ev.ChildFilled))
    [session_reject] = rec.of("C1")
    [business_reject] = rec.of("C2")
    assert isinstance(session_reject, ev.ChildRejected) and "session reject" in session_reject.reason
    assert isinstance(business_reject, ev.ChildRejected) and "business reject" in business_reject.reason
    assert rig.venue.logged_on
