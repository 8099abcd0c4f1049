"""The ticket's algo parameter section: one page of fields per algo, only the chosen algo's shown.

Specs are injected by the app (`set_specs`); each algo's page keeps what was typed in it, so
switching algos back and forth loses nothing. Problems are shown beside the field they name.
Participation rates are shown and typed as percentages (widgets/param_fields.py, `PERCENT_PARAMS`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from widgets.param_fields import (
    PERCENT_PARAMS,
    ParamField,
    ParamProblem,
    ParamsResult,
    as_percent,
    check_params,
    problem_field,
)

SKIPPED_BY_DEFAULT = frozenset({"urgency"})
"""Parameters the ticket has a dedicated field for: not repeated in the section."""


def _restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class _FieldRow:
    """One parameter's input and the message beside it."""

    def __init__(self, spec: ParamField, parent: QWidget) -> None:
        self.spec = spec
        self.input: QLineEdit | QComboBox
        if spec.kind == "choice":
            combo = QComboBox(parent)
            if spec.optional:  # blank first: the engine's default (e.g. the desk's routing policy) applies
                combo.addItem("")
            combo.addItems(list(spec.choices))
            combo.setCurrentText(spec.default.upper())
            self.input = combo
        else:
            edit = QLineEdit(spec.default, parent)
            edit.setPlaceholderText("blank = automatic" if spec.optional else spec.default)
            self.input = edit
        self.input.setObjectName(f"param_{spec.name}")
        self.input.setToolTip(spec.tooltip or _range_hint(spec))
        self.error = QLabel("", parent)
        self.error.setProperty("role", "fieldError")
        self.error.setWordWrap(True)
        self.error.hide()

    def text(self) -> str:
        return self.input.currentText() if isinstance(self.input, QComboBox) else self.input.text()

    def set_text(self, text: str) -> None:
        if isinstance(self.input, QComboBox):
            self.input.setCurrentText(text)
        else:
            self.input.setText(text)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.input.setProperty("invalid", True)
        self.input.setToolTip(message)
        _restyle(self.input)

    def clear_error(self) -> None:
        if not self.error.text() and not self.input.property("invalid"):
            return
        self.error.setText("")
        self.error.hide()
        self.input.setProperty("invalid", False)
        self.input.setToolTip(self.spec.tooltip or _range_hint(self.spec))
        _restyle(self.input)


def _range_hint(spec: ParamField) -> str:
    unit = "%" if spec.percent else ""
    parts = [f"default {spec.default}{unit}" if spec.default else "blank by default"]
    if spec.minimum is not None:
        parts.append(f"min {spec.minimum:g}{unit}")
    if spec.maximum is not None:
        parts.append(f"max {spec.maximum:g}{unit}")
    hint = f"{spec.label} ({', '.join(parts)})"
    return f"{hint}: type 10 for 10% of the market's volume" if spec.percent else hint


class AlgoParamsPanel(QWidget):
    """The chosen algo's parameter fields, validated locally; `values()` gives what differs from default."""

    def __init__(self, skip: Collection[str] = SKIPPED_BY_DEFAULT, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._skip = frozenset(skip)
        self._algo = ""
        self._rows: dict[str, dict[str, _FieldRow]] = {}
        self._pages: dict[str, int] = {}
        self.stack = QStackedWidget(self)
        self._none = QLabel("This algo takes no parameters", self.stack)
        self._none.setProperty("role", "muted")
        self._none.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.stack.addWidget(self._none)
        self.message = QLabel("", self)
        """Engine messages about parameters that name no field shown here."""
        self.message.setProperty("role", "fieldError")
        self.message.setWordWrap(True)
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        layout.addWidget(self.message)

    # --- configuration -----------------------------------------------------------------------------

    def set_specs(self, specs: Mapping[str, Sequence[ParamField]]) -> None:
        """One page per algo (names as in the ticket's algo list); replaces any earlier pages."""
        while self.stack.count() > 1:
            page = self.stack.widget(1)
            assert page is not None
            self.stack.removeWidget(page)
            page.deleteLater()
        self._rows.clear()
        self._pages.clear()
        for algo, fields in specs.items():
            shown = [as_percent(field) if field.name in PERCENT_PARAMS else field
                     for field in fields if field.name not in self._skip]
            if shown:
                self._pages[algo] = self.stack.addWidget(self._page(algo, shown))
        self.set_algo(self._algo)

    def set_algo(self, algo: str) -> None:
        """Show the fields of this algo (a note when it takes none)."""
        self._algo = algo
        self.clear_errors()
        current = self._pages.get(algo, 0)
        for index in range(self.stack.count()):
            page = self.stack.widget(index)
            assert page is not None
            # Only the page shown counts for the size: a short page does not get the longest one's height.
            policy = QSizePolicy.Policy.Preferred if index == current else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        self.stack.setCurrentIndex(current)
        self.stack.updateGeometry()

    # --- reading -----------------------------------------------------------------------------------

    @property
    def algo(self) -> str:
        return self._algo

    def fields(self, algo: str | None = None) -> list[ParamField]:
        """The fields shown for an algo (the current one by default)."""
        return [row.spec for row in self._rows.get(self._algo if algo is None else algo, {}).values()]

    def input(self, name: str) -> QLineEdit | QComboBox:
        """The current algo's input for a parameter (KeyError when the algo has no such field)."""
        return self._rows[self._algo][name].input

    def set_text(self, name: str, text: str) -> None:
        self._rows[self._algo][name].set_text(text)

    def raw(self) -> dict[str, str]:
        """What is typed in the current algo's fields, by parameter name."""
        return {name: row.text() for name, row in self._rows.get(self._algo, {}).items()}

    def changed_count(self) -> int:
        """How many of the current algo's fields differ from their defaults (valid ones only)."""
        result = check_params(self.fields(), self.raw())
        return len(result.values)

    def validate(self) -> ParamsResult:
        """Check the current algo's fields; show each problem beside its field."""
        self.clear_errors()
        result = check_params(self.fields(), self.raw())
        self._show_problems(result.problems)
        return result

    def error_text(self, name: str | None = None) -> str:
        """The message beside a field, or (name None) the first message shown in the section."""
        rows = self._rows.get(self._algo, {})
        if name is not None:
            row = rows.get(name)
            return row.error.text() if row is not None and not row.error.isHidden() else ""
        for row in rows.values():
            if not row.error.isHidden():
                return row.error.text()
        return self.message.text() if not self.message.isHidden() else ""

    # --- messages ----------------------------------------------------------------------------------

    def show_message(self, message: str) -> None:
        """An engine message about the parameters: beside the field whose label it starts with, else
        under the section."""
        self.clear_errors()
        name = problem_field(self.fields(), message)
        if name is not None:
            self._show_problems((ParamProblem(name, message),))
        else:
            self.message.setText(message)
            self.message.show()

    def clear_errors(self) -> None:
        self.message.setText("")
        self.message.hide()
        for rows in self._rows.values():
            for row in rows.values():
                row.clear_error()

    # --- internals ---------------------------------------------------------------------------------

    def _page(self, algo: str, fields: Sequence[ParamField]) -> QWidget:
        page = QWidget(self.stack)
        page.setObjectName(f"params_{algo}")
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(2)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        rows: dict[str, _FieldRow] = {}
        for spec in fields:
            row = _FieldRow(spec, page)
            label = QLabel(f"{spec.label} (%)" if spec.percent else spec.label, page)
            label.setBuddy(row.input)
            label.setWordWrap(True)
            cell = QWidget(page)
            stacked = QVBoxLayout(cell)
            stacked.setContentsMargins(0, 0, 0, 0)
            stacked.setSpacing(1)
            stacked.addWidget(row.input)
            stacked.addWidget(row.error)
            form.addRow(label, cell)
            rows[spec.name] = row
        self._rows[algo] = rows
        return page

    def _show_problems(self, problems: Sequence[ParamProblem]) -> None:
        rows = self._rows.get(self._algo, {})
        for problem in problems:
            row = rows.get(problem.name)
            if row is None:
                self.message.setText(problem.message)
                self.message.show()
            else:
                row.show_error(problem.message)
        first = next((rows[p.name] for p in problems if p.name in rows), None)
        if first is not None:
            first.input.setFocus()
