"""Interop: a real QuickFIX initiator (the OMS) against our FixAcceptor over loopback sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from engine.clock import RealClock
from engine.fix.acceptor import FixAcceptor
from engine.fix.config import AcceptorConfig, SessionConfig, SessionId
from engine.fix.framing import FixMessage
from engine.fix.session import FixSession
from engine.fix.store import SessionStore
from tests.interop.quickfix_runner import InitiatorRun, run_initiator

pytestmark = pytest.mark.interop

OMS1 = SessionId("FIX.4.4:EMS->OMS1")
OMS2 = SessionId("FIX.4.4:EMS->OMS2")
PASSWORD = "s3cret"


class EchoOms:
    """Application layer stand-in: every NewOrderSingle gets an ExecutionReport New."""

    def __init__(self) -> None:
        self.acceptor: FixAcceptor | None = None
        self.events: list[tuple[str, SessionId]] = []
        self.orders: list[tuple[SessionId, FixMessage]] = []

    def on_logon(self, session_id: SessionId) -> None:
        self.events.append(("logon", session_id))

    def on_logout(self, session_id: SessionId) -> None:
        self.events.append(("logout", session_id))

    def on_message(self, session_id: SessionId, message: FixMessage) -> None:
        self.orders.append((session_id, message))
        if message.msg_type == "D" and self.acceptor is not None:
            self.acceptor.send(session_id, "8", execution_report(message.get_str(11) or "?"))


def execution_report(cl_ord_id: str) -> list[tuple[int, Any]]:
    return [
        (37, f"O-{cl_ord_id}"),
        (11, cl_ord_id),
        (17, f"E-{cl_ord_id}"),
        (150, "0"),
        (39, "0"),
        (55, "AAPL"),
        (54, "1"),
        (38, 100),
        (151, 100),
        (14, 0),
        (6, 0),
    ]


def new_order(cl_ord_id: str) -> list[list[Any]]:
    return [[11, cl_ord_id], [55, "AAPL"], [54, "1"], [60, "20240102-09:30:00.000"], [38, 100], [40, "1"]]


class Desk:
    """Our acceptor plus its store path, restartable."""

    def __init__(self, store_path: Path) -> None:
        self.store_path = store_path
        self.config = AcceptorConfig(
            sessions=(SessionConfig("EMS", "OMS1", password=PASSWORD), SessionConfig("EMS", "OMS2")),
            logout_timeout_s=2.0,
        )
        self.app = EchoOms()
        self.acceptor = self._new()

    def _new(self) -> FixAcceptor:
        acceptor = FixAcceptor(self.config, self.store_path, RealClock(asyncio.get_running_loop()), self.app)
        self.app.acceptor = acceptor
        return acceptor

    async def restart(self) -> None:
        await self.acceptor.stop()
        self.app = EchoOms()
        self.acceptor = self._new()
        await self.acceptor.start()


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    desk = Desk(tmp_path / "ems-fix.db")
    await desk.acceptor.start()
    yield desk
    await desk.acceptor.stop(timeout_s=3.0)


def oms(desk: Desk, tmp_path: Path, sender: str = "OMS1", password: str | None = PASSWORD, **extra: Any) -> dict:
    spec: dict[str, Any] = {
        "port": desk.acceptor.port,
        "sender": sender,
        "target": "EMS",
        "password": password,
        "heartbeat": 1,
        "work_dir": str(tmp_path / f"qf-{sender}"),
        "steps": [],
    }
    spec.update(extra)
    return spec


REFUSAL = {"op": "wait", "msg_type": "5", "count": 1, "timeout": 5}


def logon_steps(*middle: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"op": "wait_logon", "timeout": 5}, *middle, {"op": "logout", "text": "done", "timeout": 5}]


async def test_logon_and_heartbeats_are_exchanged(desk, tmp_path):
    # Two of our Heartbeats (1 s apart when nothing else is sent), then time for one of QuickFIX's: waits
    # on what arrives rather than a fixed sleep, which a paused process (a loaded CI machine) can eat.
    beats = {"op": "wait", "msg_type": "0", "count": 2, "timeout": 10}
    run = await run_initiator(oms(desk, tmp_path, steps=logon_steps(beats, {"op": "sleep", "seconds": 1.2})))
    assert run.logged_on and not run.named("timeout"), run.trace()
    [logon] = run.messages("from_admin", "A")
    assert logon[49] == "EMS" and logon[108] == "1"
    periodic = [m for m in run.messages("from_admin", "0") if 112 not in m]  # not an answer to a TestRequest
    assert periodic, "the acceptor sent no Heartbeat of its own" + run.trace()
    assert run.messages("to_admin", "0"), "QuickFIX sent no Heartbeat"
    assert not run.messages("from_admin", "3"), "the acceptor rejected something"
    assert desk.app.events == [("logon", OMS1), ("logout", OMS1)]


async def test_orders_round_trip_over_several_sessions(desk, tmp_path):
    def script(sender: str, password: str | None) -> dict:
        sends = [{"op": "send", "msg_type": "D", "fields": new_order(f"{sender}-{i}")} for i in range(3)]
        wait = {"op": "wait", "msg_type": "8", "count": 3, "timeout": 5}
        return oms(desk, tmp_path, sender=sender, password=password, steps=logon_steps(*sends, wait))

    one, two = await asyncio.gather(run_initiator(script("OMS1", PASSWORD)), run_initiator(script("OMS2", None)))
    for run, sender in ((one, "OMS1"), (two, "OMS2")):
        assert not run.named("timeout"), run.events
        reports = run.messages("from_app", "8")
        assert [r[11] for r in reports] == [f"{sender}-{i}" for i in range(3)]
        assert all(r[56] == sender and r[150] == "0" for r in reports)
        assert not run.messages("from_admin", "3") and not run.messages("to_admin", "3")
    by_session = {sid: [m.get_str(11) for s, m in desk.app.orders if s == sid] for sid in (OMS1, OMS2)}
    assert by_session == {OMS1: ["OMS1-0", "OMS1-1", "OMS1-2"], OMS2: ["OMS2-0", "OMS2-1", "OMS2-2"]}
    assert sorted(desk.app.events) == sorted([("logon", OMS1), ("logon", OMS2), ("logout", OMS1), ("logout", OMS2)])


async def test_sequence_numbers_continue_across_a_restart_of_both_sides(desk, tmp_path):
    order = {"op": "send", "msg_type": "D", "fields": new_order("R1")}
    wait = {"op": "wait", "msg_type": "8", "count": 1, "timeout": 5}
    first = await run_initiator(oms(desk, tmp_path, steps=logon_steps(order, wait)))
    oms_next_sender, oms_next_target = first.seq()
    assert oms_next_sender > 3 and oms_next_target > 3
    assert_clean_logout(first, desk.acceptor.session(OMS1))
    before = desk.acceptor.session(OMS1)
    our_next_target, our_next_sender = before.next_target_seq, before.next_sender_seq

    await desk.restart()  # the acceptor's process restarts; the OMS reuses its QuickFIX file store
    after = desk.acceptor.session(OMS1)
    assert (after.next_target_seq, after.next_sender_seq) == (our_next_target, our_next_sender)
    order2 = {"op": "send", "msg_type": "D", "fields": new_order("R2")}
    second = await run_initiator(oms(desk, tmp_path, steps=logon_steps(order2, wait)))

    [their_logon] = second.messages("to_admin", "A")
    [our_logon] = second.messages("from_admin", "A")
    assert int(their_logon[34]) == oms_next_sender
    assert int(our_logon[34]) == our_next_sender
    # A resend is asked for only if the first session did not end in step (on a loaded machine a
    # Heartbeat may cross the Logouts and go unread: see assert_clean_logout).
    assert bool(second.messages("from_admin", "2")) == (oms_next_sender > our_next_target), second.trace()
    assert bool(second.messages("to_admin", "2")) == (our_next_sender > oms_next_target), second.trace()
    [(_, order_msg)] = desk.app.orders
    [their_order] = [m for m in second.messages("to_app", "D") if m.get(43) != "Y"]  # not a resend
    assert order_msg.get_int(34) == int(their_order[34]) > oms_next_sender
    # Everything new the OMS sent in the second session numbers on from its Logon without a gap (a loaded
    # machine may see a Heartbeat between the Logon and the order: 1 s heartbeats; resends are not new).
    new = [m for kind in ("to_admin", "to_app") for m in second.messages(kind) if m.get(43) != "Y"]
    sent = sorted(int(m[34]) for m in new)
    assert sent == list(range(oms_next_sender, oms_next_sender + len(sent)))
    assert [r[11] for r in second.messages("from_app", "8")] == ["R2"]


async def test_reports_sent_while_the_oms_is_down_arrive_after_logon_with_possdup(desk, tmp_path):
    first = await run_initiator(oms(desk, tmp_path, steps=logon_steps()))
    assert first.logged_on
    assert desk.acceptor.send(OMS1, "8", execution_report("WHILE-DOWN")) is False

    wait = {"op": "wait", "msg_type": "8", "count": 1, "timeout": 5}
    second = await run_initiator(oms(desk, tmp_path, steps=logon_steps(wait, {"op": "sleep", "seconds": 0.3})))
    assert not second.named("timeout"), second.trace()
    assert len(second.messages("from_app", "8")) == 1, second.trace()
    [report] = second.messages("from_app", "8")
    assert report[11] == "WHILE-DOWN" and report[43] == "Y" and 122 in report
    assert any(int(request[7]) <= int(report[34]) for request in second.messages("to_admin", "2")), second.trace()
    # Our new Logon is inside the resent range too: QuickFIX takes it from its queue and ignores our
    # PossDup gap fill for it.
    assert_clean_logout(second, desk.acceptor.session(OMS1))

    # Whatever a loaded machine made either side send around the Logouts (see assert_clean_logout), the
    # next session resynchronises: the new order gets exactly one report and nothing old comes again.
    order = {"op": "send", "msg_type": "D", "fields": new_order("AFTER")}
    third = await run_initiator(oms(desk, tmp_path, steps=logon_steps(order, wait, {"op": "sleep", "seconds": 0.3})))
    assert not third.named("timeout"), third.trace()
    assert [r[11] for r in third.messages("from_app", "8")] == ["AFTER"]
    assert_clean_logout(third, desk.acceptor.session(OMS1))


def assert_clean_logout(run: InitiatorRun, ours: FixSession) -> None:
    """No Reject either way, QuickFIX's own Logout, and we read everything it sent up to that Logout.

    What QuickFIX sends after its Logout (a Heartbeat answering our TestRequest that crossed it, a
    ResendRequest) is never read: the connection closes on our answering Logout. Such messages are
    session messages, which the next Logon's resend gap-fills.
    """
    assert not run.messages("from_admin", "3") and not run.messages("to_admin", "3"), run.trace()
    assert len(run.messages("to_admin", "5")) == 1, run.trace()
    [their_logout] = run.messages("to_admin", "5")
    assert their_logout[58] == "done", run.trace()
    assert ours.next_target_seq == int(their_logout[34]) + 1, run.trace()
    after = [m for kind in ("to_admin", "to_app") for m in run.messages(kind) if int(m[34]) > int(their_logout[34])]
    assert all(m[35] in ("0", "1", "2") for m in after), run.trace()
    assert run.seq()[0] == int(their_logout[34]) + 1 + len(after), run.trace()


async def test_acceptor_asks_for_a_gap_in_the_oms_sequence_and_accepts_the_gap_fill(desk, tmp_path):
    order = {"op": "send", "msg_type": "D", "fields": new_order("G1")}
    wait = {"op": "wait", "msg_type": "8", "count": 1, "timeout": 5}
    run = await run_initiator(oms(desk, tmp_path, next_sender_seq=5, steps=logon_steps(order, wait)))
    assert not run.named("timeout"), run.trace()
    [our_request] = run.messages("from_admin", "2")
    assert our_request[7] == "1" and our_request[16] == "0"
    assert run.messages("to_admin", "4"), "QuickFIX answered with a gap fill"
    [(_, order_msg)] = desk.app.orders
    [their_order] = [m for m in run.messages("to_app", "D") if m.get(43) != "Y"]  # not a resend
    assert order_msg.get_str(11) == "G1" and order_msg.get_int(34) == int(their_order[34]) >= 6
    assert desk.acceptor.session(OMS1).next_target_seq >= 7


async def test_wrong_password_is_refused_with_a_logout_naming_it(desk, tmp_path):
    run = await run_initiator(oms(desk, tmp_path, password="guess", steps=[REFUSAL]))
    assert not run.logged_on
    logouts = run.messages("from_admin", "5")
    assert logouts and "wrong Password (554)" in logouts[0].get(58, ""), run.events
    assert desk.app.events == [] and desk.app.orders == []


async def test_unknown_comp_id_is_disconnected_without_a_word_and_leaves_no_state(desk, tmp_path):
    """As QuickFIX does: nothing is sent to a stranger (its acceptance test 1c_InvalidSenderCompID)."""
    dropped = {"op": "wait_logout", "timeout": 5}  # QuickFIX tells its application when the link drops
    run = await run_initiator(oms(desk, tmp_path, sender="INTRUDER", steps=[dropped]))
    assert not run.logged_on and not run.named("timeout"), run.events
    assert run.messages("from_admin") == [] and run.messages("from_app") == []
    assert desk.app.events == [] and desk.app.orders == []
    peek = SessionStore(desk.store_path)
    assert peek.seq_nums(SessionId("FIX.4.4:EMS->INTRUDER")) == (1, 1)


async def test_refused_password_does_not_break_the_next_correct_logon(desk, tmp_path):
    refused = await run_initiator(oms(desk, tmp_path, password="guess", steps=[REFUSAL]))
    assert not refused.logged_on
    wait = {"op": "wait", "msg_type": "8", "count": 1, "timeout": 5}
    order = {"op": "send", "msg_type": "D", "fields": new_order("OK1")}
    accepted = await run_initiator(oms(desk, tmp_path, steps=logon_steps(order, wait)))
    assert accepted.logged_on and not accepted.named("timeout"), accepted.events
    assert [r[11] for r in accepted.messages("from_app", "8")] == ["OK1"]


async def test_logout_is_clean_both_ways(desk, tmp_path):
    run = await run_initiator(oms(desk, tmp_path, steps=logon_steps()))
    [their_logout] = run.messages("to_admin", "5")
    [our_logout] = run.messages("from_admin", "5")
    assert their_logout[58] == "done"
    assert 58 not in our_logout  # a plain answer, not an error
    assert_clean_logout(run, desk.acceptor.session(OMS1))
    assert run.named("logout") and not run.named("timeout")
    assert desk.app.events == [("logon", OMS1), ("logout", OMS1)]
    assert not desk.acceptor.is_logged_on(OMS1) and desk.acceptor.connection_count == 0
