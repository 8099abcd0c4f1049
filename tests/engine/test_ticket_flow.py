"""Tickets through the engine: aggregation into parents, netting at the mid, allocation, recovery."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from engine import events as ev
from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.journal import Journal
from engine.model import OrdStatus, ParentId, Side, TicketId
from engine.ticket_flow import TicketRequest
from engine.tickets.netting import CrossingPolicy
from tests.engine.conftest import INSTRUMENTS, OPEN_NS
from tests.engine.scripted_venue import ScriptedVenue

HOUR = 3600 * NS_PER_S
END = OPEN_NS + HOUR


def ticket(engine: Engine, qty: int, side: Side = Side.BUY, **kw: object) -> tuple[ParentId, TicketId]:
    args: dict[str, object] = {"symbol": "AAPL", "side": side, "quantity": qty, "limit_price": None, "algo": "TWAP",
                               "end_ns": END}
    args.update(kw)
    result = engine.submit_ticket(**args)  # type: ignore[arg-type]
    assert result.accepted and result.parent_id and result.ticket_id, result.reason
    return result.parent_id, result.ticket_id


def work(engine: Engine, venue: ScriptedVenue, clock: VirtualClock, parent: ParentId, shares: int) -> None:
    """Fill `shares` of the parent's working children at 100.00 (acking first), over at most its hour."""
    for _ in range(3700):
        for cid in engine.store.live_child_ids(parent):
            child = engine.store.child(cid)
            if child.status is OrdStatus.PENDING_NEW:
                venue.ack(cid)
            take = min(shares, engine.store.child(cid).leaves_qty)
            if take > 0:
                venue.fill(cid, take, "100.00")
                shares -= take
            if shares == 0:
                return
        clock.advance(NS_PER_S)
    raise AssertionError(f"{shares} shares could not be filled")


def test_compatible_tickets_join_one_parent_and_raise_its_quantity(engine: Engine) -> None:
    p1, t1 = ticket(engine, 300)
    p2, t2 = ticket(engine, 200, account="PM2")
    assert p1 == p2 and t1 != t2
    parent = engine.store.parent(p1)
    assert parent.quantity == 500 and parent.tickets == 2


def test_incompatible_mandates_get_their_own_parents(engine: Engine) -> None:
    p1, _ = ticket(engine, 300)
    p2, _ = ticket(engine, 300, limit_price=Decimal("99.50"))
    p3, _ = ticket(engine, 300, end_ns=END + HOUR)
    p4, _ = ticket(engine, 300, urgency="HIGH")
    assert len({p1, p2, p3, p4}) == 4


def test_opposing_tickets_cross_at_the_mid_and_only_the_net_goes_to_market(engine: Engine) -> None:
    crosses: list[ev.TicketsCrossed] = []
    engine.subscribe(lambda e: crosses.append(e) if isinstance(e, ev.TicketsCrossed) else None)
    buy_parent, buy = ticket(engine, 1000)
    sell_parent, sell = ticket(engine, 600, Side.SELL)
    (cross,) = crosses
    assert cross.quantity == 600 and cross.price == Decimal("100.01")  # mid of 100.00 / 100.02
    assert engine.store.parent(buy_parent).quantity == 400
    assert engine.store.parent(buy_parent).netted_qty == 600
    sold = engine.store.parent(sell_parent)
    assert sold.quantity == 0 and sold.status is OrdStatus.FILLED
    buy_row, sell_row = engine.ticket(buy), engine.ticket(sell)
    assert buy_row and sell_row
    assert (buy_row.allocated, buy_row.crossed, buy_row.avg_price) == (600, 600, Decimal("100.01"))
    assert sell_row.allocated == 600 and sell_row.status is OrdStatus.FILLED


def test_crossing_can_be_disabled_per_account(clock: VirtualClock, venue: ScriptedVenue, journal_path: Path) -> None:
    engine = Engine(clock=clock, journal=Journal(journal_path), instruments=INSTRUMENTS, venues=[venue],
                    crossing=CrossingPolicy(disabled_accounts=frozenset({"NOCROSS"})))
    engine.start()
    venue.book("AAPL", "100.00", "100.02")
    buy_parent, _ = ticket(engine, 1000, account="NOCROSS")
    ticket(engine, 600, Side.SELL)
    assert engine.store.parent(buy_parent).quantity == 1000 and engine.store.parent(buy_parent).netted_qty == 0
    engine.close()


def test_fills_allocate_pro_rata_in_whole_lots_and_sum_exactly(
    engine: Engine, venue: ScriptedVenue, clock: VirtualClock
) -> None:
    parent, t1 = ticket(engine, 300)
    _, t2 = ticket(engine, 200)
    _, t3 = ticket(engine, 100)
    work(engine, venue, clock, parent, 60)
    rows = {t: engine.ticket(t) for t in (t1, t2, t3)}
    assert [rows[t].allocated for t in (t1, t2, t3)] == [30, 20, 10]  # type: ignore[union-attr]
    assert all(r is not None and r.avg_price == Decimal("100.00") for r in rows.values())
    work(engine, venue, clock, parent, 540)
    assert [engine.ticket(t).allocated for t in (t1, t2, t3)] == [300, 200, 100]  # type: ignore[union-attr]
    assert engine.store.parent(parent).status is OrdStatus.FILLED


def test_ticket_cancel_lowers_the_parent_never_below_what_is_allocated(
    engine: Engine, venue: ScriptedVenue, clock: VirtualClock
) -> None:
    parent, t1 = ticket(engine, 600)
    _, t2 = ticket(engine, 400)
    work(engine, venue, clock, parent, 100)
    assert engine.ticket(t1).allocated == 60  # type: ignore[union-attr]
    refused = engine.amend_ticket(t1, 50)
    assert not refused.ok and "already allocated" in refused.reason
    assert engine.cancel_ticket(t1).ok
    row = engine.ticket(t1)
    assert row is not None and row.quantity == 60 and row.status is OrdStatus.CANCELED
    assert engine.store.parent(parent).quantity == 460  # 60 + t2's 400
    assert engine.cancel_ticket(t2).ok
    parent_view = engine.store.parent(parent)
    working = parent_view.working_qty
    if working:  # shares still out: the cut waits for the venue, the parent keeps its size and is held
        assert engine.ticket(t2).quantity == 400  # type: ignore[union-attr]
        for cid in engine.store.live_child_ids(parent):
            assert engine.store.child(cid).status is OrdStatus.PENDING_CANCEL
            venue.canceled(cid)
    parent_view = engine.store.parent(parent)
    assert parent_view.quantity == parent_view.cum_qty == 100 and parent_view.status is OrdStatus.FILLED
    assert engine.ticket(t2).quantity == 40  # type: ignore[union-attr]


def test_a_ticket_cut_while_shares_are_out_waits_and_the_fill_goes_to_the_ticket(
    engine: Engine, venue: ScriptedVenue, clock: VirtualClock
) -> None:
    parent, t1 = ticket(engine, 600)
    work(engine, venue, clock, parent, 100)
    while not engine.store.live_child_ids(parent):
        clock.advance(NS_PER_S)
    [cid] = engine.store.live_child_ids(parent)
    venue.ack(cid)
    out = engine.store.child(cid).leaves_qty
    assert out > 0
    result = engine.cancel_ticket(t1)  # the OMS cancels while the child works at the venue
    assert result.ok and result.pending
    assert engine.store.child(cid).status is OrdStatus.PENDING_CANCEL
    assert engine.store.parent(parent).quantity == 600 and engine.ticket(t1).quantity == 600  # type: ignore[union-attr]
    clock.advance(30 * NS_PER_S)
    assert engine.store.live_child_ids(parent) == [cid]  # held: nothing new is sent while the cut waits
    venue.fill(cid, out, "100.00")  # the venue executed them before our cancel arrived
    venue.cancel_rejected(cid)
    parent_view = engine.store.parent(parent)
    row = engine.ticket(t1)
    assert parent_view.cum_qty == 100 + out and parent_view.status is OrdStatus.FILLED
    assert row is not None and row.quantity == row.allocated == 100 + out and row.status is OrdStatus.CANCELED
    records = list(engine.journal.replay())
    assert sum(r.quantity for r in records if isinstance(r, ev.ChildFilled)) == 100 + out  # booked
    assert sum(r.quantity for r in records if isinstance(r, ev.TicketsAllocated)) == 100 + out  # and allocated
    assert not [r for r in records if isinstance(r, ev.ReportRefused | ev.AlertRaised)]


def test_cancelling_the_only_ticket_before_any_fill_cancels_the_parent(engine: Engine, venue: ScriptedVenue) -> None:
    parent, t1 = ticket(engine, 500)
    assert engine.cancel_ticket(t1).ok
    for cid in list(venue.submitted):
        if engine.store.child(cid).status.is_live:
            venue.canceled(cid)
    assert engine.store.parent(parent).status is OrdStatus.CANCELED


def test_basket_is_all_or_nothing_in_one_journal_transaction(engine: Engine, journal_path: Path) -> None:
    good = TicketRequest("AAPL", Side.BUY, 100, None, "TWAP", END)
    bad = TicketRequest("AAPL", Side.BUY, 0, None, "TWAP", END)
    results = engine.submit_basket([good, bad, good])
    assert not any(r.accepted for r in results)
    assert "quantity must be positive" in results[1].reason and "1 other row(s) invalid" in results[0].reason
    assert [r.for_other_rows for r in results] == [True, False, True]  # the row at fault, by a flag, not words
    assert engine.tickets() == []
    results = engine.submit_basket([good, TicketRequest("AAPL", Side.SELL, 100, Decimal("101.00"), "TWAP", END)])
    assert all(r.accepted for r in results) and len(engine.tickets()) == 2


def test_replay_rebuilds_tickets_blocks_and_allocations(
    engine: Engine, venue: ScriptedVenue, clock: VirtualClock, journal_path: Path
) -> None:
    parent, _ = ticket(engine, 700)
    ticket(engine, 300)
    ticket(engine, 250, Side.SELL)
    work(engine, venue, clock, parent, 90)
    engine.cancel_ticket(engine.tickets()[1].ticket_id)
    live_rows, live_parents = engine.tickets(), engine.store.parents()
    fresh = Engine(clock=clock, journal=Journal(journal_path), instruments=INSTRUMENTS,
                   venues=[ScriptedVenue("LIT1", clock)])
    fresh.recover(reconcile=False)
    assert fresh.tickets() == live_rows
    assert fresh.store.parents() == live_parents
    fresh.close()


def test_different_algo_parameters_are_different_mandates(engine: Engine) -> None:
    p1, _ = ticket(engine, 300, params={"slice_seconds": "30"})
    p2, _ = ticket(engine, 300, params={"slice_seconds": "120"})
    p3, _ = ticket(engine, 300, params={"slice_seconds": "30"})
    assert p1 != p2 and p1 == p3


def test_the_ticket_urgency_reaches_an_algo_that_takes_one(engine: Engine) -> None:
    assert any(spec.name == "urgency" for spec in engine.algos["VWAP"].params_spec)
    parent, _ = ticket(engine, 300, algo="VWAP", urgency="HIGH")
    assert ("urgency", "HIGH") in engine.store.parent(parent).params


def test_a_limit_amend_moves_the_parent_to_the_new_limit_and_survives_recovery(
    engine: Engine, venue: ScriptedVenue, clock: VirtualClock, journal_path: Path
) -> None:
    parent, t1 = ticket(engine, 500, limit_price=Decimal("100.50"))
    work(engine, venue, clock, parent, 100)
    result = engine.amend_ticket(t1, 600, Decimal("100.40"))
    assert result.ok, result.reason
    view = engine.store.parent(parent)
    assert (view.limit_price, view.quantity) == (Decimal("100.40"), 600)
    assert all(engine.store.child(c).price is None or engine.store.child(c).price <= Decimal("100.40")
               for c in engine.store.live_child_ids(parent))
    live_rows, live_parents = engine.tickets(), engine.store.parents()
    fresh = Engine(clock=clock, journal=Journal(journal_path), instruments=INSTRUMENTS,
                   venues=[ScriptedVenue("LIT1", clock)])
    fresh.recover(reconcile=False)
    assert fresh.tickets() == live_rows and fresh.store.parents() == live_parents
    block = fresh.desk.block_view(parent)
    assert block is not None and block.limit_price == Decimal("100.40")
    fresh.close()


def test_a_limit_amend_is_all_or_nothing(engine: Engine, venue: ScriptedVenue, clock: VirtualClock) -> None:
    parent, t1 = ticket(engine, 500, limit_price=Decimal("100.50"))
    work(engine, venue, clock, parent, 200)
    refused = engine.amend_ticket(t1, 100, Decimal("100.40"))  # below the 200 allocated: refused, limit kept
    assert not refused.ok and "already allocated" in refused.reason
    assert engine.store.parent(parent).limit_price == Decimal("100.50")
    _, t2 = ticket(engine, 300, limit_price=Decimal("100.50"))
    refused = engine.amend_ticket(t2, 300, Decimal("100.40"))
    assert not refused.ok and "other open ticket(s)" in refused.reason
    assert engine.store.parent(parent).limit_price == Decimal("100.50")


def test_a_parent_works_to_the_traders_tighter_terms_and_they_stick(
    engine: Engine, clock: VirtualClock, journal_path: Path
) -> None:
    parent, t1 = ticket(engine, 500, limit_price=Decimal("100.50"))
    ticket(engine, 300, limit_price=Decimal("100.50"), account="PM2")  # aggregated: two open tickets
    earlier = END - HOUR // 2
    assert engine.amend(parent, limit_price=Decimal("100.40"), end_ns=earlier).ok
    view = engine.store.parent(parent)
    assert (view.limit_price, view.end_ns, view.quantity) == (Decimal("100.40"), earlier, 800)
    row = engine.ticket(t1)
    assert row is not None and row.limit_price == Decimal("100.50")  # the clients' limits are theirs
    # Another ticket at the tickets' terms joins, and the trader's terms stay.
    joined, _ = ticket(engine, 200, limit_price=Decimal("100.50"))
    view = engine.store.parent(parent)
    assert joined == parent and (view.limit_price, view.end_ns, view.quantity) == (Decimal("100.40"), earlier, 1_000)
    fresh = Engine(clock=clock, journal=Journal(journal_path), instruments=INSTRUMENTS,
                   venues=[ScriptedVenue("LIT1", clock)])
    fresh.recover(reconcile=False)
    block = fresh.desk.block_view(parent)
    assert block is not None and (block.limit_price, block.end_ns) == (Decimal("100.40"), earlier)
    fresh.close()


def test_a_parent_cannot_work_looser_or_later_than_its_tickets(engine: Engine) -> None:
    parent, _ = ticket(engine, 500, limit_price=Decimal("100.50"))
    looser = engine.amend(parent, limit_price=Decimal("100.60"))
    assert not looser.ok and "looser than its tickets' limit 100.50" in looser.reason
    later = engine.amend(parent, end_ns=END + HOUR)
    assert not later.ok and "after its tickets' end time" in later.reason
    to_market = engine.amend(parent, clear_limit=True)
    assert not to_market.ok and "limit 100.50 binds" in to_market.reason
    view = engine.store.parent(parent)
    assert (view.limit_price, view.end_ns) == (Decimal("100.50"), END)


def test_a_parent_quantity_amend_needs_exactly_one_open_ticket(engine: Engine) -> None:
    parent, _ = ticket(engine, 500)
    ticket(engine, 300)
    refused = engine.amend(parent, quantity=600)
    assert not refused.ok and "parent works 2 open tickets" in refused.reason
    assert engine.store.parent(parent).quantity == 800
