"""Basket import preview: load a CSV or paste from a spreadsheet, see what is ready and what is wrong,
then submit the good rows in one go (the app submits them atomically: all of them or none).

Parsing and validation are the app's (injected `parse`); this dialog only shows the result. It is not
modal: the trader keeps watching the blotters while preparing a basket.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from widgets import formatting as fmt
from widgets import theme
from widgets.columns import LEFT, RIGHT
from widgets.rows import BasketError, BasketPreview

Parse = Callable[[str], BasketPreview]
"""Basket text (CSV, or tab-separated from a spreadsheet; first line the headers) -> preview."""
ChooseFile = Callable[[QWidget], str | None]
"""Asks for a file to load; None when the trader cancels."""

EXAMPLE_HEADER = "account,symbol,side,quantity,limit,algo,urgency,start,end"
_READY_HEADERS = ("Line", "Account", "Symbol", "Side", "Qty", "Limit", "Algo", "Urgency", "Start", "End")
_READY_ALIGN = (RIGHT, LEFT, LEFT, LEFT, RIGHT, RIGHT, LEFT, LEFT, RIGHT, RIGHT)
_ERROR_HEADERS = ("Line", "Column", "Reason")
_ERROR_ALIGN = (RIGHT, LEFT, LEFT)
_MISSING = object()


def ask_for_csv_file(parent: QWidget) -> str | None:
    """The default file chooser: CSV or text files."""
    path, _ = QFileDialog.getOpenFileName(parent, "Import basket", "", "Baskets (*.csv *.txt *.tsv);;All files (*)")
    return path or None


def _attr(row: object, *names: str) -> object:
    """The first of these attributes the row has (engines and fakes name some differently)."""
    for name in names:
        value = getattr(row, name, _MISSING)
        if value is not _MISSING:
            return value
    return None


def _when(value: object, blank: str) -> str:
    if value is None or value == "":
        return blank
    return fmt.time_of_day(value)[:8] if isinstance(value, int) else str(value)


def ready_cells(row: object) -> tuple[str, ...]:
    """How an accepted basket row reads in the preview."""
    limit = _attr(row, "limit_price", "limit")
    return (
        fmt.integer(_attr(row, "line_no", "line")),
        fmt.text(_attr(row, "account")),
        fmt.text(_attr(row, "symbol")),
        fmt.enum_name(_attr(row, "side")),
        fmt.integer(_attr(row, "quantity", "qty")),
        "MKT" if limit is None else fmt.decimal(limit),
        fmt.text(_attr(row, "algo")),
        fmt.text(_attr(row, "urgency")),
        _when(_attr(row, "start_ns", "start"), "now"),
        _when(_attr(row, "end_ns", "end"), "close"),
    )


def error_line(error: BasketError) -> int:
    line = _attr(error, "line", "line_no")
    return line if isinstance(line, int) else 0


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def summary(ready: int, errors: Sequence[BasketError]) -> str:
    """ "12 rows ready, 3 rows with errors (not imported)"; a row with several errors counts once."""
    bad_rows = len({error_line(error) for error in errors})
    if not errors:
        return f"{_plural(ready, 'row')} ready" if ready else "No rows found"
    return f"{_plural(ready, 'row')} ready, {_plural(bad_rows, 'row')} with errors (not imported)"


class PreviewTable(QAbstractTableModel):
    """A read-only table of text cells (the preview is small and never updates in place)."""

    def __init__(
        self,
        headers: Sequence[str],
        align: Sequence[int],
        side_column: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._side_column = side_column
        self._headers = tuple(headers)
        self._align = tuple(align)
        self._rows: list[tuple[str, ...]] = []

    def set_rows(self, rows: Sequence[tuple[str, ...]]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def cells(self) -> list[tuple[str, ...]]:
        return list(self._rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._align[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == self._side_column:
            return theme.side_color(self._rows[index.row()][index.column()])
        return None


def _table(model: PreviewTable, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return view


class BasketImportDialog(QDialog):
    """Load or paste a basket, preview ready rows and errors, submit the ready rows.

    Emits `submitted(rows)` with the accepted rows (a tuple) and waits for `show_result`.
    """

    submitted = Signal(object)
    """The accepted rows of the last parse, as a tuple of the parser's row objects."""

    def __init__(self, parse: Parse, parent: QWidget | None = None, choose_file: ChooseFile = ask_for_csv_file) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import basket")
        self.setObjectName("basketImport")
        self.setModal(False)
        self.resize(960, 620)
        self._parse = parse
        self._choose_file = choose_file
        self._accepted: tuple[object, ...] = ()
        self._parsed_text: str | None = None

        self.load_button = QPushButton("Load CSV…", self)
        self.load_button.setToolTip("Read a basket from a CSV (or tab-separated) file")
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("basketText")
        self.text.setPlaceholderText(f"{EXAMPLE_HEADER}\nDESK,AAPL,BUY,10000,,VWAP,MEDIUM,09:45,15:30")
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.parse_button = QPushButton("Parse", self)
        self.parse_button.setToolTip("Check every row and show what is ready and what is wrong")
        self.summary = QLabel("Load a file or paste a basket, then Parse", self)
        self.summary.setObjectName("basketSummary")
        self.ready = PreviewTable(_READY_HEADERS, _READY_ALIGN, _READY_HEADERS.index("Side"), self)
        self.errors = PreviewTable(_ERROR_HEADERS, _ERROR_ALIGN, parent=self)
        self.ready_view = _table(self.ready, self)
        self.ready_view.horizontalHeader().setStretchLastSection(False)  # times stay beside the row
        self.errors_view = _table(self.errors, self)
        self.status = QLabel("", self)
        self.status.setObjectName("basketStatus")
        self.status.setWordWrap(True)
        self.submit_button = QPushButton("Submit 0 tickets", self)
        self.submit_button.setObjectName("submitButton")
        self.submit_button.setEnabled(False)
        self.close_button = QPushButton("Close", self)
        self._layout()

        self.load_button.clicked.connect(self.load_file)
        self.parse_button.clicked.connect(self.parse_text)
        self.text.textChanged.connect(self._on_text_changed)
        self.submit_button.clicked.connect(self.submit)
        self.close_button.clicked.connect(self.close)

    # --- actions -----------------------------------------------------------------------------------

    def load_file(self) -> bool:
        """Ask for a file, show its text and parse it; False when cancelled or unreadable."""
        path = self._choose_file(self)
        if not path:
            return False
        try:
            content = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as err:
            self._set_status(f"Cannot read {path}: {err}", ok=False)
            return False
        self.text.setPlainText(content)
        self.parse_text()
        return True

    def parse_text(self) -> None:
        """Parse what is in the text box and show the preview."""
        content = self.text.toPlainText()
        try:
            preview = self._parse(content)
        except ValueError as err:  # a parser may refuse the whole text (e.g. no header line)
            self._show(accepted=(), errors=(), message=str(err))
            return
        self._parsed_text = content
        accepted = _attr(preview, "accepted", "rows")  # the engine's ImportResult calls them `rows`
        self._show(tuple(accepted) if isinstance(accepted, Sequence) else (), tuple(preview.errors))

    def submit(self) -> None:
        """Emit the accepted rows; the button stays off until the app's verdict or a new parse."""
        if not self._accepted:
            return
        self.submit_button.setEnabled(False)
        self._set_status(f"Submitting {_plural(len(self._accepted), 'ticket')}…", ok=True)
        self.submitted.emit(self._accepted)

    def show_result(self, message: str, ok: bool) -> None:
        """The app's verdict on the submitted basket; a refused basket may be submitted again."""
        self._set_status(message, ok)
        if not ok:
            self.submit_button.setEnabled(bool(self._accepted) and self._parsed_text == self.text.toPlainText())

    # --- reading (tests, the app) ------------------------------------------------------------------

    @property
    def ready_rows(self) -> tuple[object, ...]:
        """The accepted rows of the last parse (what Submit sends)."""
        return self._accepted

    # --- internals ---------------------------------------------------------------------------------

    def _show(self, accepted: tuple[object, ...], errors: tuple[BasketError, ...], message: str = "") -> None:
        self._accepted = accepted
        self.ready.set_rows([ready_cells(row) for row in accepted])
        ordered = sorted(errors, key=error_line)
        self.errors.set_rows(
            [(fmt.integer(error_line(e)), fmt.text(e.column), fmt.text(e.reason)) for e in ordered]
        )
        self.summary.setText(message or summary(len(accepted), errors))
        self.summary.setProperty("state", "error" if message or errors else "ok")
        _restyle(self.summary)
        self.submit_button.setText(f"Submit {_plural(len(accepted), 'ticket')}")
        self.submit_button.setEnabled(bool(accepted))
        self._set_status("", ok=True)
        for view in (self.ready_view, self.errors_view):
            view.resizeColumnsToContents()  # once per parse, never on updates

    def _on_text_changed(self) -> None:
        if self._parsed_text is not None and self.text.toPlainText() != self._parsed_text:
            self.submit_button.setEnabled(False)
            self.summary.setText("The basket text changed: Parse again before submitting")
            self.summary.setProperty("state", "error")
            _restyle(self.summary)

    def _set_status(self, message: str, ok: bool) -> None:
        self.status.setText(message)
        self.status.setProperty("state", "ok" if ok else "error")
        _restyle(self.status)

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.load_button)
        top.addWidget(self._hint_label())
        top.addStretch(1)
        source = QWidget(self)
        source_layout = QVBoxLayout(source)
        source_layout.setContentsMargins(0, 0, 0, 0)
        source_layout.addLayout(top)
        source_layout.addWidget(self.text, 1)
        parse_row = QHBoxLayout()
        parse_row.addWidget(self.parse_button)
        parse_row.addWidget(self.summary, 1)
        source_layout.addLayout(parse_row)
        ready_box, errors_box = QWidget(self), QWidget(self)
        for box, title, view in ((ready_box, "Ready to submit", self.ready_view),
                                 (errors_box, "Errors (these rows are not imported)", self.errors_view)):
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 4, 0, 0)
            heading = QLabel(title, box)
            heading.setProperty("role", "section")
            box_layout.addWidget(heading)
            box_layout.addWidget(view, 1)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(source)
        splitter.addWidget(ready_box)
        splitter.addWidget(errors_box)
        splitter.setSizes([180, 260, 140])
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.submit_button)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

    def _hint_label(self) -> QLabel:
        hint = QLabel("or paste rows from a spreadsheet below (first line: the column headers)", self)
        hint.setProperty("role", "muted")
        return hint


def _restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)
