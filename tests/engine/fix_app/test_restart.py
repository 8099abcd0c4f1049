"""The OMS gateway across restarts: ClOrdID chains, ExecIDs and reported quantities persist."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.fix_app.oms import OmsApplication
from engine.fix_app.orders import _ORDER_COLUMNS, OmsOrderStore
from engine.journal import Journal
from engine.model import TicketId
from tests.engine.conftest import INSTRUMENTS, OPEN_NS
from tests.engine.fix_app.conftest import OMS1, FakeWire, Oms, fill
from tests.engine.scripted_venue import ScriptedVenue


class Desk:
    """An engine on a scripted venue plus the OMS gateway, both restartable from their files."""

    def __init__(self, tmp_path: Path, start_ns: int = OPEN_NS, journal: str = "journal.db") -> None:
        self.clock = VirtualClock(start_ns)
        self.venue = ScriptedVenue("LIT1", self.clock)
        self.engine = Engine(clock=self.clock, journal=Journal(tmp_path / journal), instruments=INSTRUMENTS,
                             venues=[self.venue])
        self.engine.recover()
        self.engine.start()
        for child_id in self.venue.status_requests:  # the venue restarted too: it knows none of them
            self.venue.status(child_id, known=False)
        self.venue.book("AAPL", "100.00", "100.02")
        self.wire = FakeWire()
        self.app = OmsApplication(self.engine, OmsOrderStore(tmp_path / "orders.db"))
        self.app.attach(self.wire)
        self.oms = Oms(self.app, OMS1)

    def close(self) -> None:
        self.app.close()
        self.engine.close()


def test_the_cl_ord_id_chain_survives_a_restart(tmp_path):
    desk = Desk(tmp_path)
    desk.oms.new_order("A1", 1000)
    ticket = TicketId(desk.wire.reports("A1")[0][37])
    row = desk.engine.ticket(ticket)
    assert row is not None
    fill(desk.engine, desk.venue, desk.clock, row.parent_id, 200)
    desk.oms.replace("A2", "A1", 800)
    before = {r[17] for r in desk.wire.reports()}
    desk.close()

    again = Desk(tmp_path, OPEN_NS + 3600 * NS_PER_S)
    again.oms.cancel("A3", "A2")
    pending, canceled = again.wire.reports()
    assert (pending[150], canceled[150], canceled[37], canceled[41]) == ("6", "4", ticket, "A2")
    assert (canceled[14], canceled[38], canceled[151]) == ("200", "200", "0")
    assert not {pending[17], canceled[17]} & before
    again.oms.new_order("A1", 100)  # still a known ClOrdID after the restart
    assert again.wire.reports()[-1][58] == "duplicate ClOrdID 'A1'"
    again.close()


def test_fills_allocated_while_the_gateway_was_away_are_reported_on_restart(tmp_path, engine, venue, clock):
    path = tmp_path / "orders.db"
    app = OmsApplication(engine, OmsOrderStore(path))
    app.attach(FakeWire())
    Oms(app, OMS1).new_order("A1", 1000)
    [order] = app.orders()
    app.close()
    fill(engine, venue, clock, order.parent_id, 300)

    wire = FakeWire()
    back = OmsApplication(engine, OmsOrderStore(path))
    back.attach(wire)
    [trade] = wire.reports()
    assert (trade[150], trade[39], trade[32], trade[14], trade[151]) == ("F", "1", "300", "300", "700")
    assert trade[17].endswith(f"{order.ticket_id}-R300")
    back.close()


def test_another_days_orders_are_not_loaded(tmp_path):
    desk = Desk(tmp_path)
    desk.oms.new_order("A1", 1000)
    desk.close()
    next_day = Desk(tmp_path, OPEN_NS + 86_400 * NS_PER_S, journal="journal-day2.db")
    next_day.oms.new_order("A1", 500, tags={126: "19700102-10:30:00"})
    assert [r[39] for r in next_day.wire.reports()] == ["A", "0"]
    next_day.close()


def test_a_gateway_running_past_midnight_takes_the_new_day_in_its_ids(tmp_path):
    desk = Desk(tmp_path, OPEN_NS + 14 * 3600 * NS_PER_S)  # 23:30 on day one
    desk.oms.new_order("A1", 1000, tags={60: "19700101-23:30:00", 126: "19700101-23:50:00"})
    desk.clock.advance(3600 * NS_PER_S)  # 00:30 on day two
    desk.oms.new_order("B1", 1000, tags={60: "19700102-00:30:00", 126: "19700102-00:50:00"})
    first, second = desk.wire.reports("A1")[0][17], desk.wire.reports("B1")[0][17]
    assert first.startswith("19700101-") and second.startswith("19700102-")
    assert desk.app.day == "19700102"
    desk.close()


def test_an_orders_expire_time_survives_a_restart_and_an_older_store_gains_the_column(tmp_path):
    desk = Desk(tmp_path)
    desk.oms.new_order("A1", 1000, tags={59: "6", 126: "19700101-11:00:00"})
    desk.close()
    again = Desk(tmp_path, OPEN_NS + 60 * NS_PER_S)
    again.oms.send("H", [(11, "A1"), (55, "AAPL"), (54, "1")])
    assert (again.wire.reports()[-1][59], again.wire.reports()[-1][126]) == ("6", "19700101-11:00:00.000")
    again.close()

    old = sqlite3.connect(tmp_path / "old.db")  # a store written before ExpireTime was kept
    columns = ", ".join(f"{c} TEXT" for c in _ORDER_COLUMNS if c != "expire_ns")
    old.execute(f"CREATE TABLE oms_orders ({columns}, PRIMARY KEY (ticket_id))")
    old.close()
    store = OmsOrderStore(tmp_path / "old.db")
    assert store.load("19700101") == ([], {})
    assert "expire_ns" in {row[1] for row in sqlite3.connect(tmp_path / "old.db").execute(
        "PRAGMA table_info(oms_orders)")}
    store.close()


def test_a_desk_change_of_limit_and_end_while_the_gateway_was_away_is_restated_on_restart(tmp_path, engine):
    path = tmp_path / "orders.db"
    app = OmsApplication(engine, OmsOrderStore(path))
    app.attach(FakeWire())
    Oms(app, OMS1).new_order("A1", 1000, tags={40: "2", 44: "100.00", 126: None})
    [order] = app.orders()
    app.close()
    assert engine.amend_ticket(order.ticket_id, 900, Decimal("99.95"), 12 * 3600 * NS_PER_S).ok

    wire = FakeWire()
    back = OmsApplication(engine, OmsOrderStore(path))
    back.attach(wire)
    [restated] = wire.reports()
    assert (restated[150], restated[38], restated[44], restated[59], restated[126]) == (
        "D", "900", "99.95", "6", "19700101-12:00:00.000")
    back.close()
    quiet = FakeWire()
    OmsApplication(engine, OmsOrderStore(path)).attach(quiet)
    assert quiet.reports() == []  # nothing more to restate once reported


def test_a_block_that_closed_at_another_average_while_the_gateway_was_away_reports_it_on_restart(
        tmp_path, engine, venue, clock):
    """EARLY was canceled after its first shares; its block worked on and closed while the gateway was down.
    Back up, the gateway tells EARLY the block's final average (Calculated), and only once."""
    path = tmp_path / "orders.db"
    app = OmsApplication(engine, OmsOrderStore(path))
    app.attach(FakeWire())
    first, second = Oms(app, OMS1), Oms(app, OMS1)
    first.new_order("EARLY", 500)
    second.new_order("LATE", 500)
    early = next(o for o in app.orders() if o.cl_ord_id == "EARLY")
    fill(engine, venue, clock, early.parent_id, 200, "100.00")
    first.cancel("EARLY-X", "EARLY")
    app.close()
    fill(engine, venue, clock, early.parent_id, 400, "99.80")  # price improvement on children resting at 100.00
    assert engine.store.parent(early.parent_id).status.is_terminal

    for restart in range(2):
        wire = FakeWire()
        back = OmsApplication(engine, OmsOrderStore(path))
        back.attach(wire)
        calculated = [r for r in wire.reports() if r[37] == early.ticket_id and r[150] == "B"]
        if restart == 0:
            [report] = calculated
            assert (Decimal(report[6]), report[39], report[14]) == (Decimal("99.866667"), "4", "100")
        else:
            assert calculated == []  # heard already
        back.close()
