"""Book ladder views: consolidated (size per price summed, with the venue count) or one venue's L2 (a toggle),
our own working orders marked at their level and gone once they are not working any more."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from widgets import formatting
from widgets.book_ladder import CONSOLIDATED, BookLadder, Mark
from widgets.ladder_model import OURS_ASK, OURS_BACKGROUND, OURS_BID, VENUE_COLUMNS


@pytest.fixture(autouse=True)
def penny_ticks() -> Iterator[None]:
    formatting.PRICES.set_ticks({"AAPL": D("0.01")})
    yield


@pytest.fixture
def ladder(qtbot: QtBot) -> BookLadder:
    book = BookLadder(["AAPL"], depth=4)
    qtbot.addWidget(book)
    book.set_venues(["LIT1", "LIT2", "DARK1"], dark=["DARK1"])
    book.set_venue_book("LIT1", "AAPL", [(D("100.00"), 300), (D("99.99"), 100)], [(D("100.02"), 200)])
    book.set_venue_book("LIT2", "AAPL", [(D("100.00"), 500)], [(D("100.02"), 400), (D("100.03"), 100)])
    book.flush()
    return book


def rows(ladder: BookLadder) -> list[list[object]]:
    model = ladder.model
    shown = [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())]
    return [row for row in shown if any(cell is not None for cell in row)]


def test_consolidated_sums_the_size_at_each_price_and_counts_the_venues(ladder: BookLadder) -> None:
    assert ladder.shown_venue == CONSOLIDATED and ladder.venue_buttons[CONSOLIDATED].isChecked()
    assert rows(ladder) == [
        ["", "2", "800", "100.00", "100.02", "600", "2", ""],
        ["", "1", "100", "99.99", "100.03", "100", "1", ""],
    ]
    model = ladder.model
    assert model.data(model.index(0, 1), Qt.ItemDataRole.ToolTipRole) == "LIT1, LIT2"
    assert ladder.summary.text() == "mid 100.0100  spread 0.02  2 venues"


def test_the_toggle_shows_one_venues_own_book_and_back(ladder: BookLadder) -> None:
    ladder.venue_buttons["LIT2"].click()
    ladder.flush()
    assert ladder.shown_venue == "LIT2"
    assert rows(ladder) == [
        ["", "1", "500", "100.00", "100.02", "400", "1", ""],
        [None, None, None, None, "100.03", "100", "1", ""],
    ]
    assert all(ladder.table.isColumnHidden(column) for column in VENUE_COLUMNS)  # one venue: no count
    assert ladder.summary.text() == "mid 100.0100  spread 0.02  LIT2"
    ladder.venue_buttons[CONSOLIDATED].click()
    ladder.flush()
    assert rows(ladder)[0] == ["", "2", "800", "100.00", "100.02", "600", "2", ""]
    assert not any(ladder.table.isColumnHidden(column) for column in VENUE_COLUMNS)


def test_a_dark_venue_shows_no_book_but_our_orders_there(ladder: BookLadder) -> None:
    ladder.set_own_orders("AAPL", [Mark("DARK1", True, D("100.01"), 1_000)])
    ladder.set_view("DARK1")
    ladder.flush()
    assert rows(ladder) == [["1,000", "", "—", "100.01", None, None, None, None]]
    assert ladder.summary.text() == "DARK1: dark pool, book not displayed"
    assert "dark pool" in ladder.venue_buttons["DARK1"].toolTip()


def test_our_working_order_is_marked_at_its_level_and_unmarked_when_canceled(ladder: BookLadder) -> None:
    ladder.set_own_orders("AAPL", [Mark("LIT1", True, D("100.00"), 200), Mark("LIT2", False, D("100.03"), 100),
                                   Mark("LIT2", True, D("100.00"), 100)])
    ladder.flush()
    model = ladder.model
    assert model.data(model.index(0, OURS_BID)) == "300"  # LIT1 200 + LIT2 100 at the best bid
    assert model.data(model.index(1, OURS_ASK)) == "100"
    assert model.data(model.index(0, OURS_ASK)) == "" and model.data(model.index(1, OURS_BID)) == ""
    assert model.data(model.index(0, 2), Qt.ItemDataRole.BackgroundRole) == OURS_BACKGROUND
    assert model.data(model.index(0, 5), Qt.ItemDataRole.BackgroundRole) is None  # that row's ask is not ours
    ladder.set_view("LIT1")
    ladder.flush()
    assert model.data(model.index(0, OURS_BID)) == "200"  # only what works on the venue shown
    assert model.data(model.index(1, OURS_ASK)) is None
    ladder.set_view(CONSOLIDATED)
    ladder.set_own_orders("AAPL", [])  # canceled: no longer working
    ladder.flush()
    assert [row[OURS_BID] for row in rows(ladder)] == ["", ""]
    assert model.data(model.index(0, 2), Qt.ItemDataRole.BackgroundRole) is None


def test_our_price_no_venue_displays_gets_its_own_row_and_pegged_orders_are_summed(ladder: BookLadder) -> None:
    ladder.set_own_orders("AAPL", [Mark("LIT1", True, D("99.98"), 100), Mark("LIT2", False, None, 500)])
    ladder.flush()
    assert rows(ladder)[2][:4] == ["100", "", "—", "99.98"]
    assert ladder.summary.text().endswith("ours dark/pegged: buy 0 / sell 500")


def test_consolidated_counts_our_dark_orders_in_the_summary_not_on_a_row(ladder: BookLadder) -> None:
    ladder.set_own_orders("AAPL", [Mark("DARK1", True, D("100.02"), 700)])  # a midpoint cap at the ask
    ladder.flush()
    assert [row[0] for row in rows(ladder)] == ["", ""]
    assert ladder.summary.text() == "mid 100.0100  spread 0.02  2 venues  ours dark/pegged: buy 700 / sell 0"
    ladder.set_view("DARK1")
    ladder.flush()
    assert rows(ladder) == [["700", "", "—", "100.02", None, None, None, None]]


def test_orders_of_another_symbol_and_book_changes_wait_for_the_repaint(ladder: BookLadder) -> None:
    ladder.set_own_orders("MSFT", [Mark("LIT1", True, D("100.00"), 900)])
    ladder.set_venue_book("LIT1", "AAPL", [(D("100.00"), 1_300)], [(D("100.02"), 200)])
    assert rows(ladder)[0][2] == "800"  # coalesced: nothing until the repaint
    ladder.flush()
    assert rows(ladder)[0][:3] == ["", "2", "1,800"]
