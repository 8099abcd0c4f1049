"""A kill -9 at the worst moments of a turn loses nothing and repeats nothing, on the real wiring.

Each test starts `ems headless` (a subprocess) with `EMS_FAILPOINT` armed so that it SIGKILLs itself at a
named point counted from the first OMS NewOrderSingle (engine/failpoints.py); an OMS over FIX 4.4
(bench/oms_client.py: its session state outlives the engine) logs on and sends orders; the engine dies
there (-9, checked); it is started again WITHOUT the failpoint on the same files; the OMS logs on again
without a reset and the two sides exchange ResendRequests as needed; the OMS cancels what is still open,
the engine stops cleanly (SIGTERM, exit 0), and the OMS's view is checked against the journal, read
alone (bench/crash_state.py): no lost or duplicated ticket or fill, allocations equal to the fills, no
share reported twice (LastQty over distinct ExecIDs == CumQty), the OMS's status equal to the journal's.

The points: the rows of the turn holding an order are written but not committed (the turn is rolled
back: the OMS resends the order, one ticket); the turn committed but nothing was sent (the answers come
by resend, PossDup, once; the OMS does not resend the order); FIX bytes about to be written (same); the
journal half replayed at startup (the next start recovers it whole); a fill's turn written but not
committed (the fill is lost whole: no allocation, no report; that lifetime runs under a tap, `TAP`, that
shows which turn the kill rolled back); a turn of a burst committed and written while the burst's other orders
wait for their turns (those come again by resend, each one ticket).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from bench.crash_state import read_state
from tests.e2e.kill_harness import (
    KILLED,
    SOURCE,
    Desk,
    assert_nothing_lost_or_repeated,
    expected_live_parents,
    journal_records,
    live_parents,
    received,
    restart_notices,
    until,
)

pytestmark = pytest.mark.timeout(60)  # a backstop: each test takes 1-3 s


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    world = Desk(tmp_path)
    try:
        yield world
    finally:
        await world.close()


# --- the kill points ------------------------------------------------------------------------------------------


async def test_kill_before_the_order_turn_commits_rolls_it_back_and_the_resent_order_makes_one_ticket(
    desk: Desk,
) -> None:
    desk.engine.start("ledger.before_commit:1@oms.new_order")
    await desk.logon()
    first = desk.order("AAPL", 500)
    others = [desk.order("MSFT", 300), desk.order("NVDA", 400, through="-0.02")]
    await desk.died_at_failpoint("the first commit after the order arrived")

    assert read_state(desk.journal).tickets_for(SOURCE, first.cl_ord_id) == [], "the order's turn was committed"
    assert first.history == [], "the OMS heard of an order whose turn never committed"

    await desk.restart()
    await until(lambda: all(o.answered for o in desk.oms.orders.values()), "every order answered after restart")
    assert first.resent >= 1, "the engine did not ask for the order it never committed"
    await desk.wind_down()

    state = read_state(desk.journal)
    for order in (first, *others):
        assert not order.rejected, f"{order.cl_ord_id}: {order.history}"
        assert len(state.tickets_for(SOURCE, order.cl_ord_id)) == 1, order.cl_ord_id
        assert len(received(order, "0")) == 1, f"{order.cl_ord_id}: {order.history}"
    assert_nothing_lost_or_repeated(desk, state)


async def test_kill_after_the_order_turn_commits_resends_its_acknowledgements_once_and_no_second_ticket(
    desk: Desk,
) -> None:
    await kill_after_the_order_committed(desk, "ledger.after_commit:1@oms.new_order")


async def test_kill_before_the_acknowledgements_reach_the_wire_resends_them_once_and_no_second_ticket(
    desk: Desk,
) -> None:
    await kill_after_the_order_committed(desk, "acceptor.before_write:1@oms.new_order")


async def kill_after_the_order_committed(desk: Desk, failpoint: str) -> None:
    """The order's turn is durable but none of its answers left: they come by resend (PossDup) exactly
    once, the OMS has no reason to resend the order, and it stays one ticket."""
    desk.engine.start(failpoint)
    await desk.logon()
    order = desk.order("AAPL", 500)
    await desk.died_at_failpoint(failpoint)

    assert len(read_state(desk.journal).tickets_for(SOURCE, order.cl_ord_id)) == 1, "the order's turn is not durable"
    assert order.history == [], "answers left before the kill point"

    await desk.restart()
    await until(lambda: order.answered, "the order's answers after restart")
    assert order.history[:2] == ["8:A/A/0/PD", "8:0/0/0/PD"], order.history
    assert len(received(order, "A")) == 1 and len(received(order, "0")) == 1, order.history
    assert order.resent == 0, "the OMS resent an order the engine had committed"
    after = desk.order("MSFT", 300)  # the session goes on: a new order is answered as new
    await until(lambda: after.answered, "an order sent after the restart")
    await desk.wind_down()

    state = read_state(desk.journal)
    assert len(state.tickets_for(SOURCE, order.cl_ord_id)) == 1
    assert len(received(after, "0")) == 1 and not after.history[0].endswith("/PD"), after.history
    assert_nothing_lost_or_repeated(desk, state)


async def test_kill_while_replaying_the_journal_leaves_it_whole_and_the_next_start_recovers_it_exactly(
    desk: Desk,
) -> None:
    # first lifetime: a few thousand records (40 parents swept at once), three orders still open: two
    # resting below the market, one worked over half an hour (partly filled); a clean stop
    desk.engine.start()
    await desk.logon()
    swept = [desk.order(symbol, 5000, through=str(Decimal("0.01") + Decimal(n) / 500), end_s=20)
             for n in range(10) for symbol in ("AAPL", "AMZN", "MSFT", "NVDA")]  # limits differ: 40 parents
    still_open = [desk.order("AAPL", 700, through="-0.03"), desk.order("NVDA", 900, through="-0.03"),
                  desk.order("MSFT", 4000, end_s=1800)]
    await until(lambda: all(o.done for o in swept) and all(o.got_new for o in still_open),
                "the swept orders filled and the open ones acknowledged", 20.0)
    await until(lambda: desk.oms.settled, "the OMS settled")
    assert await desk.engine.stop() == 0, desk.tail()
    await desk.oms.drop()
    records = journal_records(desk.journal)
    assert records >= 3000, f"only {records} records: the replay kill needs 2,000 and some margin"

    # second lifetime: killed at the 2,000th record replayed, before it listens; it wrote nothing
    desk.engine.start("recovery.replaying:2")
    code = await desk.engine.exit_code()
    assert code == KILLED, f"expected death while replaying, exit status {code}\n{desk.tail()}"
    assert "FIX acceptor listening" not in desk.engine.lifetime_log()
    assert journal_records(desk.journal) == records, "a start killed while replaying changed the journal"

    # third lifetime: everything recovered, exactly what the journal says
    notices = len(restart_notices(desk.journal))
    await desk.restart()
    await until(lambda: len(restart_notices(desk.journal)) > notices, "the third start's restart notice")
    recovered = restart_notices(desk.journal)[-1]
    assert recovered.records == records and not recovered.from_checkpoint
    journal = read_state(desk.journal)
    live = dict(live_parents(recovered))
    assert live == expected_live_parents(journal)
    assert any(0 < filled < quantity for filled, quantity in live.values()), f"no partly filled parent: {live}"
    for order in desk.oms.orders.values():
        desk.ask_status(order)
    await until(lambda: all(received(o, "I") for o in desk.oms.orders.values()), "every status answered")
    for order in desk.oms.orders.values():
        ticket, = journal.tickets_for(SOURCE, order.cl_ord_id)
        assert received(order, "I")[-1] == f"8:I/{ticket.oms_status}/{ticket.allocated}", (order.history, ticket)

    # fourth lifetime writes a checkpoint at its clean stop; the fifth restores it and replays only the rest
    desk.engine.write_config(checkpoint_on_close=True)
    assert await desk.engine.stop() == 0, desk.tail()
    await desk.oms.drop()
    await desk.restart()
    assert await desk.engine.stop() == 0, desk.tail()
    await desk.oms.drop()
    notices = len(restart_notices(desk.journal))
    await desk.restart()
    await until(lambda: len(restart_notices(desk.journal)) > notices, "the fifth start's restart notice")
    restored = restart_notices(desk.journal)[-1]
    assert restored.from_checkpoint, restored
    assert dict(live_parents(restored)) == expected_live_parents(read_state(desk.journal))
    await desk.wind_down()

    state = read_state(desk.journal)
    assert len(state.tickets) == len(swept) + len(still_open)
    assert sum(t.allocated for t in state.tickets.values()) == sum(f.quantity for f in state.fills if f.applied)
    assert_nothing_lost_or_repeated(desk, state)


# A marketable 5,000 due within 20 market seconds (swept at once) fills in several venue fills, each in a turn
# of its own; the kill comes before the commit of the turn holding the third (`venue.fill` marks each fill as
# it arrives, so the order's turn, its acknowledgements and the first fills may take any number of commits
# before it: under load they did). The tap checks that the killed turn held a fill.
FILL = 3


async def test_kill_before_a_fill_turn_commits_loses_the_fill_whole_and_reports_no_share_twice(
    desk: Desk, tmp_path: Path,
) -> None:
    tap = tmp_path / "commits.jsonl"
    desk.engine.start(f"ledger.before_commit:1@venue.fill:{FILL}", tap=tap)
    await desk.logon()
    order = desk.order("AAPL", 5000, end_s=20)
    await desk.died_at_failpoint(f"the commit of fill {FILL}'s turn")

    killed = json.loads(tap.read_text().splitlines()[-1])
    fills = [(venue, fill_id) for kind, venue, fill_id in killed if kind == "ChildFilled"]
    assert fills and "TicketsAllocated" in [kind for kind, _, _ in killed], f"not a fill's turn: {killed}"
    at_kill = read_state(desk.journal)
    assert not {f.key for f in at_kill.fills} & set(fills), "the killed fill's turn was committed"
    ticket, = at_kill.tickets_for(SOURCE, order.cl_ord_id)
    assert 0 < ticket.allocated < ticket.quantity, "no fill before the kill: fills were not flowing"
    assert order.cum_qty <= ticket.allocated and order.trade_qty <= ticket.allocated, (
        f"the OMS heard of {order.cum_qty} shares, the journal holds {ticket.allocated}")

    await desk.restart()
    await until(lambda: order.cum_qty == ticket.allocated, "the committed fills reported after restart")
    await desk.wind_down()

    state = read_state(desk.journal)
    assert not {f.key for f in state.fills} & set(fills), "the rolled-back fill came back"
    ticket, = state.tickets_for(SOURCE, order.cl_ord_id)
    assert order.trade_qty == order.cum_qty == ticket.allocated == sum(f.quantity for f in state.fills if f.applied)
    assert_nothing_lost_or_repeated(desk, state)


async def test_a_kill_late_in_the_day_restarts_from_a_background_checkpoint(desk: Desk) -> None:
    # checkpoints every 1,000 records, written by a forked child into the side file; then kill -9
    desk.engine.write_config(checkpoint_on_close=False, checkpoint_every_records=1000)
    desk.engine.start()
    await desk.logon()
    swept = [desk.order(symbol, 5000, through=str(Decimal("0.01") + Decimal(n) / 500), end_s=20)
             for n in range(6) for symbol in ("AAPL", "AMZN", "MSFT", "NVDA")]
    working = desk.order("MSFT", 4000, end_s=1800)
    await until(lambda: all(o.done for o in swept) and working.got_new, "the swept orders filled", 20.0)
    await until(lambda: desk.oms.settled, "the OMS settled")
    records = journal_records(desk.journal)
    assert records >= 2000, f"only {records} records"
    side = desk.journal.with_name("journal.checkpoints.db")
    await until(side.exists, "a background checkpoint")
    desk.engine.kill()
    await desk.oms.drop()

    notices = len(restart_notices(desk.journal))
    await desk.restart()
    await until(lambda: len(restart_notices(desk.journal)) > notices, "the restart notice")
    recovered = restart_notices(desk.journal)[-1]
    assert recovered.from_checkpoint, recovered  # not the whole day again
    assert dict(live_parents(recovered)) == expected_live_parents(read_state(desk.journal))
    await desk.wind_down()
    state = read_state(desk.journal)
    assert sum(t.allocated for t in state.tickets.values()) == sum(f.quantity for f in state.fills if f.applied)
    assert_nothing_lost_or_repeated(desk, state)


async def test_kill_between_two_turns_of_one_read_loses_nothing_the_waiting_orders_come_by_resend(
    desk: Desk,
) -> None:
    """A read of many orders enters in turns (engine/fix/transport.py). A kill after the first turn committed
    and was written, the read's other orders still waiting in memory: those were neither journaled nor
    answered, so after the restart the engine asks for them (a gap) and the OMS resends them; each order is
    one ticket, acknowledged once."""
    desk.engine.start("fix.messages_waiting:1")
    await desk.logon()
    symbols = ("AAPL", "MSFT", "NVDA")
    with desk.oms.batched():  # one write: the engine reads it as one burst, more than one turn takes
        orders = [desk.order(symbols[n % 3], 100 * (1 + (n // 3) % 40), through=f"0.0{1 + n // 120}")
                  for n in range(400)]
    await desk.died_at_failpoint("a turn committed with the read's other orders waiting")

    state = read_state(desk.journal)
    committed = {o.cl_ord_id for o in orders if state.tickets_for(SOURCE, o.cl_ord_id)}
    assert 0 < len(committed) < len(orders), f"{len(committed)} of {len(orders)} orders committed before the kill"

    await desk.restart()
    await until(lambda: all(o.answered for o in orders), "every order answered after restart")
    for order in orders:
        assert not order.rejected, f"{order.cl_ord_id}: {order.history}"
        assert len(received(order, "0")) == 1, f"{order.cl_ord_id}: {order.history}"
        assert (order.resent >= 1) == (order.cl_ord_id not in committed), f"{order.cl_ord_id}: resent {order.resent}"
    await desk.wind_down()

    state = read_state(desk.journal)
    for order in orders:
        assert len(state.tickets_for(SOURCE, order.cl_ord_id)) == 1, order.cl_ord_id
    assert_nothing_lost_or_repeated(desk, state)
