"""The real wiring (engine + simulated market + main window) offscreen, in virtual time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTime
from pytestqt.qtbot import QtBot

from app.config import load_config, session_epoch_ns
from app.gui import GuiSession, build_session
from app.wiring import open_journal
from engine import events as ev
from engine.clock import NS_PER_S, VirtualClock
from engine.model import OrdStatus, ParentId, TicketId
from tests.e2e.gui_session import DAY, gui_session


@pytest.fixture
def session(tmp_path: Path, qtbot: QtBot) -> Iterator[tuple[GuiSession, VirtualClock]]:
    with gui_session(tmp_path, qtbot, "gui") as opened:
        yield opened


def enter_ticket(gui: GuiSession, symbol: str, side: str, quantity: str, minutes: int = 10, *, limit: str = "",
                 algo: str = "TWAP") -> None:
    ticket = gui.window.ticket
    ticket.symbol.setCurrentText(symbol)
    ticket.side.setCurrentText(side)
    ticket.quantity.setText(quantity)
    ticket.limit.setText(limit)
    ticket.algo.setCurrentText(algo)
    ticket.start_now.setChecked(True)
    ticket.end.setTime(QTime(9, 30).addSecs(minutes * 60))  # QTime(9, 60) would be invalid: the close
    ticket.submit_button.click()


def run(gui: GuiSession, clock: VirtualClock, seconds: int) -> None:
    for _ in range(seconds):
        clock.advance(NS_PER_S)
    gui.bridge.refresh()
    for blotter in (gui.window.tickets, gui.window.parents, gui.window.child_orders, gui.window.fills):
        blotter.flush()


def test_a_ticket_becomes_a_parent_row_whose_children_and_fills_update(
    session: tuple[GuiSession, VirtualClock],
) -> None:
    gui, clock = session
    enter_ticket(gui, "AAPL", "BUY", "2,000")
    run(gui, clock, 0)
    parents = gui.window.parents.model
    assert parents.visible_keys() == ["P000001"]
    assert "accepted" in gui.window.ticket.status.text()
    run(gui, clock, 120)
    children = gui.window.child_orders.model
    assert children.rowCount() > 0
    parent_row = parents.row_at(0)
    assert parent_row.cum_qty > 0 and parent_row.children == children.stored_count
    assert gui.window.fills.model.stored_count == len(gui.engine.store.fills()) > 0
    run(gui, clock, 9 * 60)
    assert parents.row_at(0).status is OrdStatus.FILLED


def test_an_engine_rejection_is_shown_beside_the_field(session: tuple[GuiSession, VirtualClock]) -> None:
    gui, clock = session
    enter_ticket(gui, "AAPL", "BUY", "20,000,000")  # over the parent quantity limit
    run(gui, clock, 0)
    assert gui.window.parents.model.rowCount() == 0
    assert "exceeds limit" in gui.window.ticket.error_text("quantity")


def test_kill_switch_cancels_every_working_child_and_stays_engaged(session: tuple[GuiSession, VirtualClock]) -> None:
    gui, clock = session
    enter_ticket(gui, "AAPL", "BUY", "5,000")
    enter_ticket(gui, "MSFT", "SELL", "4,000")
    engine = gui.engine
    for _ in range(120):
        run(gui, clock, 1)
        if len(engine.store.live_child_ids()) >= 2:
            break
    assert len(engine.store.live_child_ids()) >= 2
    gui.window.kill_switch.button.click()  # the confirmation dialog is answered yes by the fixture
    run(gui, clock, 2)  # venue round trips
    assert engine.store.kill_engaged and gui.window.kill_switch.engaged
    assert engine.store.live_child_ids() == []
    assert all(c.status in (OrdStatus.CANCELED, OrdStatus.FILLED, OrdStatus.EXPIRED) for c in engine.store.children())
    children_before = len(engine.store.children())
    run(gui, clock, 60)
    assert len(engine.store.children()) == children_before  # nothing new goes out while killed
    enter_ticket(gui, "AAPL", "BUY", "100")
    assert "kill switch engaged" in gui.window.ticket.status.text()
    gui.window.kill_switch.ask_reason = lambda *_: "desk checked the book"
    events: list[object] = []
    engine.subscribe(events.append)
    gui.window.kill_switch.button.click()  # now reads Re-enable; asks for a reason
    run(gui, clock, 0)
    assert not engine.store.kill_engaged and not gui.window.kill_switch.engaged
    notes = [e.text for e in events if isinstance(e, ev.AlertRaised) and "re-enabled by" in e.text]
    assert len(notes) == 1 and "re-enabled by trader: desk checked the book;" in notes[0]


def test_tickets_show_in_the_ticket_blotter_and_aggregate_into_one_parent(
    session: tuple[GuiSession, VirtualClock],
) -> None:
    gui, clock = session
    enter_ticket(gui, "AAPL", "BUY", "1,000")
    enter_ticket(gui, "AAPL", "BUY", "500")
    run(gui, clock, 30)
    tickets = gui.window.tickets.model
    assert tickets.visible_keys() == ["T000001", "T000002"]
    assert {tickets.row_at(i).parent_id for i in range(2)} == {"P000001"}
    parent = gui.window.parents.model.row_at(0)
    assert parent.quantity == 1_500 and parent.tickets == 2
    allocated = sum(tickets.row_at(i).allocated for i in range(2))
    assert allocated == parent.cum_qty  # every share filled at market is allocated to a ticket


def test_basket_preview_rows_are_submitted_all_or_nothing(session: tuple[GuiSession, VirtualClock]) -> None:
    gui, clock = session
    good = "account,symbol,side,quantity,algo,end\nPM1,AAPL,BUY,300,TWAP,09:50\nPM2,MSFT,SELL,200,TWAP,09:50\n"
    preview = gui.bridge.parse_basket(good + "PM3,NOPE,BUY,100,TWAP,09:50\n")
    assert len(preview.rows) == 2 and len(preview.errors) == 1 and preview.errors[0].line_no == 4
    gui.bridge.submit_basket(preview.rows)
    run(gui, clock, 1)
    assert sorted(t.source for t in gui.engine.tickets()) == ["basket", "basket"]
    assert gui.window.tickets.model.stored_count == 2


def test_algo_progress_reaches_the_vwap_progress_view(session: tuple[GuiSession, VirtualClock]) -> None:
    gui, clock = session
    enter_ticket(gui, "AAPL", "BUY", "2,000")
    run(gui, clock, 20)
    gui.window.parents.select_key("P000001")
    snapshots = [p for p in gui.engine.snapshot().progress if p.parent_id == "P000001"]
    assert snapshots and snapshots[0].target_qty > 0
    history = gui.window.progress.history("P000001")
    assert history is not None and len(history) >= 4  # a TWAP asleep between slices reports every 5 s


def test_ticket_cancel_from_the_blotter_shrinks_the_parent(session: tuple[GuiSession, VirtualClock]) -> None:
    gui, clock = session
    enter_ticket(gui, "MSFT", "BUY", "3,000")
    enter_ticket(gui, "MSFT", "BUY", "1,000")
    run(gui, clock, 1)
    gui.window.parents.select_key("")
    row = gui.window.tickets.model.visible_keys().index("T000002")
    menu = gui.window.tickets.actions_menu(row)
    (cancel,) = [a for a in menu.actions() if a.text() == "Cancel T000002"]
    cancel.trigger()
    run(gui, clock, 1)
    ticket = gui.engine.ticket(TicketId("T000002"))
    assert ticket is not None and ticket.status is OrdStatus.CANCELED
    assert gui.engine.store.parent(ParentId("P000001")).quantity == 3_000 + ticket.allocated


def test_amend_from_the_blotters_reaches_the_engine_and_a_refusal_stays_in_the_dialog(
    session: tuple[GuiSession, VirtualClock],
) -> None:
    gui, clock = session
    enter_ticket(gui, "AAPL", "BUY", "2,000")
    run(gui, clock, 60)
    engine, window = gui.engine, gui.window
    filled = engine.store.parent(ParentId("P000001")).cum_qty
    assert filled > 0
    menu = window.parents.actions_menu(0)
    amend = next(a for a in menu.actions() if a.text().startswith("Amend"))
    amend.trigger()
    dialog = window.amend_dialog
    assert dialog is not None and dialog.quantity.text() == "2,000"
    dialog.quantity.setText("3,000")
    dialog.end.setTime(QTime(9, 38))  # earlier than the ticket's 09:40: the trader's working end
    dialog.ok_button.click()
    parent = engine.store.parent(ParentId("P000001"))
    assert parent.quantity == 3_000 and parent.end_ns % (86_400 * NS_PER_S) == (9 * 3600 + 38 * 60) * NS_PER_S
    assert not dialog.isVisible()
    run(gui, clock, 1)
    window.open_amend("ticket", "T000001")
    dialog = window.amend_dialog
    assert dialog is not None
    dialog.quantity.setText("100")  # below what is already allocated
    dialog.ok_button.click()
    assert dialog.isVisible() and "already allocated" in dialog.error.text()
    window.alerts.model.flush()  # the engine's refusal is an alert; the status bar shows the newest
    assert "T000001 refused: " in window.status.last_error.text()
    assert "already allocated" in window.status.last_error.text()
    assert engine.ticket(TicketId("T000001")).quantity == 3_000  # type: ignore[union-attr]
    dialog.quantity.setText("3,000")
    dialog.end.setTime(QTime(9, 39))  # the ticket's own end (the client's terms), 09:40 -> 09:39
    dialog.ok_button.click()
    assert not dialog.isVisible()
    ticket_end = engine.ticket(TicketId("T000001")).end_ns  # type: ignore[union-attr]
    assert ticket_end is not None and ticket_end % (86_400 * NS_PER_S) == (9 * 3600 + 39 * 60) * NS_PER_S


def test_a_restart_shows_what_came_back_paused_and_what_the_venues_closed(
    tmp_path: Path, qtbot: QtBot
) -> None:
    config = load_config(journal_override=str(tmp_path / "gui.db"))
    clock = VirtualClock(session_epoch_ns(DAY, config.market.open_s))
    first = build_session(config, clock, open_journal(config), confirm=lambda *_: True,
                          settings_org="ems-tests", settings_app=f"gui-{tmp_path.name}")
    qtbot.addWidget(first.window)
    clock.advance(5 * NS_PER_S)
    enter_ticket(first, "AAPL", "BUY", "5,000", minutes=30)
    run(first, clock, 30)
    for _ in range(600):  # go down while a child is working at a venue
        live = first.engine.store.live_child_ids(ParentId("P000001"))
        if live:
            break
        clock.advance(NS_PER_S // 10)
    assert live, "a child should be working when the app goes down"
    first.close()

    later = VirtualClock(clock.now_ns() + NS_PER_S)
    second = build_session(config, later, open_journal(config), confirm=lambda *_: True,
                           settings_org="ems-tests", settings_app=f"gui-{tmp_path.name}")
    qtbot.addWidget(second.window)
    assert second.window.restart_notice is None  # nothing is claimed before the venues answer
    later.advance(NS_PER_S)  # the venues' answers arrive (latency)
    notice = second.window.restart_notice
    assert notice is not None and notice.isVisible()
    assert "records replayed" in notice.text and "P000001: paused, " in notice.text
    for child_id in live:  # the simulator restarted with the app: it knows none of them, so they are closed
        assert f"{child_id}: LIT" in notice.text or f"{child_id}: DARK" in notice.text
        assert second.engine.store.child(child_id).status is OrdStatus.CANCELED
    assert second.engine.store.parent(ParentId("P000001")).paused
    second.window.alerts.model.flush()  # the alerts panel keeps it: a warning, the venues closed orders
    assert [(a.severity, a.text) for a in second.window.alerts.model.alerts() if a.source == "restart"] == [
        ("warning", notice.title.text())]
    second.close()
