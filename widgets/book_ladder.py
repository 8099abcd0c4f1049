"""Book ladder: one symbol's L2 book, bids left, asks right, consolidated or one venue (a toggle), with
our own working orders marked at their price ("Ours").

Books are stored as they come (`set_venue_book` per venue, or `set_book` for a whole consolidated
book) and our orders as the app hands them (`set_own_orders`); only the shown symbol is merged and
repainted, on a timer, however often either changes. A consolidated book whose best bid meets (locked)
or passes (crossed) the best ask across venues is flagged in the summary line, in either view. Prices
show the symbol's tick precision (`formatting.PRICES`). Rows are built in `widgets/ladder_model.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from widgets import formatting as fmt
from widgets.display_table import make_display_only
from widgets.ladder_model import (
    CONSOLIDATED,
    HEADERS,
    OURS_ASK,
    OURS_BID,
    VENUE_COLUMNS,
    LadderModel,
    Level,
    Mark,
    VenueBook,
    ladder_rows,
    off_the_rows,
)

__all__ = ["CONSOLIDATED", "CROSSED", "LOCKED", "NORMAL", "BookLadder", "Level", "Mark", "book_state", "consolidate"]
DEFAULT_DEPTH = 10
DEFAULT_REDRAW_HZ = 5.0
_NARROW = ("0,000", "0")
"""Widest usual text of the Ours and Venues columns (sized once; the sizes and prices share the rest)."""


NORMAL, LOCKED, CROSSED = "", "locked", "crossed"


def book_state(best_bid: Decimal | None, best_ask: Decimal | None) -> str:
    """LOCKED when the best bid equals the best ask, CROSSED when it is above it, else NORMAL."""
    if best_bid is None or best_ask is None or best_bid < best_ask:
        return NORMAL
    return LOCKED if best_bid == best_ask else CROSSED


def consolidate(books: Mapping[str, VenueBook], depth: int) -> tuple[list[Level], list[Level]]:
    """Best `depth` (price, size, venue) levels across venues: bids high to low, asks low to high.

    At one price the bigger level comes first, then the venue name, so the order is stable.
    """
    bids = [(price, size, venue) for venue, (venue_bids, _) in books.items() for price, size in venue_bids if size > 0]
    asks = [(price, size, venue) for venue, (_, venue_asks) in books.items() for price, size in venue_asks if size > 0]
    bids.sort(key=lambda level: (-level[0], -level[1], level[2]))
    asks.sort(key=lambda level: (level[0], -level[1], level[2]))
    return bids[:depth], asks[:depth]



class BookLadder(QWidget):
    """The chosen symbol's ladder, consolidated or one venue; our working orders marked."""

    shown_changed = Signal(str)
    """The symbol shown changed (the app hands over our orders of the new one)."""

    def __init__(
        self,
        symbols: Iterable[str] = (),
        depth: int = DEFAULT_DEPTH,
        redraw_hz: float = DEFAULT_REDRAW_HZ,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._depth = depth
        self._books: dict[str, dict[str, VenueBook]] = {}
        self._marks: dict[str, tuple[Mark, ...]] = {}
        self._dark: set[str] = set()
        self._symbol = ""
        self._venue = CONSOLIDATED
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, round(1000 / redraw_hz)))
        self._timer.timeout.connect(self.flush)
        self.symbol = QComboBox(self)
        self.symbol.addItems(sorted(symbols))
        self.symbol.setCurrentIndex(-1)  # (set below, once the combo box drives `set_symbol`)
        self.symbol.setToolTip("Symbol shown (follows the ticket and the selected parent order)")
        self.venue_group = QButtonGroup(self)
        self.venue_group.setExclusive(True)
        self.venue_buttons: dict[str, QToolButton] = {}
        """The toggle: "All" (CONSOLIDATED) and one button per venue."""
        self._toggle = QHBoxLayout()
        self._toggle.setSpacing(0)
        self._add_venue_button(CONSOLIDATED)
        self.venue_buttons[CONSOLIDATED].setChecked(True)
        self.summary = QLabel("", self)
        self.summary.setObjectName("bookSummary")
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # never widens the dock
        self.summary.setProperty("role", "muted")
        self.state = NORMAL
        """NORMAL, LOCKED or CROSSED: the shown symbol's consolidated book as of the last repaint."""
        self.model = LadderModel(depth, self)
        self.table = self._build_table()
        top = QHBoxLayout()
        top.addWidget(self.symbol)
        top.addLayout(self._toggle)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.symbol.currentTextChanged.connect(self.set_symbol)
        if self.symbol.count():  # a live book from the start: the first symbol until a parent is selected
            self.set_symbol(self.symbol.itemText(0))

    # --- what is shown -----------------------------------------------------------------------------------

    def set_venues(self, venues: Iterable[str], dark: Iterable[str] = ()) -> None:
        """The toggle's venues, in this order; a dark venue's book is not displayed (our orders there are)."""
        self._dark = set(dark)
        for venue in venues:
            self._add_venue_button(venue)
        for venue in self._dark & set(self.venue_buttons):
            self.venue_buttons[venue].setToolTip(f"{venue}: dark pool, no displayed book; our orders there")

    def set_view(self, venue: str) -> None:
        """Show `venue`'s own book, or CONSOLIDATED ("All")."""
        if venue not in self.venue_buttons:
            self._add_venue_button(venue)
        self.venue_buttons[venue].setChecked(True)
        if venue != self._venue:
            self._venue = venue
            for column in VENUE_COLUMNS:  # one venue: the venue count says nothing
                self.table.setColumnHidden(column, venue != CONSOLIDATED)
            self._mark_dirty()

    @property
    def shown_venue(self) -> str:
        return self._venue

    @property
    def shown_symbol(self) -> str:
        return self._symbol

    def set_symbol(self, symbol: str) -> None:
        """Show this symbol's book."""
        if symbol == self._symbol:
            return
        self._symbol = symbol
        if self.symbol.currentText() != symbol:
            if self.symbol.findText(symbol) < 0:
                self.symbol.addItem(symbol)
            self.symbol.setCurrentText(symbol)
        self._mark_dirty()
        self.shown_changed.emit(symbol)

    # --- what comes in -------------------------------------------------------------------------------------

    def set_venue_book(
        self, venue: str, symbol: str, bids: Sequence[tuple[Decimal, int]], asks: Sequence[tuple[Decimal, int]]
    ) -> None:
        """One venue's book for a symbol (levels best first), as the engine's BookUpdated carries it."""
        self._books.setdefault(symbol, {})[venue] = (tuple(bids), tuple(asks))
        if symbol == self._symbol:
            self._mark_dirty()

    def set_book(self, symbol: str, bids: Sequence[Level], asks: Sequence[Level]) -> None:
        """A symbol's whole book across venues, as (price, size, venue) levels; replaces what was held."""
        books: dict[str, tuple[list[tuple[Decimal, int]], list[tuple[Decimal, int]]]] = {}
        for price, size, venue in bids:
            books.setdefault(venue, ([], []))[0].append((price, size))
        for price, size, venue in asks:
            books.setdefault(venue, ([], []))[1].append((price, size))
        self._books[symbol] = {venue: (tuple(b), tuple(a)) for venue, (b, a) in books.items()}
        if symbol == self._symbol:
            self._mark_dirty()

    def set_own_orders(self, symbol: str, marks: Iterable[Mark]) -> None:
        """Our working orders of `symbol` (all of them: replaces what was held)."""
        held = tuple(marks)
        if held != self._marks.get(symbol, ()):
            self._marks[symbol] = held
            if symbol == self._symbol:
                self._mark_dirty()

    # --- repaint -----------------------------------------------------------------------------------------

    def flush(self) -> None:
        """Repaint now if the shown book changed (tests; the timer does it otherwise)."""
        self._timer.stop()
        if not self._dirty:
            return
        self._dirty = False
        symbol, venue = self._symbol, self._venue
        books, marks = self._books.get(symbol, {}), self._marks.get(symbol, ())
        bids, asks = ladder_rows(books, marks, venue, self._depth, self._dark)
        self.model.set_rows(bids, asks, symbol)
        best_bids, best_asks = consolidate(books, 1)
        self.state = book_state(best_bids[0][0] if best_bids else None, best_asks[0][0] if best_asks else None)
        self.summary.setText(self._summary(symbol, venue, books, marks, best_bids, best_asks))
        self.summary.setProperty("book", self.state)
        self.summary.setToolTip("Locked: the best bid equals the best ask on another venue; crossed: it is "
                                "above it. Passive orders there would trade at once." if self.state else "")
        _restyle(self.summary)

    def mid(self, symbol: str) -> Decimal | None:
        """The consolidated mid of any symbol held (best bid and best ask across venues), else None."""
        bids, asks = consolidate(self._books.get(symbol, {}), 1)
        if not bids or not asks:
            return None
        return (bids[0][0] + asks[0][0]) / 2

    def _summary(self, symbol: str, venue: str, books: Mapping[str, VenueBook], marks: Sequence[Mark],
                 best_bids: list[Level], best_asks: list[Level]) -> str:
        if not symbol:
            return ""
        if venue in self._dark:
            text = f"{venue}: dark pool, book not displayed"
        else:
            shown = books if venue == CONSOLIDATED else {venue: books[venue]} if venue in books else {}
            bids, asks = consolidate(shown, 1)
            if bids and asks:
                spread, mid = asks[0][0] - bids[0][0], (asks[0][0] + bids[0][0]) / 2
                where = f"{len(shown)} venues" if venue == CONSOLIDATED else venue
                text = f"mid {fmt.PRICES.average(symbol, mid)}  spread {fmt.PRICES.price(symbol, spread)}  {where}"
            else:
                text = "no book" if venue == CONSOLIDATED else f"{venue}: no book"
        if self.state:
            where = f"bid {best_bids[0][2]} {'=' if self.state == LOCKED else '>'} ask {best_asks[0][2]}"
            text = f"{self.state.upper()} ({where})  {text}"
        buy, sell = off_the_rows(marks, venue, self._dark)
        if buy or sell:
            text += f"  ours dark/pegged: buy {fmt.integer(buy)} / sell {fmt.integer(sell)}"
        return text

    def _mark_dirty(self) -> None:
        self._dirty = True
        if not self._timer.isActive():
            self._timer.start()

    def _add_venue_button(self, venue: str) -> None:
        if venue in self.venue_buttons:
            return
        button = QToolButton(self)
        button.setObjectName("bookVenueButton")
        button.setText(venue or "All")
        button.setCheckable(True)
        button.setToolTip("Every venue: size per price summed, with how many venues show it" if venue == CONSOLIDATED
                          else f"{venue}'s own book")
        button.clicked.connect(lambda _checked=False, v=venue: self.set_view(v))
        self.venue_group.addButton(button)
        self._toggle.addWidget(button)
        self.venue_buttons[venue] = button

    def _build_table(self) -> QTableView:
        table = QTableView(self)
        table.setObjectName("bookLadder")
        table.setModel(self.model)
        make_display_only(table)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setMinimumSectionSize(8)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        table.ensurePolished()  # the style sheet's font (monospace) before measuring
        metrics = table.fontMetrics()
        for column in range(len(HEADERS)):
            sample = _NARROW[0] if column in (OURS_BID, OURS_ASK) else _NARROW[1] if column in VENUE_COLUMNS else ""
            if sample:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
                header.resizeSection(column, max(metrics.horizontalAdvance(sample),
                                                 metrics.horizontalAdvance(HEADERS[column])) + 16)
        return table


def _restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)
