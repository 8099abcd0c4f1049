"""Ticket ids and arrival numbers: only a ticket the book takes uses one up, live and in replay alike."""

from __future__ import annotations

from engine import events as ev
from engine.desk import TicketDesk
from engine.model import Side, Symbol
from engine.tickets import records
from engine.venues.sim.market import default_instruments

END_NS = 2_000_000_000_000_000_000


def _accepted(desk: TicketDesk, symbol: str, quantity: int = 100) -> ev.TicketAccepted:
    ticket_id, arrival = desk.next_ticket_id()
    return ev.TicketAccepted(1, ticket_id, "ACC1", "gui", "", Symbol(symbol), Side.BUY, quantity, None, "TWAP",
                             "MEDIUM", None, END_NS, (), True, arrival)


def test_a_ticket_the_book_refuses_uses_no_id_and_replay_reaches_the_same_next_id() -> None:
    live = TicketDesk(default_instruments())
    journal: list[ev.TicketAccepted] = []
    first = _accepted(live, "AAPL")
    assert isinstance(live.join(first), records.TicketJoined)
    journal.append(first)
    refused = _accepted(live, "NOSUCH")  # the book refuses it: nothing is journaled
    assert isinstance(live.join(refused), records.TicketRejected)
    assert live.next_ticket_id() == (refused.ticket_id, refused.arrival_seq)  # not used up
    second = _accepted(live, "MSFT")
    assert second.ticket_id == "T000002" and second.arrival_seq == 2
    assert isinstance(live.join(second), records.TicketJoined)
    journal.append(second)

    replayed = TicketDesk(default_instruments())
    for event in journal:
        replayed.replay(event)
    assert replayed.next_ticket_id() == live.next_ticket_id() == ("T000003", 3)
    assert replayed.rows() == live.rows()
