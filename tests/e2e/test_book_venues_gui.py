"""The real wiring (engine + simulated market + main window, offscreen, virtual time): the book ladder's venue
toggle and our working children marked on it, the venue panel's status and scorecard."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.config import load_config, session_epoch_ns
from app.gui import GuiSession, build_session
from app.venue_view import VenueView
from app.wiring import open_journal
from engine import events as ev
from engine.clock import NS_PER_S, VirtualClock
from engine.model import OrdType, ParentId, Side, VenueId
from tests.e2e.gui_session import DAY, gui_session
from widgets.book_ladder import CONSOLIDATED
from widgets.ladder_model import OURS_ASK, OURS_BID
from widgets.venue_model import NONE


@pytest.fixture
def session(tmp_path: Path, qtbot: QtBot) -> Iterator[tuple[GuiSession, VirtualClock]]:
    with gui_session(tmp_path, qtbot, "book") as opened:
        yield opened


def run(gui: GuiSession, clock: VirtualClock, seconds: int) -> None:
    for _ in range(seconds):
        clock.advance(NS_PER_S)
    gui.bridge.refresh()
    gui.bridge.own_orders.refresh()
    gui.window.book.flush()


def ours_by_price(gui: GuiSession) -> dict[tuple[str, Decimal], int]:
    """What the ladder marks as ours: (side, price) -> quantity."""
    model = gui.window.book.model
    bids, asks = model.rows()
    shown = {("BUY", row.price): row.ours for row in bids if row.ours}
    shown.update({("SELL", row.price): row.ours for row in asks if row.ours})
    return shown


def engine_working(gui: GuiSession, symbol: str, venue: str = CONSOLIDATED) -> dict[tuple[str, Decimal], int]:
    """Our priced working children the engine holds, as the view of `venue` should mark them (consolidated:
    the lit venues' only; the dark pool's are counted in the summary line)."""
    working: Counter[tuple[str, Decimal]] = Counter()
    for cid in gui.engine.store.live_child_ids():
        child = gui.engine.store.child(cid)
        shown = child.venue == venue or (venue == CONSOLIDATED and child.venue != "DARK1")
        if child.symbol == symbol and child.ord_type is OrdType.LIMIT and child.price is not None and shown \
                and child.leaves_qty > 0:
            working[(child.side.name, child.price)] += child.leaves_qty
    return dict(working)


def test_our_resting_children_are_marked_on_the_ladder_per_venue_and_gone_once_canceled(
    session: tuple[GuiSession, VirtualClock],
) -> None:
    gui, clock = session
    book = gui.window.book
    assert list(book.venue_buttons) == [CONSOLIDATED, "LIT1", "LIT2", "LIT3", "DARK1"]
    result = gui.engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=20_000, limit_price=None, algo="TWAP",
                                      start_ns=None, end_ns=clock.now_ns() + 1_800 * NS_PER_S,
                                      params={"routing": "PARALLEL"})  # passive slices rest on the lit venues
    assert result.accepted and result.parent_id is not None
    book.set_symbol("AAPL")
    for _ in range(120):
        run(gui, clock, 1)
        if engine_working(gui, "AAPL"):
            break
    working = engine_working(gui, "AAPL")
    assert working, "no child resting on a lit venue within two minutes"
    assert ours_by_price(gui) == working
    assert book.model.data(book.model.index(0, OURS_ASK)) == ""  # a buyer has nothing on the ask side
    venue = next(str(gui.engine.store.child(c).venue) for c in gui.engine.store.live_child_ids()
                 if gui.engine.store.child(c).ord_type is OrdType.LIMIT and gui.engine.store.child(c).venue != "DARK1")
    book.venue_buttons[venue].click()
    book.flush()
    assert ours_by_price(gui) == engine_working(gui, "AAPL", venue) != {}
    for other in ("LIT1", "LIT2", "LIT3", "DARK1"):  # each venue's view marks what works there, nothing else
        book.set_view(other)
        book.flush()
        assert ours_by_price(gui) == engine_working(gui, "AAPL", other)
    book.set_view(CONSOLIDATED)
    book.set_symbol("MSFT")  # the trader looks elsewhere while the AAPL children are canceled
    run(gui, clock, 0)
    assert ours_by_price(gui) == {}
    gui.engine.cancel(ParentId(result.parent_id))
    run(gui, clock, 2)  # the venues' cancel acks
    assert engine_working(gui, "AAPL") == {}
    book.set_symbol("AAPL")  # back: the marks are read again, not the ones held from before
    book.flush()
    assert ours_by_price(gui) == {}
    assert all(book.model.data(book.model.index(r, OURS_BID)) in ("", None) for r in range(book.model.rowCount()))


def test_the_venue_panel_shows_every_venue_its_status_changes_and_the_scorecard_learned(
    session: tuple[GuiSession, VirtualClock],
) -> None:
    gui, clock = session
    view = gui.bridge.venue_view
    model = view.panel.model
    view.panel.flush()
    assert model.venues() == ["LIT1", "LIT2", "LIT3", "DARK1"]
    assert [model.text("State", v) for v in model.venues()] == ["up"] * 4
    assert model.text("Seq out / in", "LIT1") == NONE  # in-process venues: no FIX session
    late = VenueView(gui.engine, gui.window)  # built after the venues reported: their state from the snapshot
    late.panel.flush()
    assert [late.panel.model.text("State", v) for v in model.venues()] == ["up"] * 4
    late.close()
    lit3 = gui.engine.venues[VenueId("LIT3")]
    lit3.sequence_numbers = lambda: (1_042, 977)  # type: ignore[attr-defined]  # as a FIX venue offers them
    view.refresh()
    view.panel.flush()
    assert model.text("Seq out / in", "LIT3") == "1,042 / 977" and model.text("Seq out / in", "LIT2") == NONE
    assert gui.window.book.venue_buttons["DARK1"].toolTip().startswith("DARK1: dark pool")
    gui.engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=5_000, limit_price=None, algo="TWAP",
                             start_ns=None, end_ns=clock.now_ns() + 300 * NS_PER_S, params={})
    run(gui, clock, 300)
    view.refresh()
    view.panel.flush()
    orders = {v: model.text("Orders", v) for v in model.venues()}
    assert any(shown not in (NONE, "0") for shown in orders.values()), orders
    tried = [v for v, shown in orders.items() if shown not in (NONE, "0")]
    assert all(model.text("Fill rate", v).endswith("%") for v in tried)
    gui.engine.on_venue_status(ev.VenueStatusChanged(clock.now_ns(), VenueId("LIT2"), False, "test: link dropped"))
    view.panel.flush()
    assert model.text("State", "LIT2") == "DOWN" and model.text("State", "LIT1") == "up"
    assert model.text("Kind", "DARK1") == "dark" and model.text("Kind", "LIT2") == "lit"
    assert model.data(model.index(1, 1), Qt.ItemDataRole.ToolTipRole) == "test: link dropped"  # the venue's words


def test_after_a_restart_the_panel_shows_the_scorecard_learned_before_and_the_ladder_what_still_works(
    tmp_path: Path, qtbot: QtBot,
) -> None:
    config = load_config(journal_override=str(tmp_path / "gui.db"))
    clock = VirtualClock(session_epoch_ns(DAY, config.market.open_s))
    first = build_session(config, clock, open_journal(config), confirm=lambda *_: True,
                          settings_org="ems-tests", settings_app=f"restart-{tmp_path.name}")
    qtbot.addWidget(first.window)
    clock.advance(5 * NS_PER_S)
    first.engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=20_000, limit_price=None, algo="TWAP",
                               start_ns=None, end_ns=clock.now_ns() + 1_800 * NS_PER_S,
                               params={"routing": "PARALLEL"})
    first.window.book.set_symbol("AAPL")
    run(first, clock, 60)  # some flow for the scorecard
    for _ in range(240):
        run(first, clock, 1)
        if engine_working(first, "AAPL"):
            break
    assert ours_by_price(first) == engine_working(first, "AAPL") != {}
    first.bridge.venue_view.refresh()
    first.bridge.venue_view.panel.flush()
    model = first.bridge.venue_view.panel.model
    before = {v: model.text("Orders", v) for v in model.venues()}
    first.close()  # a clean close writes today's scorecard

    later = VirtualClock(clock.now_ns() + NS_PER_S)
    second = build_session(config, later, open_journal(config), confirm=lambda *_: True,
                           settings_org="ems-tests", settings_app=f"restart-{tmp_path.name}")
    qtbot.addWidget(second.window)
    model = second.bridge.venue_view.panel.model
    second.bridge.venue_view.panel.flush()
    assert {v: model.text("Orders", v) for v in model.venues()} == before
    second.window.book.set_symbol("AAPL")
    later.advance(NS_PER_S)  # the venues answer: the simulator restarted too, so it knows none of our children
    run(second, later, 0)
    assert engine_working(second, "AAPL") == {} and ours_by_price(second) == {}
    second.close()
