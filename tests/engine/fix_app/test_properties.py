"""Properties of the per-ticket reports over random OMS ticket sets and fill sequences."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.fix_app.oms import OmsApplication
from engine.fix_app.orders import OmsOrderStore
from engine.journal import Journal
from engine.model import OrdStatus, TicketId
from tests.engine.conftest import INSTRUMENTS, OPEN_NS
from tests.engine.fix_app.conftest import OMS1, OMS2, FakeWire, Oms
from tests.engine.scripted_venue import ScriptedVenue

tickets = st.lists(st.tuples(st.sampled_from([0, 1]), st.sampled_from(["1", "2"]), st.integers(1, 40)),
                   min_size=1, max_size=6)
fills = st.lists(st.tuples(st.integers(0, 5), st.integers(1, 30), st.integers(-2, 2)), max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tickets, fills)
def test_reports_add_up_to_the_executions_and_never_go_backwards(orders, executions):
    clock = VirtualClock(OPEN_NS)
    venue = ScriptedVenue("LIT1", clock)
    engine = Engine(clock=clock, journal=Journal(":memory:"), instruments=INSTRUMENTS, venues=[venue])
    engine.start()
    venue.book("AAPL", "100.00", "100.02")
    wire = FakeWire()
    app = OmsApplication(engine, OmsOrderStore(":memory:"))
    app.attach(wire)
    sessions = [Oms(app, OMS1), Oms(app, OMS2)]
    for i, (who, side, lots) in enumerate(orders):
        sessions[who].new_order(f"C{i}", lots * 100, tags={54: side})
    for choice, shares, offset in executions:
        live = engine.store.live_parent_ids()
        children = [c for p in live for c in engine.store.live_child_ids(p)]
        if not children:
            clock.advance(5 * NS_PER_S)
            continue
        child = children[choice % len(children)]
        if engine.store.child(child).status is OrdStatus.PENDING_NEW:
            venue.ack(child)
        take = min(shares * 10, engine.store.child(child).leaves_qty)
        if take:
            venue.fill(child, take, str(Decimal("100.01") + offset * Decimal("0.01")))
    check(engine, wire)
    app.close()
    engine.close()


def check(engine: Engine, wire: FakeWire) -> None:
    by_ticket: dict[str, list] = defaultdict(list)
    exec_ids = [r[17] for r in wire.reports()]
    assert len(exec_ids) == len(set(exec_ids))
    for report in wire.reports():
        if report[37] != "NONE":
            by_ticket[(report.session_id, report[37])].append(report)
    parents = set()
    total = 0
    for (_, ticket), reports in by_ticket.items():
        row = engine.ticket(TicketId(ticket))
        assert row is not None
        parents.add(row.parent_id)
        cum = 0
        for report in reports:
            if report[150] == "F":
                cum += int(report[32])
            assert int(report[14]) == cum
            if report[39] in ("0", "1", "2"):
                assert int(report[14]) + int(report[151]) == int(report[38])
        assert cum == row.allocated
        total += cum
    executed = sum(engine.store.parent(p).cum_qty + engine.store.parent(p).netted_qty for p in parents)
    assert total == executed
