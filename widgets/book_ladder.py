"""Book ladder: the consolidated top levels of every venue's book for one symbol, bids left, asks right.

Books are stored as they come (`set_venue_book` per venue, or `set_book` for a whole consolidated
book); only the shown symbol is merged and repainted, on a timer, however often books change. A
consolidated book whose best bid meets (locked) or passes (crossed) the best ask across venues is
flagged in the summary line. Prices show the symbol's tick precision (`formatting.PRICES`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from widgets import formatting as fmt
from widgets import theme
from widgets.columns import CENTER, LEFT, RIGHT

Level = tuple[Decimal, int, str]
"""(price, size, venue)."""
DEFAULT_DEPTH = 10
DEFAULT_REDRAW_HZ = 5.0
_HEADERS = ("Venue", "Bid size", "Bid", "Ask", "Ask size", "Venue")
_ALIGN = (LEFT, RIGHT, RIGHT, LEFT, LEFT, RIGHT)


NORMAL, LOCKED, CROSSED = "", "locked", "crossed"


def book_state(best_bid: Decimal | None, best_ask: Decimal | None) -> str:
    """LOCKED when the best bid equals the best ask, CROSSED when it is above it, else NORMAL."""
    if best_bid is None or best_ask is None or best_bid < best_ask:
        return NORMAL
    return LOCKED if best_bid == best_ask else CROSSED


def consolidate(
    books: Mapping[str, tuple[Sequence[tuple[Decimal, int]], Sequence[tuple[Decimal, int]]]], depth: int
) -> tuple[list[Level], list[Level]]:
    """Best `depth` (price, size, venue) levels across venues: bids high to low, asks low to high.

    At one price the bigger level comes first, then the venue name, so the order is stable.
    """
    bids = [(price, size, venue) for venue, (venue_bids, _) in books.items() for price, size in venue_bids if size > 0]
    asks = [(price, size, venue) for venue, (_, venue_asks) in books.items() for price, size in venue_asks if size > 0]
    bids.sort(key=lambda level: (-level[0], -level[1], level[2]))
    asks.sort(key=lambda level: (level[0], -level[1], level[2]))
    return bids[:depth], asks[:depth]


class LadderModel(QAbstractTableModel):
    """`depth` rows; row i holds the i-th best bid and the i-th best ask."""

    def __init__(self, depth: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._depth = depth
        self._bids: list[Level] = []
        self._asks: list[Level] = []
        self._symbol = ""

    def set_levels(self, bids: list[Level], asks: list[Level], symbol: str = "") -> None:
        self._bids, self._asks, self._symbol = bids, asks, symbol
        self.dataChanged.emit(self.index(0, 0), self.index(self._depth - 1, len(_HEADERS) - 1))

    def levels(self) -> tuple[list[Level], list[Level]]:
        return list(self._bids), list(self._asks)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._depth

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            return CENTER
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN[column]
        bid = column < 3
        levels = self._bids if bid else self._asks
        if row >= len(levels):
            return None
        price, size, venue = levels[row]
        if role == Qt.ItemDataRole.DisplayRole:
            part = column if bid else 5 - column  # 0 venue, 1 size, 2 price (mirrored for asks)
            return venue if part == 0 else fmt.integer(size) if part == 1 else fmt.PRICES.price(self._symbol, price)
        if role == Qt.ItemDataRole.ForegroundRole and column in (2, 3):
            return theme.BUY if bid else theme.SELL
        return None


class BookLadder(QWidget):
    """Consolidated top-of-book ladder for the chosen symbol."""

    def __init__(
        self,
        symbols: Iterable[str] = (),
        depth: int = DEFAULT_DEPTH,
        redraw_hz: float = DEFAULT_REDRAW_HZ,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._depth = depth
        self._books: dict[str, dict[str, tuple[Sequence[tuple[Decimal, int]], Sequence[tuple[Decimal, int]]]]] = {}
        self._symbol = ""
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, round(1000 / redraw_hz)))
        self._timer.timeout.connect(self.flush)
        self.symbol = QComboBox(self)
        self.symbol.addItems(sorted(symbols))
        self.symbol.setCurrentIndex(-1)  # (set below, once the combo box drives `set_symbol`)
        self.symbol.setToolTip("Symbol shown (follows the selected parent order)")
        self.summary = QLabel("", self)
        self.summary.setObjectName("bookSummary")
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # never widens the dock
        self.summary.setProperty("role", "muted")
        self.state = NORMAL
        """NORMAL, LOCKED or CROSSED: the shown symbol's consolidated book as of the last repaint."""
        self.model = LadderModel(depth, self)
        self.table = QTableView(self)
        self.table.setObjectName("bookLadder")
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        top = QHBoxLayout()
        top.addWidget(self.symbol)
        top.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.symbol.currentTextChanged.connect(self.set_symbol)
        if self.symbol.count():  # a live book from the start: the first symbol until a parent is selected
            self.set_symbol(self.symbol.itemText(0))

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

    def flush(self) -> None:
        """Repaint now if the shown book changed (tests; the timer does it otherwise)."""
        self._timer.stop()
        if not self._dirty:
            return
        self._dirty = False
        symbol = self._symbol
        bids, asks = consolidate(self._books.get(symbol, {}), self._depth)
        self.model.set_levels(bids, asks, symbol)
        self.state = book_state(bids[0][0] if bids else None, asks[0][0] if asks else None)
        if bids and asks:
            spread = asks[0][0] - bids[0][0]
            mid = (asks[0][0] + bids[0][0]) / 2
            venues = len({level[2] for level in (*bids, *asks)})
            text = (f"mid {fmt.PRICES.average(symbol, mid)}  spread {fmt.PRICES.price(symbol, spread)}  "
                    f"{venues} venues")
            if self.state:
                where = f"bid {bids[0][2]} {'=' if self.state == LOCKED else '>'} ask {asks[0][2]}"
                text = f"{self.state.upper()} ({where})  {text}"
            self.summary.setText(text)
        else:
            self.summary.setText("no book" if symbol else "")
        self.summary.setProperty("book", self.state)
        self.summary.setToolTip("Locked: the best bid equals the best ask on another venue; crossed: it is "
                                "above it. Passive orders there would trade at once." if self.state else "")
        _restyle(self.summary)

    @property
    def shown_symbol(self) -> str:
        return self._symbol

    def mid(self, symbol: str) -> Decimal | None:
        """The consolidated mid of any symbol held (best bid and best ask across venues), else None."""
        bids, asks = consolidate(self._books.get(symbol, {}), 1)
        if not bids or not asks:
            return None
        return (bids[0][0] + asks[0][0]) / 2

    def _mark_dirty(self) -> None:
        self._dirty = True
        if not self._timer.isActive():
            self._timer.start()


def _restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)
