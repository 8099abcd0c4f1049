"""The Export TCA dialog: which orders (the selected parent, a day, or every parent), which file (.csv, .html,
.pdf), and a progress bar while a long report is built. The app does the work and reports back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from widgets.audit_view import ChooseFile

FORMATS = (".csv", ".html", ".pdf")
SELECTED, DAY, EVERY = "selected", "day", "every"


@dataclass(frozen=True, slots=True)
class TcaExportRequest:
    """What to export: `scope` SELECTED (`parent_id`), DAY (`date`, YYYY-MM-DD) or EVERY; to `path`."""

    scope: str
    parent_id: str
    date: str
    path: str


def ask_for_report_path(parent: QWidget, suggested: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Export TCA report", suggested,
                                          "PDF (*.pdf);;HTML (*.html);;CSV (*.csv)")
    return path


class TcaExportDialog(QDialog):
    """Non-modal; `export_requested(TcaExportRequest)` goes to the app, which answers with `set_progress`
    and `show_result`."""

    export_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None, choose_file: ChooseFile = ask_for_report_path) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export TCA")
        self._choose_file = choose_file
        self.parent_id = ""
        self.selected = QRadioButton("Selected parent", self)
        self.day = QRadioButton("Every parent of the day", self)
        self.every = QRadioButton("Every parent in the journal", self)
        self.scope = QButtonGroup(self)
        for button in (self.selected, self.day, self.every):
            self.scope.addButton(button)
        self.date = QDateEdit(QDate.currentDate(), self)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setCalendarPopup(True)
        self.path = QLineEdit(self)
        self.path.setPlaceholderText("report.pdf, report.html or report.csv")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        self.export_button = QPushButton("Export", self)
        self.export_button.clicked.connect(self.request_export)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        grid = QGridLayout()
        grid.addWidget(self.selected, 0, 0)
        grid.addWidget(self.day, 1, 0)
        grid.addWidget(self.date, 1, 1)
        grid.addWidget(self.every, 2, 0)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path)
        file_row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(file_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.export_button)
        self.set_selected_parent("")

    def set_selected_parent(self, parent_id: str) -> None:
        self.parent_id = parent_id
        self.selected.setText(f"Selected parent {parent_id}" if parent_id else "Selected parent (none selected)")
        self.selected.setEnabled(bool(parent_id))
        (self.selected if parent_id else self.day).setChecked(True)

    def request(self) -> TcaExportRequest | str:
        """The request the form describes, or why it cannot be made."""
        path = self.path.text().strip()
        if Path(path).suffix.lower() not in FORMATS:
            return "choose a file ending in .pdf, .html or .csv"
        if self.selected.isChecked():
            if not self.parent_id:
                return "select a parent order first"
            return TcaExportRequest(SELECTED, self.parent_id, "", path)
        if self.day.isChecked():
            return TcaExportRequest(DAY, "", self.date.date().toString("yyyy-MM-dd"), path)
        return TcaExportRequest(EVERY, "", "", path)

    def request_export(self) -> None:
        request = self.request()
        if isinstance(request, str):
            self.show_result(False, request)
            return
        self.export_button.setEnabled(False)
        self.progress.setValue(0)
        self.message.setText("building the report…")
        self.export_requested.emit(request)

    def set_progress(self, percent: int, text: str) -> None:
        self.progress.setValue(max(0, min(100, percent)))
        self.message.setText(text)

    def show_result(self, ok: bool, message: str) -> None:
        self.export_button.setEnabled(True)
        if ok:
            self.progress.setValue(100)
        self.message.setText(message if ok else f"Not exported: {message}")

    def _browse(self) -> None:
        path = self._choose_file(self, self.path.text() or "tca.pdf")
        if path:
            self.path.setText(path)
