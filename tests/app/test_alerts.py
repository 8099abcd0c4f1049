"""Which engine events reach the alerts panel, with what severity, source, text and topic."""

from __future__ import annotations

from decimal import Decimal

from app.alerts import ALERTING, KILL_TOPIC, RESOLVES, AlertSpec, alert_for
from engine import events as ev
from engine.model import ChildId, ParentId, Side, Symbol, VenueId

T = 1


def test_every_reject_refusal_block_and_venue_event_becomes_an_alert() -> None:
    venue_of = {"C1": "LIT1"}.get
    cases: list[tuple[ev.Event, AlertSpec]] = [
        (ev.RiskBlocked(T, "P1", "price_band", "child price 100 is more than 5% from mid 189"),
         AlertSpec("warning", "risk", "blocked P1 (price_band): child price 100 is more than 5% from mid 189", "P1")),
        (ev.RiskBlocked(T, "P1", "kill_switch", "kill switch engaged"),
         AlertSpec("info", "risk", "blocked P1 (kill_switch): kill switch engaged", "P1", KILL_TOPIC)),
        (ev.CommandRejected(T, "ResumeParent", "P1", "kill switch engaged: re-enable first"),
         AlertSpec("warning", "command", "ResumeParent P1 refused: kill switch engaged: re-enable first", "P1",
                   KILL_TOPIC)),
        (ev.CommandRejected(T, "AmendTicket", "T1", "below what is already allocated"),
         AlertSpec("warning", "command", "AmendTicket T1 refused: below what is already allocated")),
        (ev.TicketRejected(T, "R1", "fix", "ord-9", "AAPL", Side.BUY, 500, "unknown account", "account"),
         AlertSpec("warning", "ticket (fix)", "BUY 500 AAPL rejected: unknown account")),
        (ev.ChildRejected(T, ChildId("C1"), "price out of band"),
         AlertSpec("warning", "venue LIT1", "C1 rejected: price out of band")),
        (ev.ReportRefused(T, "LIT2", "C7", "ChildFilled", "{}", "duplicate execution id"),
         AlertSpec("warning", "venue LIT2", "ChildFilled for C7 refused: duplicate execution id")),
        (ev.IllegalTransition(T, "C1", None, "FILLED", "ChildFilled", "C1: fill on an unknown order"),
         AlertSpec("error", "order state", "C1: fill on an unknown order")),
        (ev.AlertRaised(T, "error", "kill switch", "", "kill by trader, firm: KILL ALL by trader"),
         AlertSpec("error", "kill switch", "kill by trader, firm: KILL ALL by trader", "", KILL_TOPIC)),
        (ev.VenueStatusChanged(T, VenueId("LIT1"), False, "session lost"),
         AlertSpec("error", "venue LIT1", "disconnected: session lost")),
        (ev.VenueStatusChanged(T, VenueId("LIT1"), True, "simulated venue connected"),
         AlertSpec("info", "venue LIT1", "simulated venue connected")),
        (ev.VenueStatusChanged(T, VenueId("LIT1"), True, "no message within its heartbeat interval", True),
         AlertSpec("warning", "venue LIT1", "degraded: no message within its heartbeat interval; no new orders there")),
        (ev.AlertRaised(T, "error", "algo VWAP", "P2", "algo error: boom"),
         AlertSpec("error", "algo VWAP", "algo error: boom", "P2")),
    ]
    for event, expected in cases:
        assert alert_for(event, venue_of) == expected, type(event).__name__
    assert {type(event) for event, _ in cases} == ALERTING  # no alerting type left untested


def test_routine_events_make_no_alert() -> None:
    assert alert_for(ev.ChildAccepted(T, ChildId("C1"), "V-1")) is None
    assert alert_for(ev.KillEngaged(T, "KILL ALL by trader", "trader")) is None  # the engine's own alert says it
    assert RESOLVES[ev.KillReleased] == KILL_TOPIC
    assert alert_for(ev.ParentPaused(T, ParentId("P1"), "trader pause")) is None
    assert alert_for(ev.TradePrinted(T, VenueId("LIT1"), Symbol("AAPL"), Decimal("1"), 100, None)) is None
