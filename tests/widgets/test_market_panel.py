"""The market beside the ticket: last, day volume and VWAP, time & sales newest first, a locked or
crossed consolidated book flagged, and the panel following the ticket and the selected parent."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from tests.widgets.fakes import NS_0930, Parent
from widgets import formatting, theme
from widgets.book_ladder import CROSSED, LOCKED, NORMAL, BookLadder, book_state
from widgets.main_window import MainWindow
from widgets.market_panel import BESIDE_MIN_PX, MarketPanel


@pytest.fixture(autouse=True)
def penny_ticks() -> Iterator[None]:
    formatting.PRICES.set_ticks({"AAPL": D("0.01"), "MSFT": D("0.01")})
    yield


def make(qtbot: QtBot) -> MarketPanel:
    panel = MarketPanel(BookLadder(["AAPL", "MSFT"]))
    qtbot.addWidget(panel)
    return panel


def tape_rows(panel: MarketPanel) -> list[list[object]]:
    model = panel.time_and_sales.tape_model
    return [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_last_volume_vwap_and_the_tape_newest_first(qtbot: QtBot) -> None:
    panel = make(qtbot)
    panel.add_trade(NS_0930 + 1_000_000_000, "LIT1", "AAPL", D("189.50"), 300)
    panel.add_trade(NS_0930 + 2_000_000_000, "LIT2", "AAPL", D("189.52"), 100)
    panel.add_trade(NS_0930 + 3_000_000_000, "LIT1", "MSFT", D("410.00"), 900)  # another symbol: not shown
    panel.add_trade(NS_0930 + 4_000_000_000, "LIT1", "AAPL", D("189.49"), 200)
    panel.flush()
    assert panel.last.text() == "last 189.49" and panel.last.property("tick") == "down"
    assert panel.volume.text() == "vol 600"
    assert panel.vwap.text() == f"VWAP {(D('189.50') * 300 + D('189.52') * 100 + D('189.49') * 200) / 600:.4f}"
    assert tape_rows(panel) == [
        ["09:30:04", "189.49", "200", "LIT1"],
        ["09:30:02", "189.52", "100", "LIT2"],
        ["09:30:01", "189.50", "300", "LIT1"],
    ]
    model = panel.time_and_sales.tape_model
    colours = [model.data(model.index(r, 1), Qt.ItemDataRole.ForegroundRole) for r in range(3)]
    assert colours == [theme.ERROR, theme.OK, None]  # down, up, first print


def test_nothing_repaints_until_the_shown_symbol_prints(qtbot: QtBot) -> None:
    panel = make(qtbot)
    panel.add_trade(NS_0930, "LIT1", "AAPL", D("189.50"), 300)
    assert tape_rows(panel) == []  # not before the timer's flush
    panel.add_trade(NS_0930, "LIT1", "AAPL", D("189.50"), 0)  # a zero print is no volume
    panel.flush()
    assert panel.volume.text() == "vol 300"
    panel.set_symbol("MSFT")
    assert panel.book.shown_symbol == "MSFT" and panel.last.text() == "last —" and tape_rows(panel) == []


@pytest.mark.parametrize(
    ("bid", "ask", "state"),
    [(D("100.00"), D("100.01"), NORMAL), (D("100.01"), D("100.01"), LOCKED), (D("100.02"), D("100.01"), CROSSED),
     (None, D("100.01"), NORMAL)],
)
def test_book_state(bid: D | None, ask: D | None, state: str) -> None:
    assert book_state(bid, ask) == state


def test_a_locked_or_crossed_consolidated_book_is_flagged(qtbot: QtBot) -> None:
    panel = make(qtbot)
    book = panel.book
    book.set_venue_book("LIT1", "AAPL", [(D("189.56"), 300)], [(D("189.58"), 200)])
    book.set_venue_book("LIT2", "AAPL", [(D("189.55"), 100)], [(D("189.57"), 200)])
    book.flush()
    assert book.state == NORMAL and book.summary.property("book") == NORMAL
    book.set_venue_book("LIT2", "AAPL", [(D("189.55"), 100)], [(D("189.56"), 200)])
    book.flush()
    assert book.state == LOCKED and book.summary.text().startswith("LOCKED (bid LIT1 = ask LIT2)")
    assert book.summary.property("book") == LOCKED
    book.set_venue_book("LIT2", "AAPL", [(D("189.55"), 100)], [(D("189.55"), 200)])
    book.flush()
    assert book.state == CROSSED and book.summary.text().startswith("CROSSED (bid LIT1 > ask LIT2)")
    assert panel.mid("AAPL") == D("189.555")
    assert panel.mid("MSFT") is None


def test_the_tape_goes_beside_the_book_when_there_is_room_and_under_it_when_not(qtbot: QtBot) -> None:
    panel = make(qtbot)
    panel.resize(BESIDE_MIN_PX + 100, 400)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.splitter.orientation() == Qt.Orientation.Horizontal
    panel.resize(BESIDE_MIN_PX - 200, 400)
    qtbot.waitUntil(lambda: panel.splitter.orientation() == Qt.Orientation.Vertical, timeout=1_000)


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    main = MainWindow(symbols=["AAPL", "MSFT"], algos=["VWAP"], confirm=lambda *_: True,
                      settings_org="ems-test", settings_app="market")
    qtbot.addWidget(main)
    return main


def test_the_market_follows_the_tickets_symbol_and_the_selected_parent(window: MainWindow) -> None:
    assert window.book_dock.widget() is window.market and window.market.book is window.book
    window.ticket.symbol.setEditText("MSFT")
    assert window.market.symbol == "MSFT" and window.book.shown_symbol == "MSFT"
    window.parents.upsert_many([Parent("P-1", symbol="AAPL")])
    window.parents.flush()
    window.parents.select_key("P-1")
    assert window.market.symbol == "AAPL" and window.book.shown_symbol == "AAPL"


def test_the_tickets_confirmations_read_the_markets_mid(qtbot: QtBot, tmp_path: Path) -> None:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    asked: list[str] = []

    def refuse(_parent: object, _title: str, question: str) -> bool:
        asked.append(question)
        return False

    window = MainWindow(symbols=["AAPL"], algos=["VWAP"], confirm=refuse, settings_org="ems-test", settings_app="mid")
    qtbot.addWidget(window)
    window.book.set_venue_book("LIT1", "AAPL", [(D("100.00"), 300)], [(D("100.02"), 200)])
    window.ticket.symbol.setEditText("AAPL")
    window.ticket.quantity.setText("100")
    window.ticket.limit.setText("110.00")  # 10% through the mid 100.01
    with qtbot.assertNotEmitted(window.ticket.submitted):
        assert window.ticket.submit() is None
    assert "through the mid 100.0100" in asked[0]
