"""Book ladder: venues' books merged best first for the shown symbol, repainted on flush only.

Consolidated rows read (ours, venues, size, price | price, size, venues, ours); tests/widgets/test_book_views.py
covers the venue toggle and our own orders."""

from __future__ import annotations

from decimal import Decimal as D

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from widgets import theme
from widgets.book_ladder import BookLadder, consolidate


def make(qtbot: QtBot, depth: int = 3) -> BookLadder:
    ladder = BookLadder(["AAPL", "MSFT"], depth=depth)
    qtbot.addWidget(ladder)
    return ladder


def text(ladder: BookLadder, row: int) -> list[object]:
    model = ladder.model
    return [model.data(model.index(row, column)) for column in range(model.columnCount())]


def test_books_of_several_venues_merge_best_price_first_bigger_size_first_at_a_price() -> None:
    books = {
        "LIT-A": ((( D("100.00"), 300), (D("99.99"), 100)), ((D("100.02"), 200),)),
        "LIT-B": (((D("100.01"), 50), (D("100.00"), 500)), ((D("100.02"), 400), (D("100.03"), 100))),
    }
    bids, asks = consolidate(books, depth=3)
    assert bids == [(D("100.01"), 50, "LIT-B"), (D("100.00"), 500, "LIT-B"), (D("100.00"), 300, "LIT-A")]
    assert asks == [(D("100.02"), 400, "LIT-B"), (D("100.02"), 200, "LIT-A"), (D("100.03"), 100, "LIT-B")]


def test_the_first_symbol_is_shown_until_another_is_chosen(qtbot: QtBot) -> None:
    ladder = BookLadder(["MSFT", "AAPL"])
    qtbot.addWidget(ladder)
    assert ladder.shown_symbol == "AAPL" and ladder.symbol.currentText() == "AAPL"
    ladder.set_venue_book("LIT-A", "AAPL", [(D("100.00"), 300)], [(D("100.02"), 200)])
    ladder.flush()
    assert text(ladder, 0) == ["", "1", "300", "100.00", "100.02", "200", "1", ""]
    ladder.symbol.setCurrentText("MSFT")  # the trader picks another
    assert ladder.shown_symbol == "MSFT"


def test_ladder_shows_the_selected_symbol_after_a_flush(qtbot: QtBot) -> None:
    ladder = make(qtbot)
    ladder.set_symbol("AAPL")
    ladder.set_venue_book("LIT-A", "AAPL", [(D("100.00"), 300)], [(D("100.02"), 200)])
    ladder.set_venue_book("LIT-B", "AAPL", [(D("100.01"), 1_500)], [(D("100.03"), 100)])
    ladder.set_venue_book("LIT-A", "MSFT", [(D("400.00"), 10)], [(D("400.05"), 10)])
    assert text(ladder, 0) == [None] * 8  # coalesced: nothing until the flush
    ladder.flush()
    assert text(ladder, 0) == ["", "1", "1,500", "100.01", "100.02", "200", "1", ""]
    assert text(ladder, 1) == ["", "1", "300", "100.00", "100.03", "100", "1", ""]
    assert text(ladder, 2) == [None] * 8
    assert ladder.summary.text() == "mid 100.0150  spread 0.01  2 venues"
    model = ladder.model
    assert model.data(model.index(0, 3), Qt.ItemDataRole.ForegroundRole) == theme.BUY
    assert model.data(model.index(0, 4), Qt.ItemDataRole.ForegroundRole) == theme.SELL


def test_a_consolidated_book_replaces_the_symbols_levels_and_switching_symbol_repaints(qtbot: QtBot) -> None:
    ladder = make(qtbot)
    ladder.set_book("MSFT", [(D("400.00"), 10, "LIT-A")], [(D("400.05"), 20, "LIT-B")])
    ladder.set_symbol("MSFT")
    ladder.flush()
    assert text(ladder, 0) == ["", "1", "10", "400.00", "400.05", "20", "1", ""]
    assert ladder.symbol.currentText() == "MSFT"
    ladder.set_symbol("NVDA")  # not in the list yet: added
    ladder.flush()
    assert text(ladder, 0) == [None] * 8
    assert ladder.summary.text() == "no book"
    assert ladder.symbol.currentText() == "NVDA"
