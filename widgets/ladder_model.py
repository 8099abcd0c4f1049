"""The book ladder's data: venues' L2 books merged or taken one venue at a time, our own orders marked.

Pure functions build the rows (`ladder_rows`); `LadderModel` shows them. Row i holds the i-th best bid and the
i-th best ask. Consolidated, a price's size is summed across venues and the row says how many venues show it;
one venue, the row is that venue's level. Our working orders are counted at their side and price ("Ours"); a
price we work that the view does not display (an order in a dark pool, shown in that pool's own view) gets a
row of its own. The consolidated view leaves our dark orders off its rows (they would read as a bid at the ask)
and the summary line counts them, with pegged orders, which have no price to mark.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from widgets import formatting as fmt
from widgets import theme
from widgets.columns import CENTER, LEFT, RIGHT

Level = tuple[Decimal, int, str]
"""(price, size, venue)."""
VenueBook = tuple[Sequence[tuple[Decimal, int]], Sequence[tuple[Decimal, int]]]
"""(bids, asks) of one venue, best first."""
CONSOLIDATED = ""
"""The ladder's view across every venue (otherwise the view is a venue's name)."""
HEADERS = ("Ours", "#", "Size", "Bid", "Ask", "Size", "#", "Ours")
OURS_BID, VENUES_BID, SIZE_BID, PRICE_BID, PRICE_ASK, SIZE_ASK, VENUES_ASK, OURS_ASK = range(8)
VENUE_COLUMNS = (VENUES_BID, VENUES_ASK)
OURS_BACKGROUND = theme.color("selection")
"""Our level stands out on its side of the row."""
_OURS_TEXT = theme.color("text_bright")
_ALIGN = (RIGHT, RIGHT, RIGHT, RIGHT, LEFT, LEFT, LEFT, LEFT)
_TIPS = {
    OURS_BID: "Our working buy children at this price (on the venue shown, or all venues)",
    OURS_ASK: "Our working sell children at this price (on the venue shown, or all venues)",
    VENUES_BID: "How many venues display this bid (hover a row for their names)",
    VENUES_ASK: "How many venues display this ask (hover a row for their names)",
    SIZE_BID: "Displayed bid size (summed across venues when consolidated)",
    SIZE_ASK: "Displayed ask size (summed across venues when consolidated)",
}


@dataclass(frozen=True, slots=True)
class Mark:
    """One of our working orders for the ladder: venue, side, price (None: pegged), quantity left."""

    venue: str
    buy: bool
    price: Decimal | None
    quantity: int


@dataclass(frozen=True, slots=True)
class LadderRow:
    """One side of one ladder row: a price, its displayed size, the venues showing it, and our quantity."""

    price: Decimal
    size: int
    venues: tuple[str, ...]
    ours: int = 0


def ladder_rows(books: Mapping[str, VenueBook], marks: Iterable[Mark], venue: str, depth: int,
                dark: Collection[str] = ()) -> tuple[list[LadderRow], list[LadderRow]]:
    """The best `depth` bid and ask rows of `venue` (CONSOLIDATED: summed across venues), ours counted."""
    shown = books if venue == CONSOLIDATED else {venue: books[venue]} if venue in books else {}
    bids: dict[Decimal, tuple[int, list[str]]] = {}
    asks: dict[Decimal, tuple[int, list[str]]] = {}
    for name in sorted(shown):
        venue_bids, venue_asks = shown[name]
        for side, levels in ((bids, venue_bids), (asks, venue_asks)):
            for price, size in levels:
                if size > 0:
                    total, names = side.get(price, (0, []))
                    side[price] = (total + size, [*names, name])
    ours_bid: dict[Decimal, int] = {}
    ours_ask: dict[Decimal, int] = {}
    for mark in marks:
        if mark.price is not None and mark.quantity > 0 and _placed(mark, venue, dark):
            ours = ours_bid if mark.buy else ours_ask
            ours[mark.price] = ours.get(mark.price, 0) + mark.quantity
    return (_side(bids, ours_bid, depth, best_first=-1), _side(asks, ours_ask, depth, best_first=1))


def _side(levels: dict[Decimal, tuple[int, list[str]]], ours: dict[Decimal, int], depth: int, best_first: int
          ) -> list[LadderRow]:
    prices = sorted({*levels, *ours}, key=lambda price: price * best_first)[:depth]
    return [LadderRow(p, levels.get(p, (0, []))[0], tuple(levels.get(p, (0, []))[1]), ours.get(p, 0))
            for p in prices]


def _placed(mark: Mark, venue: str, dark: Collection[str]) -> bool:
    """Whether the view of `venue` marks this order on a row."""
    return mark.venue == venue or (venue == CONSOLIDATED and mark.venue not in dark)


def off_the_rows(marks: Iterable[Mark], venue: str, dark: Collection[str] = ()) -> tuple[int, int]:
    """(buy, sell) quantity of our orders the view of `venue` counts but does not mark on a row: pegged ones
    (no price), and consolidated, those in a dark pool."""
    buy = sell = 0
    for mark in marks:
        if venue not in (CONSOLIDATED, mark.venue) or mark.quantity <= 0:
            continue
        if mark.price is None or not _placed(mark, venue, dark):
            if mark.buy:
                buy += mark.quantity
            else:
                sell += mark.quantity
    return buy, sell


class LadderModel(QAbstractTableModel):
    """`depth` rows of (ours, venues, size, price) bid | ask (price, size, venues, ours)."""

    def __init__(self, depth: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._depth = depth
        self._bids: list[LadderRow] = []
        self._asks: list[LadderRow] = []
        self._symbol = ""

    def set_rows(self, bids: list[LadderRow], asks: list[LadderRow], symbol: str = "") -> None:
        self._bids, self._asks, self._symbol = bids, asks, symbol
        self.dataChanged.emit(self.index(0, 0), self.index(self._depth - 1, len(HEADERS) - 1))

    def rows(self) -> tuple[list[LadderRow], list[LadderRow]]:
        return list(self._bids), list(self._asks)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._depth

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return CENTER
        if role == Qt.ItemDataRole.ToolTipRole:
            return _TIPS.get(section)
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        column = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN[column]
        bid = column <= PRICE_BID
        rows = self._bids if bid else self._asks
        if index.row() >= len(rows):
            return None
        row = rows[index.row()]
        part = column if bid else len(HEADERS) - 1 - column  # 0 ours, 1 venues, 2 size, 3 price (mirrored)
        if role == Qt.ItemDataRole.DisplayRole:
            if part == 0:
                return fmt.integer(row.ours) if row.ours else ""
            if part == 1:
                return str(len(row.venues)) if row.venues else ""
            if part == 2:
                return fmt.integer(row.size) if row.size else "—"
            return fmt.PRICES.price(self._symbol, row.price)
        if role == Qt.ItemDataRole.ForegroundRole:
            if part == 3:
                return theme.BUY if bid else theme.SELL
            if part == 0:
                return _OURS_TEXT
            return None
        if role == Qt.ItemDataRole.BackgroundRole and row.ours:
            return OURS_BACKGROUND
        if role == Qt.ItemDataRole.ToolTipRole:
            names = ", ".join(row.venues) or "no venue displays it"
            return f"{names}; ours {fmt.integer(row.ours)}" if row.ours else names
        return None
