"""The Amend dialog: quantity, limit and end time of a working parent or of a ticket.

The input is checked here (each error names its field); the engine may still refuse the amend (say,
below what is already filled), and then its reason is shown in the dialog, which stays open until
an amend is accepted or the trader closes it. The dialog is not modal: the market keeps moving.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from widgets.ticket_form import parse_limit, parse_quantity
from widgets.time_field import TimeField

PARENT, TICKET = "parent", "ticket"


@dataclass(frozen=True, slots=True)
class AmendForm:
    """A locally valid amend of a parent or a ticket; None in `limit_price` / `end_seconds`: unchanged."""

    kind: str  # PARENT or TICKET
    key: str  # the parent's or the ticket's id
    quantity: int
    limit_price: Decimal | None
    end_seconds: int | None  # seconds after midnight, exchange time


@dataclass(frozen=True, slots=True)
class AmendError:
    """What is wrong with the amend, and the field it is about ("quantity", "limit" or "end")."""

    field: str
    message: str


def amend_form(
    kind: str,
    key: str,
    quantity_text: str,
    limit_text: str,
    end_seconds: int | None,
    *,
    current_limit: Decimal | None,
    current_end_seconds: int | None,
) -> AmendForm | AmendError:
    """Validate the dialog's input: a quantity is required; a blank or unchanged limit or end is kept
    (a market order may take a limit; removing one is done by cancelling and resending)."""
    quantity = parse_quantity(quantity_text)
    if isinstance(quantity, str):
        return AmendError("quantity", quantity)
    limit = parse_limit(limit_text)
    if isinstance(limit, str):
        return AmendError("limit", limit)
    if limit == current_limit:
        limit = None
    if end_seconds is not None and end_seconds == current_end_seconds:
        end_seconds = None
    return AmendForm(kind, key, quantity, limit, end_seconds)


class AmendDialog(QDialog):
    """Amend one parent or ticket; `submitted(AmendForm)` once the input is valid."""

    submitted = Signal(object)

    def __init__(
        self,
        kind: str,
        key: str,
        *,
        quantity: int,
        limit_price: Decimal | None,
        end_seconds: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind, self.key = kind, key
        self._current_limit, self._current_end = limit_price, end_seconds
        self.setWindowTitle(f"Amend {kind} {key}")
        self.setMinimumWidth(340)
        self.quantity = QLineEdit(f"{quantity:,}")
        self.limit = QLineEdit("" if limit_price is None else str(limit_price))
        self.limit.setPlaceholderText("market (blank: stays market)" if limit_price is None else "unchanged")
        self.end = TimeField()  # select-all then type replaces the time
        if end_seconds is not None:
            self.end.setTime(QTime(0, 0).addSecs(end_seconds))
        self.error = QLabel("")
        self.error.setObjectName("amendError")
        self.error.setStyleSheet("color: #ff6b6b;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Quantity", self.quantity)
        form.addRow("Limit", self.limit)
        if end_seconds is not None:  # (a ticket without an end works to the close)
            form.addRow("End", self.end)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Amend")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def submit(self) -> None:
        """Check the input; emit `submitted` or show what is wrong beside the dialog's buttons."""
        end = self.end.time().msecsSinceStartOfDay() // 1000 if self._current_end is not None else None
        checked = amend_form(self.kind, self.key, self.quantity.text(), self.limit.text(), end,
                             current_limit=self._current_limit, current_end_seconds=self._current_end)
        if isinstance(checked, AmendError):
            self.show_result(False, checked.message)
            {"quantity": self.quantity, "limit": self.limit}.get(checked.field, self.end).setFocus()
            return
        self.error.setText("")
        self.submitted.emit(checked)

    def show_result(self, ok: bool, message: str) -> None:
        """The engine's answer: close when accepted, else show its reason and stay open."""
        if ok:
            self.accept()
            return
        self.error.setText(message)
