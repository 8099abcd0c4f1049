"""Work a batch needs once runs once per turn, before its commit (Turns.at_end): a basket nets each symbol once."""

from __future__ import annotations

from pathlib import Path

from engine import events as ev
from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.journal import Journal
from engine.model import Side
from engine.ticket_flow import TicketRequest
from engine.turns import Turns
from tests.engine.conftest import INSTRUMENTS, OPEN_NS
from tests.engine.scripted_venue import ScriptedVenue

END = OPEN_NS + 3600 * NS_PER_S


def test_at_end_runs_once_per_key_in_order_before_the_commit_and_may_add_more(engine: Engine) -> None:
    ran: list[str] = []
    journal_rows_seen: list[int] = []
    uow = engine.turns

    def rows() -> int:
        return int(engine.journal.ledger.conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0])

    def b_then_c() -> None:
        ran.append("b")
        uow.at_end("c", lambda: ran.append("c"))

    before = rows()
    with engine.turn():
        uow.at_end("a", lambda: ran.append("a"))
        uow.at_end("b", b_then_c)
        uow.at_end("a", lambda: ran.append("a again"))  # same key: dropped
        uow.emit(ev.AlertRaised(OPEN_NS, "info", "test", "", "staged"))
        uow.at_end("rows", lambda: journal_rows_seen.append(rows()))
        assert ran == []  # nothing runs inside the turn
    assert ran == ["a", "b", "c"]
    assert journal_rows_seen == [before]  # ran before the turn committed
    assert rows() > before
    uow.at_end("outside", lambda: ran.append("outside"))  # outside a turn: at once
    assert ran[-1] == "outside"


def _requests(n: int) -> list[TicketRequest]:
    sides = (Side.BUY, Side.SELL)
    return [TicketRequest("AAPL", sides[i % 2], 100 * (1 + i % 3), None, "TWAP", END, account=f"A{i % 2}")
            for i in range(n)]


def test_a_basket_crosses_each_symbol_once_for_what_the_whole_basket_asks(
    clock: VirtualClock, tmp_path: Path
) -> None:
    """Opposing tickets in one basket net once, at the end of the turn, for what the whole basket asks."""
    venue = ScriptedVenue("LIT1", clock)
    engine = Engine(clock=clock, journal=Journal(tmp_path / "basket.db"), instruments=INSTRUMENTS, venues=[venue])
    engine.start()
    venue.book("AAPL", "100.00", "100.02")
    crosses: list[ev.TicketsCrossed] = []
    engine.subscribe(lambda e: crosses.append(e) if isinstance(e, ev.TicketsCrossed) else None)
    results = engine.submit_basket(_requests(12))
    assert all(r.accepted for r in results)
    assert len(crosses) == 1  # once per symbol per turn (it was once per ticket)
    buys = sum(100 * (1 + i % 3) for i in range(0, 12, 2))
    sells = sum(100 * (1 + i % 3) for i in range(1, 12, 2))
    assert crosses[0].quantity == min(buys, sells)
    parents = engine.store.parents()
    assert sum(p.netted_qty for p in parents) == 2 * min(buys, sells)
    assert sum(p.quantity for p in parents) == abs(buys - sells)  # only the net goes to market
    engine.close()


def test_an_event_the_store_refuses_goes_no_further_than_the_journal(engine: Engine) -> None:
    result = engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=100, limit_price=None, algo="TWAP",
                                  start_ns=None, end_ns=END, params={}, urgency="MEDIUM")
    assert result.parent_id is not None and engine.cancel(result.parent_id).ok  # pending cancel
    applied: list[ev.Event] = []
    turns = Turns(engine.store, engine.journal, now_ns=lambda: OPEN_NS, on_applied=applied.append,
                  on_problem=lambda *_: None, dispatch=lambda _: None)
    canceled = ev.ParentCanceled(OPEN_NS, result.parent_id, "canceled")
    twice = ev.ParentCanceled(OPEN_NS, result.parent_id, "canceled again")  # not a venue report
    with turns.turn():
        assert turns.emit(canceled)
        assert not turns.emit(twice)  # a canceled parent cannot be canceled again
    assert applied == [canceled]  # no algo, risk check or follower hears of the refused one as done
    journaled = list(engine.journal.replay())
    assert journaled[-3:-1] == [canceled, twice] and isinstance(journaled[-1], ev.IllegalTransition)
