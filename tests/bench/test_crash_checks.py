"""bench.crash_recovery's checks on hand-made journals: each kind of loss or duplicate is counted, and a
correct history (a re-delivered fill the engine refused, a PossDup resend it ignored) is not."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bench.crash_checks import final_checks
from bench.crash_state import read_state
from bench.oms_client import ClientOrder, MarketClock, OmsClient
from engine import events as ev
from engine.journal import Journal
from engine.model import (
    ChildId,
    FillId,
    Liquidity,
    OrdStatus,
    ParentId,
    Side,
    Symbol,
    TicketId,
    VenueId,
)

PX = Decimal("100.00")
SOURCE = "fix:OMS1"


def accepted(ticket: str, cl_ord_id: str, quantity: int = 300) -> list[ev.Event]:
    return [
        ev.TicketAccepted(1, TicketId(ticket), "OMS1", SOURCE, cl_ord_id, Symbol("AAPL"), Side.BUY, quantity, None,
                          "TWAP", "HIGH", None, 10, (), True, int(ticket[1:])),
        ev.TicketJoined(1, TicketId(ticket), ParentId("P" + ticket[1:]), True, quantity),
    ]


def filled(fill_id: str, parent: str, quantity: int, child: str = "C1") -> ev.ChildFilled:
    return ev.ChildFilled(2, FillId(fill_id), ChildId(child), ParentId(parent), VenueId("LIT1"), Symbol("AAPL"),
                          Side.BUY, quantity, PX, Decimal(0), Liquidity.REMOVED)


def allocated(parent: str, fill_id: str, ticket: str, quantity: int) -> ev.TicketsAllocated:
    return ev.TicketsAllocated(3, ParentId(parent), fill_id, quantity, PX, (TicketId(ticket),), (quantity,), "fill")


def refused(child: str = "C1") -> ev.IllegalTransition:
    return ev.IllegalTransition(2, child, OrdStatus.FILLED, "FILL", "ChildFilled", "duplicate fill")


def client_with(*orders: ClientOrder) -> OmsClient:
    client = OmsClient("OMS1", MarketClock(0, 1.0, {}))
    for order in orders:
        client.orders[order.cl_ord_id] = order
    return client


def order(
    cl_ord_id: str, *, status: str = "1", cum: int = 100, qty: int = 300, trades: int | None = None
) -> ClientOrder:
    return ClientOrder(cl_ord_id, "AAPL", "1", qty, answered=True, got_new=True, status=status, cum_qty=cum,
                       order_qty=qty, trade_qty=cum if trades is None else trades, order_ids={"T1"})


def counts(tmp_path: Path, records: list[ev.Event], *orders: ClientOrder) -> dict[str, int]:
    journal = Journal(tmp_path / "j.db")
    journal.append(records)
    journal.close()
    found = final_checks(read_state(tmp_path / "j.db"), [client_with(*orders)])
    return {key: len(items) for key, items in found.items() if items}


def test_a_consistent_history_counts_nothing(tmp_path: Path) -> None:
    records = [*accepted("T1", "A"), filled("LIT1-F1", "P1", 100), allocated("P1", "LIT1-F1", "T1", 100)]
    assert counts(tmp_path, records, order("A")) == {}


def test_a_refused_redelivery_of_a_fill_is_not_a_duplicate(tmp_path: Path) -> None:
    records = [*accepted("T1", "A"), filled("LIT1-F1", "P1", 100), allocated("P1", "LIT1-F1", "T1", 100),
               filled("LIT1-F1", "P1", 100), refused()]
    assert counts(tmp_path, records, order("A")) == {}


def test_a_reused_fill_id_that_was_allocated_is_a_duplicated_fill(tmp_path: Path) -> None:
    records = [*accepted("T1", "A"), filled("LIT1-F1", "P1", 100), allocated("P1", "LIT1-F1", "T1", 100),
               filled("LIT1-F1", "P1", 100), refused(), allocated("P1", "LIT1-F1", "T1", 100)]
    found = counts(tmp_path, records, order("A", cum=200))
    assert found == {"duplicated_fills": 1, "allocation_mismatches": 1}


def test_a_fill_never_allocated_is_lost(tmp_path: Path) -> None:
    records = [*accepted("T1", "A"), filled("LIT1-F1", "P1", 100), filled("LIT1-F2", "P1", 50),
               allocated("P1", "LIT1-F1", "T1", 100)]
    assert counts(tmp_path, records, order("A")) == {"lost_fills": 1, "allocation_mismatches": 1}


def test_two_tickets_for_one_cl_ord_id_are_a_duplicated_ticket(tmp_path: Path) -> None:
    records = [*accepted("T1", "A"), *accepted("T2", "A")]
    assert counts(tmp_path, records, order("A", status="0", cum=0)) == {"duplicated_tickets": 1}


def test_an_acknowledged_order_missing_from_the_journal_is_a_lost_ticket(tmp_path: Path) -> None:
    assert counts(tmp_path, accepted("T1", "A"), order("A", status="0", cum=0), order("B", status="0", cum=0)) \
        == {"lost_tickets": 1}


def test_an_order_never_answered_is_lost(tmp_path: Path) -> None:
    unanswered = ClientOrder("B", "AAPL", "1", 100)
    assert counts(tmp_path, accepted("T1", "A"), order("A", status="0", cum=0), unanswered) == {"lost_orders": 1}


def test_trade_reports_over_cum_qty_are_shares_reported_twice(tmp_path: Path) -> None:
    records = [*accepted("T1", "A"), filled("LIT1-F1", "P1", 100), allocated("P1", "LIT1-F1", "T1", 100)]
    assert counts(tmp_path, records, order("A", trades=200)) == {"shares_reported_twice": 1}


def test_an_oms_view_behind_the_journal_is_a_state_mismatch(tmp_path: Path) -> None:
    records = [*accepted("T1", "A"), filled("LIT1-F1", "P1", 100), allocated("P1", "LIT1-F1", "T1", 100),
               ev.ParentExpired(4, ParentId("P1"), "end"), ev.BlockReconciled(5, ParentId("P1"), 100, PX, ())]
    assert counts(tmp_path, records, order("A")) == {"state_mismatches": 1}
    assert counts(tmp_path / "b", records, order("A", status="C")) == {}


def test_a_ticket_allocated_over_its_quantity_is_an_allocation_mismatch(tmp_path: Path) -> None:
    records = [*accepted("T1", "A", quantity=100), filled("LIT1-F1", "P1", 150),
               allocated("P1", "LIT1-F1", "T1", 150)]
    found = counts(tmp_path, records, order("A", status="2", cum=150, qty=100))
    assert found["allocation_mismatches"] == 1
