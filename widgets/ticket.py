"""The order ticket: account, symbol, side, quantity, limit, algo, urgency, start/end and the chosen
algo's parameters; validated before it is sent.

Enter moves to the next field, never sends: Ctrl+Enter or Submit does, after a confirmation when the
order is large, far from the market or repeats one sent a moment ago (widgets/confirmations.py). A limit
belongs to its symbol: changing the symbol clears it. Submit sits below the scrolling form: never moves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

from PySide6.QtCore import QTime, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from widgets.algo_params import AlgoParamsPanel
from widgets.confirmations import OrderGate, confirmation_text
from widgets.field_walk import focus_next, is_enter, is_send
from widgets.formatting import NS_PER_DAY
from widgets.kill_switch import Confirm, ask_with_message_box
from widgets.param_fields import ParamField
from widgets.ticket_form import (
    ACCOUNT,
    ALGO,
    DEFAULT_ACCOUNT,
    DEFAULT_URGENCY,
    END,
    FIELDS,
    LIMIT_PRICE,
    PARAMS,
    QUANTITY,
    SIDE,
    SIDES,
    START,
    SYMBOL,
    URGENCIES,
    URGENCY,
    FieldError,
    TicketForm,
    TicketInput,
    field_name,
    validate_ticket,
)
from widgets.time_field import TimeField
from widgets.vertical_scroll import VerticalScrollArea

DEFAULT_START = QTime(9, 30)
DEFAULT_END = QTime(16, 0)
STATUS_LINES = 2
"""The status line under Submit always keeps room for this many lines (longer text: see its tooltip)."""


def _seconds(time: QTime) -> int:
    return time.hour() * 3600 + time.minute() * 60 + time.second()


def _restyle(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property used by a selector changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class OrderTicket(QWidget):
    """Order entry. Emits `submitted(TicketForm)` only for input that passed local validation (and the
    trader's confirmation when one is due)."""

    submitted = Signal(object)
    """A `TicketForm`."""
    symbol_changed = Signal(str)
    """A known symbol was chosen or typed (the market panel follows it)."""

    def __init__(self, symbols: Sequence[str] = (), algos: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._symbols = [s.upper() for s in symbols]
        self._algos = list(algos)
        self._now_seconds: int | None = None
        self._limit_symbol = ""
        self.gate = OrderGate()
        """Decides when a send needs confirming (configured by `set_confirmations`)."""
        self._confirm: Confirm = ask_with_message_box
        self._mid_of: Callable[[str], Decimal | None] = lambda _symbol: None

        self.symbol = QComboBox(self)
        self.symbol.setEditable(True)
        self.symbol_edit = QLineEdit(self.symbol)
        self.symbol.setLineEdit(self.symbol_edit)
        self.symbol.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.symbol.addItems(self._symbols)
        self.symbol.setCurrentIndex(-1)
        self.symbol_edit.setPlaceholderText("e.g. AAPL")
        self.side = QComboBox(self)
        self.side.setObjectName("sideCombo")
        self.side.addItems(list(SIDES))
        self.quantity = QLineEdit(self)
        self.quantity.setPlaceholderText("shares, e.g. 10,000 or 10k")
        self.limit = QLineEdit(self)
        self.limit.setPlaceholderText("blank = no limit")
        self.algo = QComboBox(self)
        self.algo.addItems(self._algos)
        self.urgency = QComboBox(self)
        self.urgency.addItems(list(URGENCIES))
        self.urgency.setCurrentText(DEFAULT_URGENCY)
        self.urgency.setToolTip("How hard the algo works: HIGH trades sooner at more cost, LOW waits for the price")
        self.account = QLineEdit(DEFAULT_ACCOUNT, self)
        self.account.setPlaceholderText("account the fills are booked to")
        self.start_now = QCheckBox("Now", self)
        self.start_now.setChecked(True)
        self.start = TimeField(DEFAULT_START, self)
        self.start.setEnabled(False)
        self.end = TimeField(DEFAULT_END, self)
        self.submit_button = QPushButton("Submit", self)
        self.submit_button.setObjectName("submitButton")
        self.submit_button.setToolTip("Send the order (Ctrl+Enter). Enter moves to the next field.")
        self.submit_button.setAutoDefault(False)  # Enter on the focused button must not send either
        self.status = QLabel("", self)
        self.status.setObjectName("ticketStatus")
        self.status.setWordWrap(True)
        self.status.setFixedHeight(STATUS_LINES * self.status.fontMetrics().lineSpacing() + 6)
        self.params = AlgoParamsPanel(parent=self)
        self.params_toggle = QToolButton(self)
        self.params_toggle.setObjectName("paramsToggle")
        self.params_toggle.setCheckable(True)
        self.params_toggle.setChecked(True)
        self.params_toggle.setToolTip("Show or hide the chosen algo's parameters")
        self.params_area = QWidget(self)
        params_layout = QVBoxLayout(self.params_area)
        params_layout.setContentsMargins(0, 0, 0, 0)
        params_layout.addWidget(self.params)

        self._inputs: dict[str, QWidget] = {
            SYMBOL: self.symbol,
            SIDE: self.side,
            QUANTITY: self.quantity,
            LIMIT_PRICE: self.limit,
            ALGO: self.algo,
            START: self.start,
            END: self.end,
            ACCOUNT: self.account,
            URGENCY: self.urgency,
        }
        self.errors: dict[str, QLabel] = {}
        self._layout()
        self.side.currentTextChanged.connect(self._show_side)
        self.algo.currentTextChanged.connect(self._show_algo)
        self.params_toggle.toggled.connect(self._show_params_area)
        self.start_now.toggled.connect(lambda now: self.start.setEnabled(not now))
        self.submit_button.clicked.connect(self.submit)
        self.symbol.currentTextChanged.connect(self._on_symbol_text)
        self.limit.textChanged.connect(self._on_limit_text)
        self._show_side(self.side.currentText())
        self._show_algo(self.algo.currentText())

    # --- public ------------------------------------------------------------------------------------

    def set_algo_params(self, specs: Mapping[str, Sequence[ParamField]]) -> None:
        """The parameters each algo takes (by algo name); only the chosen algo's are shown.

        A parameter named "urgency" is left out: the ticket's Urgency field carries it.
        """
        self.params.set_specs(specs)
        self.params.set_algo(self.algo.currentText())
        self.params_toggle.show()
        self.params_area.setVisible(self.params_toggle.isChecked())
        self._update_params_title()

    def set_market_time(self, ns: int) -> None:
        """Exchange-local clock (epoch ns), used to refuse an end time that has already passed."""
        self._now_seconds = (ns % NS_PER_DAY) // 1_000_000_000

    def set_confirmations(
        self, gate: OrderGate, confirm: Confirm | None = None, mid_of: Callable[[str], Decimal | None] | None = None
    ) -> None:
        """When to ask before sending (`gate`), how to ask (`confirm`, a modal question defaulting to No)
        and where the market's mid comes from (to judge size and distance from the market)."""
        self.gate = gate
        if confirm is not None:
            self._confirm = confirm
        if mid_of is not None:
            self._mid_of = mid_of

    def focus_entry(self) -> None:
        """Put the cursor in the symbol field, text selected, ready to type a new order."""
        self.symbol.setFocus()
        self.symbol_edit.selectAll()

    def new_order(self, side: str) -> None:
        """A fresh buy or sell ticket (hotkeys): side set, quantity and limit cleared, cursor in the symbol."""
        self.side.setCurrentText(side)
        self.quantity.clear()
        self.limit.clear()
        self._clear_errors()
        self._set_status(f"New {side.lower()} order: symbol, quantity, then Ctrl+Enter", ok=True)
        self.focus_entry()

    def form_input(self) -> TicketInput:
        return TicketInput(
            symbol=self.symbol.currentText(),
            side=self.side.currentText(),
            quantity=self.quantity.text(),
            limit=self.limit.text(),
            algo=self.algo.currentText(),
            start_seconds=None if self.start_now.isChecked() else _seconds(self.start.time()),
            end_seconds=_seconds(self.end.time()),
            account=self.account.text(),
            urgency=self.urgency.currentText(),
        )

    def submit(self) -> TicketForm | None:
        """Validate; show every problem beside its field, or emit `submitted` with the form.

        The form's `params` holds the chosen algo's parameters that differ from their defaults.
        """
        result = validate_ticket(self.form_input(), self._symbols, self._algos, self._now_seconds)
        self._clear_errors()
        params = self.params.validate()
        if isinstance(result, tuple) or not params.ok:
            if isinstance(result, tuple):
                self._show_errors(result)
            if not params.ok:
                self._expand_params()
            self._set_status("Fix the highlighted fields", ok=False)
            return None
        result = replace(result, params=params.values)
        reasons = self.gate.reasons(result, self._mid_of(result.symbol))
        if reasons and not self._confirm(self, *confirmation_text(result, reasons)):
            self._set_status(f"Not sent: {reasons[0]}", ok=False)
            return None
        self._set_status(f"Sending {result.side} {result.quantity:,} {result.symbol} ({result.algo})…", ok=True)
        self.gate.sent(result)
        self.submitted.emit(result)
        return result

    def show_result(self, accepted: bool, message: str, field: str | None = None) -> None:
        """Show the engine's verdict: a rejection beside the named field (and on the status line)."""
        self._clear_errors()
        if accepted:
            self._set_status(message or "Accepted", ok=True)
            return
        name = field_name(field) if field else None
        if name == PARAMS:
            self._expand_params()
            self.params.show_message(message)
        elif name is not None:
            self._show_errors((FieldError(name, message),))
        self._set_status(f"Rejected: {message}", ok=False)

    def error_text(self, field: str) -> str:
        """The message shown beside a field ("" when none); "params" gives the params section's first."""
        name = field_name(field)
        if name == PARAMS:
            return self.params.error_text()
        label = self.errors.get(name) if name else None
        return label.text() if label is not None and label.isVisibleTo(self) else ""

    # --- internals ---------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter (from any field, which all pass it on) moves to the next field; Ctrl+Enter sends."""
        if not is_enter(event):
            super().keyPressEvent(event)
            return
        event.accept()
        if is_send(event):
            self.submit()
        elif not focus_next(self.entry_chain()):
            self._set_status("Last field: Ctrl+Enter or Submit sends the order", ok=True)

    def entry_chain(self) -> list[QWidget]:
        """The fields Enter walks through, in order (disabled and hidden ones left out)."""
        fields: list[QWidget] = [self.account, self.symbol, self.side, self.quantity, self.limit, self.algo,
                                 self.urgency, self.start, self.end]
        if not self.params_area.isHidden():
            fields += [self.params.input(spec.name) for spec in self.params.fields()]
        return [field for field in fields if field.isEnabled() and not field.isHidden()]

    def _on_symbol_text(self, text: str) -> None:
        symbol = text.strip().upper()
        if self._limit_symbol and symbol != self._limit_symbol and self.limit.text().strip():
            self._set_status(f"Limit {self.limit.text().strip()} was for {self._limit_symbol}: cleared", ok=True)
            self.limit.clear()
        if symbol and (not self._symbols or symbol in self._symbols):
            self.symbol_changed.emit(symbol)

    def _on_limit_text(self, text: str) -> None:
        if text.strip():
            self._limit_symbol = self.symbol.currentText().strip().upper()

    def _layout(self) -> None:
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        start_row = QHBoxLayout()
        start_row.addWidget(self.start_now)
        start_row.addWidget(self.start, 1)
        rows: list[tuple[str, str, QWidget | QHBoxLayout]] = [
            (ACCOUNT, "Account", self.account),
            (SYMBOL, "Symbol", self.symbol),
            (SIDE, "Side", self.side),
            (QUANTITY, "Quantity", self.quantity),
            (LIMIT_PRICE, "Limit", self.limit),
            (ALGO, "Algo", self.algo),
            (URGENCY, "Urgency", self.urgency),
            (START, "Start", start_row),
            (END, "End", self.end),
        ]
        for i, (name, title, field) in enumerate(rows):
            label = QLabel(title, self)
            label.setBuddy(self._inputs[name])
            grid.addWidget(label, 2 * i, 0)
            if isinstance(field, QHBoxLayout):
                grid.addLayout(field, 2 * i, 1)
            else:
                grid.addWidget(field, 2 * i, 1)
            error = QLabel("", self)
            error.setProperty("role", "fieldError")
            error.setWordWrap(True)
            error.hide()
            grid.addWidget(error, 2 * i + 1, 1)
            self.errors[name] = error
        grid.setColumnStretch(1, 1)
        form = QWidget(self)
        form.setObjectName("ticketForm")
        column = QVBoxLayout(form)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(grid)
        column.addWidget(self.params_toggle)
        column.addWidget(self.params_area)
        column.addStretch(1)
        self.params_toggle.hide()  # until the app tells which parameters each algo takes
        self.params_area.hide()
        self.form_area = VerticalScrollArea(self)
        self.form_area.setObjectName("paramsArea")
        self.form_area.setWidgetResizable(True)
        self.form_area.setFrameShape(QFrame.Shape.NoFrame)
        self.form_area.setWidget(form)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form_area, 1)  # scrolls when the dock is short; errors grow it, not Submit
        layout.addWidget(self.submit_button)
        layout.addWidget(self.status)

    def _show_side(self, side: str) -> None:
        self.side.setProperty("side", side)
        _restyle(self.side)

    def _show_algo(self, algo: str) -> None:
        self.params.set_algo(algo)
        self._update_params_title()

    def _update_params_title(self) -> None:
        algo = self.algo.currentText() or "algo"
        count = len(self.params.fields())
        arrow = "▾" if self.params_toggle.isChecked() else "▸"
        self.params_toggle.setText(f"{arrow} {algo} parameters ({count})")

    def _show_params_area(self, shown: bool) -> None:
        self.params_area.setVisible(shown)
        self._update_params_title()

    def _expand_params(self) -> None:
        self.params_toggle.setChecked(True)

    def _clear_errors(self) -> None:
        self.params.clear_errors()
        for name in FIELDS:
            self.errors[name].hide()
            self.errors[name].setText("")
            widget = self._inputs[name]
            if widget.property("invalid"):
                widget.setProperty("invalid", False)
                widget.setToolTip("")
                _restyle(widget)

    def _show_errors(self, errors: Sequence[FieldError]) -> None:
        for error in errors:
            self.errors[error.field].setText(error.message)
            self.errors[error.field].show()
            widget = self._inputs[error.field]
            widget.setProperty("invalid", True)
            _restyle(widget)
            widget.setToolTip(error.message)
        first = self._inputs[errors[0].field] if errors else None
        if first is not None:
            first.setFocus()

    def _set_status(self, message: str, ok: bool) -> None:
        self.status.setText(message)
        self.status.setToolTip(message)
        self.status.setProperty("state", "ok" if ok else "error")
        _restyle(self.status)

