"""A blotter's filters: working only, one symbol, one account. The predicate is pure; the bar is Qt.

Which filters a blotter offers depends on what its rows can answer (`FilterFields`): fills have no
working state; tickets carry their account, parents and children get theirs from their tickets.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QWidget

ALL_SYMBOLS = "All symbols"
ALL_ACCOUNTS = "All accounts"
MAX_FILTER_TEXT = 64
"""A typed filter value longer than this is cut: no symbol or account is that long."""


@dataclass(frozen=True, slots=True)
class RowFilter:
    """What the trader asked to see ("" = any symbol / any account)."""

    working_only: bool = False
    symbol: str = ""
    account: str = ""

    @property
    def active(self) -> bool:
        return self.working_only or bool(self.symbol) or bool(self.account)


@dataclass(frozen=True, slots=True)
class FilterFields:
    """How a blotter's rows answer the filters; None: the blotter does not offer that filter."""

    is_working: Callable[[Any], bool] | None = None
    symbol_of: Callable[[Any], str] | None = None
    accounts_of: Callable[[Any], Collection[str]] | None = None


def row_predicate(wanted: RowFilter, fields: FilterFields) -> Callable[[Any], bool] | None:
    """The predicate a model applies for `wanted` (None when nothing is filtered)."""
    checks: list[Callable[[Any], bool]] = []
    if wanted.working_only and fields.is_working is not None:
        checks.append(fields.is_working)
    if wanted.symbol and fields.symbol_of is not None:
        symbol, symbol_of = wanted.symbol.upper(), fields.symbol_of
        checks.append(lambda row: str(symbol_of(row)).upper() == symbol)
    if wanted.account and fields.accounts_of is not None:
        account, accounts_of = wanted.account, fields.accounts_of
        checks.append(lambda row: account in accounts_of(row))
    if not checks:
        return None
    if len(checks) == 1:
        return checks[0]
    return lambda row: all(check(row) for check in checks)


class ChoiceBox(QComboBox):
    """An editable combo box whose choices are read when it opens (values seen in the blotter so far)."""

    def __init__(self, any_text: str, choices: Callable[[], list[str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._any = any_text
        self._choices = choices
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.addItem(any_text)
        self.editor().setMaxLength(MAX_FILTER_TEXT)
        self.setMinimumContentsLength(9)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)

    def editor(self) -> QLineEdit:
        edit = self.lineEdit()
        assert edit is not None  # editable
        return edit

    def value(self) -> str:
        """The chosen value ("" for any)."""
        text = self.currentText().strip()
        return "" if text == self._any else text

    def set_value(self, value: str) -> None:
        self.setCurrentText(value or self._any)

    def showPopup(self) -> None:
        current = self.currentText()
        self.blockSignals(True)
        self.clear()
        self.addItem(self._any)
        self.addItems(self._choices())
        self.setCurrentText(current)
        self.blockSignals(False)
        super().showPopup()


class FilterBar(QWidget):
    """Working only / symbol / account controls for one blotter; emits `changed(RowFilter)`."""

    changed = Signal(object)

    def __init__(self, fields: FilterFields, symbols: Callable[[], list[str]], accounts: Callable[[], list[str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields = fields
        self.working = QCheckBox("Working only", self)
        self.working.setToolTip("Hide what is filled, canceled, rejected or expired")
        self.symbol = ChoiceBox(ALL_SYMBOLS, symbols, self)
        self.symbol.setToolTip("Show one symbol only (type it or pick it)")
        self.account = ChoiceBox(ALL_ACCOUNTS, accounts, self)
        self.account.setToolTip("Show one account only (parents and children through their tickets)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget, offered in ((self.working, fields.is_working), (self.symbol, fields.symbol_of),
                                (self.account, fields.accounts_of)):
            layout.addWidget(widget)
            widget.setVisible(offered is not None)
        self.working.toggled.connect(self._emit)
        for box in (self.symbol, self.account):
            box.activated.connect(self._emit)
            box.editor().editingFinished.connect(self._emit)
        self._last = RowFilter()

    def value(self) -> RowFilter:
        return RowFilter(self.working.isChecked(), self.symbol.value(), self.account.value())

    def set_value(self, wanted: RowFilter) -> None:
        """Show `wanted` in the controls and apply it."""
        self.working.blockSignals(True)
        self.working.setChecked(wanted.working_only)
        self.working.blockSignals(False)
        self.symbol.set_value(wanted.symbol)
        self.account.set_value(wanted.account)
        self._emit()

    def _emit(self, *_: object) -> None:
        wanted = self.value()
        if wanted != self._last:
            self._last = wanted
            self.changed.emit(wanted)
