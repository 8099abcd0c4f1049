"""Time & sales: the market's prints for one symbol, newest on top, and each symbol's last price, day
volume and VWAP. The tape (`MarketTape`) is plain Python fed print by print; the view repaints on a
timer, so a busy tape costs one repaint per tick however many prints arrived.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QHeaderView, QTableView, QWidget

from widgets import formatting as fmt
from widgets import theme
from widgets.columns import LEFT, RIGHT
from widgets.display_table import make_display_only

DEFAULT_KEEP = 200
"""Prints kept per symbol (the tape scrolls; statistics count every print)."""
_HEADERS = ("Time", "Price", "Size", "Venue")
_ALIGN = (RIGHT, RIGHT, RIGHT, LEFT)
_SAMPLES = ("00:00:00", "0000.00", "00,000", "DARK1")
UP, DOWN, FLAT = 1, -1, 0


@dataclass(frozen=True, slots=True)
class Print:
    """One trade on the tape; `tick` says whether it printed above (1), below (-1) or at (0) the one before."""

    ts_ns: int
    venue: str
    price: Decimal
    quantity: int
    tick: int


@dataclass(slots=True)
class SymbolTape:
    """A symbol's prints so far: the latest few, the last price, the day's volume and notional."""

    prints: deque[Print] = field(default_factory=lambda: deque(maxlen=DEFAULT_KEEP))
    last: Decimal | None = None
    last_tick: int = FLAT
    volume: int = 0
    notional: Decimal = Decimal(0)

    @property
    def vwap(self) -> Decimal | None:
        return self.notional / self.volume if self.volume else None


class MarketTape:
    """Every symbol's tape; `changed(symbol)` tells whether it printed since the last `take_changed`."""

    def __init__(self, keep: int = DEFAULT_KEEP) -> None:
        self._keep = keep
        self._tapes: dict[str, SymbolTape] = {}
        self._changed: set[str] = set()

    def add(self, ts_ns: int, venue: str, symbol: str, price: Decimal, quantity: int) -> None:
        """A print; non-positive sizes are ignored (a venue's correction is not volume)."""
        if quantity <= 0:
            return
        tape = self._tapes.get(symbol)
        if tape is None:
            tape = self._tapes[symbol] = SymbolTape(deque(maxlen=self._keep))
        tick = FLAT if tape.last is None or price == tape.last else UP if price > tape.last else DOWN
        tape.prints.appendleft(Print(ts_ns, venue, price, quantity, tick))
        if tick != FLAT:
            tape.last_tick = tick
        tape.last = price
        tape.volume += quantity
        tape.notional += price * quantity
        self._changed.add(symbol)

    def tape(self, symbol: str) -> SymbolTape:
        return self._tapes.get(symbol) or SymbolTape()

    def take_changed(self) -> set[str]:
        """Symbols that printed since the last call."""
        changed, self._changed = self._changed, set()
        return changed


class TapeModel(QAbstractTableModel):
    """The shown symbol's recent prints, newest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._prints: list[Print] = []
        self._symbol = ""

    def set_prints(self, symbol: str, prints: Iterable[Print]) -> None:
        self.beginResetModel()
        self._symbol = symbol
        self._prints = list(prints)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._prints)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._prints):
            return None
        column = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN[column]
        trade = self._prints[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return fmt.time_of_day(trade.ts_ns)[:-4]  # HH:MM:SS
            if column == 1:
                return fmt.PRICES.price(self._symbol, trade.price)
            return fmt.integer(trade.quantity) if column == 2 else trade.venue
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            return tick_color(trade.tick)
        return None


def tick_color(tick: int) -> object:
    """Uptick green, downtick red, unchanged plain."""
    return theme.OK if tick == UP else theme.ERROR if tick == DOWN else None


class TimeAndSales(QTableView):
    """The tape of the symbol the market panel shows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeAndSales")
        self.tape_model = TapeModel(self)
        self.setModel(self.tape_model)
        make_display_only(self)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(8)
        for column in range(len(_SAMPLES)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        self.ensurePolished()  # the style sheet's font (monospace) before measuring
        self.size_columns()

    def size_columns(self) -> None:
        """Columns as wide as their widest usual text, once (never resized to contents on updates)."""
        metrics = self.fontMetrics()
        for column, sample in enumerate(_SAMPLES):
            self.horizontalHeader().resizeSection(column, metrics.horizontalAdvance(sample) + 14)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.size_columns()
        super().changeEvent(event)
