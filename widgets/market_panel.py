"""The market beside the ticket: last price, day volume and VWAP over the consolidated book and the
time & sales of one symbol. It follows the ticket's symbol and the selected parent; the book flags a
locked or crossed consolidated market. The tape sits beside the book when the dock is wide enough
(`BESIDE_MIN_PX`), under it when the dock is narrow, so neither is squeezed unreadable."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from widgets import formatting as fmt
from widgets.book_ladder import BookLadder
from widgets.scope_kill import ScopeKillPrompt
from widgets.time_and_sales import DOWN, UP, MarketTape, TimeAndSales

DEFAULT_REDRAW_HZ = 5.0
BESIDE_MIN_PX = 600
"""Narrower than this, the tape goes under the book instead of beside it."""


def _restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class MarketPanel(QWidget):
    """Last / volume / VWAP line with a "Kill SYMBOL" button, then the book ladder and the tape side by side."""

    kill_requested = Signal(str, str)
    """(symbol, reason): kill the shown instrument, confirmed and with the trader's reason."""

    def __init__(self, book: BookLadder | None = None, redraw_hz: float = DEFAULT_REDRAW_HZ,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("marketPanel")
        self.book = book if book is not None else BookLadder()
        self.tape = MarketTape()
        self.time_and_sales = TimeAndSales(self)
        self.symbol_label = QLabel("", self)
        self.symbol_label.setObjectName("marketSymbol")
        self.last = QLabel("last —", self)
        self.last.setObjectName("marketLast")
        self.last.setToolTip("Last trade price on any venue (green: up from the trade before, red: down)")
        self.volume = QLabel("vol —", self)
        self.volume.setToolTip("Shares traded on every venue since the session started")
        self.vwap = QLabel("VWAP —", self)
        self.vwap.setToolTip("Volume-weighted average price of the session's trades")
        self.kill_prompt = ScopeKillPrompt()
        """Confirmation and reason before a kill; the main window (or a test) may swap its prompts."""
        self.kill_button = QPushButton("Kill", self)
        self.kill_button.setObjectName("scopeKillButton")
        self.kill_button.setToolTip("Stop trading the shown symbol only (asks for confirmation and a reason)")
        self.kill_button.clicked.connect(self.request_kill)
        for label in (self.volume, self.vwap):
            label.setProperty("role", "muted")
        line = QHBoxLayout()
        line.setContentsMargins(4, 2, 4, 0)
        line.addWidget(self.symbol_label)
        line.addWidget(self.last)
        line.addStretch(1)
        line.addWidget(self.volume)
        line.addWidget(self.vwap)
        line.addWidget(self.kill_button)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.book)
        self.splitter.addWidget(self.time_and_sales)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(line)
        layout.addWidget(self.splitter, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(max(1, round(1000 / redraw_hz)))
        self._timer.timeout.connect(self.flush)
        self._timer.start()
        self.book.symbol.currentTextChanged.connect(self._follow_book)
        self._shown = ""
        self.set_symbol(self.book.shown_symbol)

    @property
    def symbol(self) -> str:
        return self._shown

    def set_symbol(self, symbol: str) -> None:
        """Show this symbol's book, tape and figures."""
        symbol = symbol.strip().upper()
        if not symbol:
            return
        self.book.set_symbol(symbol)
        if symbol != self._shown:
            self._shown = symbol
            self._redraw()

    def request_kill(self) -> None:
        """Kill the shown symbol (instrument scope) once the trader confirms and says why."""
        symbol = self._shown
        if not symbol:
            return
        reason = self.kill_prompt.ask(self, f"Kill {symbol}")
        if reason is not None:
            self.kill_requested.emit(symbol, reason)

    def add_trade(self, ts_ns: int, venue: str, symbol: str, price: Decimal, quantity: int) -> None:
        """A print on any venue (the engine's TradePrinted); shown at the next redraw."""
        self.tape.add(ts_ns, venue, symbol, price, quantity)

    def mid(self, symbol: str) -> Decimal | None:
        """The consolidated mid, else the last trade (what the ticket's confirmations compare against)."""
        mid = self.book.mid(symbol)
        return mid if mid is not None else self.tape.tape(symbol).last

    def flush(self) -> None:
        """Redraw now if the shown symbol printed (tests; the timer does it otherwise)."""
        if self._shown in self.tape.take_changed():
            self._redraw()

    def _redraw(self) -> None:
        symbol = self._shown
        tape = self.tape.tape(symbol)
        self.symbol_label.setText(symbol)
        self.kill_button.setText(f"Kill {symbol}")
        self.last.setText("last —" if tape.last is None else f"last {fmt.PRICES.price(symbol, tape.last)}")
        self.last.setProperty("tick", "up" if tape.last_tick == UP else "down" if tape.last_tick == DOWN else "")
        _restyle(self.last)
        self.volume.setText(f"vol {tape.volume:,}")
        self.vwap.setText("VWAP —" if tape.vwap is None else f"VWAP {fmt.PRICES.average(symbol, tape.vwap)}")
        self.time_and_sales.tape_model.set_prints(symbol, tape.prints)

    def resizeEvent(self, event: QResizeEvent) -> None:
        wide = event.size().width() >= BESIDE_MIN_PX
        wanted = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.splitter.orientation() != wanted:
            self.splitter.setOrientation(wanted)
        super().resizeEvent(event)

    def _follow_book(self, symbol: str) -> None:
        if symbol and symbol != self._shown:
            self.set_symbol(symbol)
