"""The limits editor: the Risk dock's "Limits" tab (the table and its Edit button) and the edit dialog.

The dialog asks for control, scope, key, value, mode and reason, and checks them before anything is sent
(`limit_request`): a value is digits with at most one point and 8 decimal places, at most 10^15 (so
`1E-999999999`, `abc` or `-5` are refused beside the field); a reason is required. Only then is the request
handed to `send` (the app's, which calls `Engine.set_limit`); the engine may still refuse it (a permission, an
unknown instrument, nothing to change), and its reason is shown in the dialog, which stays open. The dialog is
not modal: the market keeps moving. For a user who may not edit limits the Edit button is disabled and its
tooltip says why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from widgets.limits_model import LimitsModel, limit_text

SCOPES = ("firm", "instrument", "account", "desk", "venue")
MODES = ("", "hard", "soft", "off")  # "": unchanged
MAX_LIMIT = Decimal("1e15")
MAX_KEY = 64
MAX_REASON = 200
_NUMBER = re.compile(r"\d{1,16}(\.\d{1,8})?")


@dataclass(frozen=True, slots=True)
class LimitRequest:
    """A locally valid edit; `value` None: at the firm, keep its value; at a scope, remove its override."""

    control: str
    scope: str
    key: str
    value: Decimal | None
    mode: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class LimitError:
    """What is wrong and the field it is about ("control", "key", "value", "mode" or "reason")."""

    field: str
    message: str


class Answer(Protocol):
    """What `send` gives back (the engine's `CommandResult`)."""

    @property
    def ok(self) -> bool: ...

    @property
    def reason(self) -> str: ...


Send = Callable[[LimitRequest], Answer]


def parse_limit_text(text: str) -> Decimal | str | None:
    """A limit typed by the trader: None when blank, a Decimal, or why it is refused (a str)."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    if len(text) > 26 or not _NUMBER.fullmatch(text):  # the grammar first: never Decimal() on anything typed
        return "a limit is a number: digits, at most one point and 8 decimals"
    value = Decimal(text)
    if value > MAX_LIMIT:
        return "a limit is at most 1,000,000,000,000,000"
    return value


def limit_request(controls: Sequence[str], control: str, scope: str, key: str, value_text: str, mode: str,
                  reason: str) -> LimitRequest | LimitError:
    """Check the dialog's input (the engine checks again; this keeps nonsense from being sent)."""
    if control not in controls:
        return LimitError("control", f"choose a control ({control or 'none'} is not one)")
    if scope not in SCOPES:
        return LimitError("key", f"choose a scope ({scope!r} is not one)")
    key = key.strip()
    if scope != "firm" and (not key or len(key) > MAX_KEY or not key.isprintable()):
        return LimitError("key", f"name the {scope} (1 to {MAX_KEY} characters)")
    value = parse_limit_text(value_text)
    if isinstance(value, str):
        return LimitError("value", value)
    if mode not in MODES:
        return LimitError("mode", "mode is hard, soft or off (or unchanged)")
    if value is None and scope == "firm" and not mode:
        return LimitError("value", "enter a value or choose a mode: nothing would change")
    if not reason.strip():
        return LimitError("reason", "a limit change needs a reason: nothing was sent")
    if len(reason) > MAX_REASON:
        return LimitError("reason", f"the reason is {len(reason)} characters; at most {MAX_REASON}")
    return LimitRequest(control, scope, "" if scope == "firm" else key, value, mode or None, reason.strip())


class LimitEditDialog(QDialog):
    """Edit one control's limit at one scope; sends through `send` once the input is valid."""

    def __init__(self, limits: Sequence[Any], send: Send, control: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit risk limit")
        self._limits = {r.control: r for r in limits}
        self._send = send
        self.control = QComboBox()
        self.control.setMinimumWidth(360)  # (the layout sets the dialog's minimum size: it grows for a message)
        self.control.addItems(list(self._limits))
        self.scope = QComboBox()
        self.scope.addItems(list(SCOPES))
        self.key = QLineEdit()
        self.value = QLineEdit()
        self.mode = QComboBox()
        self.mode.addItems(["unchanged", *MODES[1:]])
        self.reason = QLineEdit()
        self.reason.setMaxLength(MAX_REASON + 50)  # longer is refused with its length, not cut silently
        self.reason.setPlaceholderText("why (journaled with the change)")
        self.current = QLabel("")
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        for name, label, field in (("control", "Control", self.control), ("scope", "Scope", self.scope),
                                   ("key", "Key", self.key), ("value", "Value", self.value),
                                   ("mode", "Mode", self.mode), ("reason", "Reason", self.reason)):
            error = QLabel("")
            error.setProperty("role", "fieldError")
            error.setObjectName(f"limitError_{name}")
            error.setVisible(False)
            self.errors[name] = error
            form.addRow(label, field)
            form.addRow("", error)  # right under its field, shown only with a message
        self.refusal = QLabel("")
        self.refusal.setProperty("role", "fieldError")
        self.refusal.setObjectName("limitRefusal")
        self.refusal.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.apply_button.setText("Apply")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # grows to show a message whole
        layout.addWidget(self.current)
        layout.addLayout(form)
        layout.addWidget(self.refusal)
        layout.addWidget(buttons)
        self.control.currentTextChanged.connect(self._describe)
        self.scope.currentTextChanged.connect(self._describe)
        self.key.textChanged.connect(self._describe)
        if control in self._limits:
            self.control.setCurrentText(control)
        self._describe()

    def submit(self) -> bool:
        """Check the input; send it or show what is wrong beside its field. True when the engine accepted."""
        for error in self.errors.values():
            error.setText("")
            error.setVisible(False)
        self.refusal.setText("")
        mode = self.mode.currentText()
        checked = limit_request(list(self._limits), self.control.currentText(), self.scope.currentText(),
                                self.key.text(), self.value.text(), "" if mode == "unchanged" else mode,
                                self.reason.text())
        if isinstance(checked, LimitError):
            self.errors[checked.field].setText(checked.message)
            self.errors[checked.field].setVisible(True)
            return False
        answer = self._send(checked)
        if not answer.ok:
            self.refusal.setText(f"refused: {answer.reason}")
            return False
        self.accept()
        return True

    def _describe(self) -> None:
        """What is in force where the edit would go (blank value: keep the firm's / remove the override)."""
        row = self._limits.get(self.control.currentText())
        scope = self.scope.currentText()
        self.key.setEnabled(scope != "firm")
        self.key.setPlaceholderText("" if scope == "firm" else f"the {scope} (e.g. AAPL, PM1)")
        self.value.setPlaceholderText("blank: keep the firm value" if scope == "firm" else "blank: remove the override")
        if row is None:
            self.current.setText("")
            return
        if scope == "firm":
            value = row.firm
        else:
            value = next((v for s, k, v in row.overrides if s == scope and k == self.key.text().strip()), None)
        now = f"{limit_text(value)} {row.unit}".rstrip() if value is not None else \
            "none" if scope == "firm" else "none (the firm's applies)"
        self.current.setText(f"{row.control}: mode {row.mode}, {scope} value {now}")


class LimitsTab(QWidget):
    """The table of limits in force and the Edit button (disabled, with why, for users who may not edit)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = LimitsModel()
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.doubleClicked.connect(lambda _index: self.open_editor())
        self.edit_button = QPushButton("Edit limit...")
        self.edit_button.clicked.connect(lambda: self.open_editor())
        self.dialog: LimitEditDialog | None = None
        self._send: Send | None = None
        self._may_edit = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        layout.addWidget(self.edit_button)
        self._permit(False, "not connected to an engine")

    def connect_sender(self, send: Send) -> None:
        """Where edits go (the app's `RiskView.set_limit`)."""
        self._send = send

    def show_limits(self, view: Any, user: str) -> None:
        """Render the engine's `LimitsView` (rows, may_edit) for `user`."""
        first = not self.model.rows
        self.model.set_limits(view.rows)
        if first and self.model.rows:  # once: the columns fit the controls' names
            self.view.resizeColumnsToContents()
        allowed = view.may_edit(user)
        self._permit(allowed, "" if allowed else f"{user} may not edit limits ([risk] limit_editors)")

    def open_editor(self, control: str = "") -> LimitEditDialog | None:
        """The edit dialog, on the selected control (None when this user may not edit)."""
        if not self._may_edit or self._send is None:
            return None
        if not control:
            rows = self.view.selectionModel().selectedRows()
            control = self.model.rows[rows[0].row()][0] if rows else ""
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = LimitEditDialog(self.model.limits, self._send, control, self)
        self.dialog.show()
        return self.dialog

    def _permit(self, allowed: bool, why: str) -> None:
        self._may_edit = allowed
        self.edit_button.setEnabled(allowed)
        self.edit_button.setToolTip("Change a control's value at one scope, or its mode (journaled with a reason)"
                                    if allowed else why)
