"""The audit trail dock and the Export TCA dialog, wired to the engine's journal file.

Both read the journal read-only on a pool thread (`widgets.background`), so the engine's loop keeps turning
while a large journal is scanned; charts are drawn on the GUI thread one per event-loop pass (pyqtgraph
items are GUI objects), and the file is written on a pool thread again (CSV, HTML, or the PDF printed by Qt).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QImage

from app.tca_cli import write_report
from engine.audit import AuditRow, audit_trail, to_csv
from engine.engine import Engine
from engine.tca.model import Chart, TcaReport
from engine.tca.report import build_report
from widgets.audit_view import AuditView, ChooseFile, ask_for_csv_path
from widgets.background import run_in_background
from widgets.main_window import MainWindow
from widgets.tca_export import DAY, SELECTED, TcaExportDialog, TcaExportRequest, ask_for_report_path


def write_audit_csv(rows: Sequence[Any], path: str) -> None:
    Path(path).write_text(to_csv(rows), encoding="utf-8")


class AuditAndTca(QObject):
    """Owns the Audit trail dock (it follows the selected parent or ticket) and the Export TCA toolbar button."""

    def __init__(self, engine: Engine, window: MainWindow, *, choose_csv: ChooseFile | None = None,
                 choose_report: ChooseFile = ask_for_report_path) -> None:
        super().__init__(window)
        self.journal_path = Path(engine.journal.path)
        self.window = window
        self.view = AuditView(write_audit_csv, choose_csv or ask_for_csv_path)
        self.dock = window.add_bottom_dock("Audit trail", self.view)
        self.dialog = TcaExportDialog(window, choose_report)
        self.action = window.add_toolbar_action("Export TCA…", self._open_from_toolbar)
        self.action.setToolTip("TCA report of the selected parent, a day or every parent: CSV, HTML or PDF")
        self._pending: list[Chart] = []
        self._images: dict[str, QImage] = {}
        window.parents.parent_selected.connect(self.show_audit)
        window.tickets.selected_key_changed.connect(self.show_ticket_audit)
        self.view.refresh_requested.connect(self._refresh)
        self.dialog.export_requested.connect(self.export)

    # --- audit trail ------------------------------------------------------------------------------------

    def show_audit(self, parent_id: str) -> None:
        """Load the selected parent's trail (in the background) into the dock."""
        self.dialog.set_selected_parent(parent_id)
        if parent_id:
            self._load(parent_id, parent_id=parent_id)

    def show_ticket_audit(self, ticket_id: str) -> None:
        """Load the selected ticket's trail (its parents' decisions, children and fills with it)."""
        if ticket_id:
            self._load(ticket_id, ticket_id=ticket_id)

    def _refresh(self, order_id: str) -> None:
        if order_id.startswith("T"):
            self._load(order_id, ticket_id=order_id)
        else:
            self._load(order_id, parent_id=order_id)

    def _load(self, order_id: str, *, parent_id: str | None = None, ticket_id: str | None = None) -> None:
        if str(self.journal_path) == ":memory:":
            self.view.show_error(order_id, "the journal is in memory: no file to read")
            return
        self.view.show_loading(order_id)
        path = self.journal_path

        def work(_: Any) -> list[AuditRow]:
            return audit_trail(path, parent_id=parent_id, ticket_id=ticket_id)

        run_in_background(work, lambda rows: self._audit_loaded(order_id, rows),
                          lambda message: self.view.show_error(order_id, message), parent=self)

    def _audit_loaded(self, order_id: str, rows: list[AuditRow]) -> None:
        if self.view.order_id == order_id:  # the trader may have moved on to another order
            self.view.set_rows(order_id, rows)

    # --- TCA export -------------------------------------------------------------------------------------

    def _open_from_toolbar(self) -> None:
        self.open_export()

    def open_export(self) -> TcaExportDialog:
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def export(self, request: TcaExportRequest) -> None:
        """Build (pool thread, 0-50%), draw the charts (GUI thread, 50-90%), write (pool thread, 90-100%)."""
        path = self.journal_path
        parent_ids = [request.parent_id] if request.scope == SELECTED else []
        date = request.date if request.scope == DAY else None

        def build(progress: Any) -> TcaReport:
            return build_report(path, parent_ids=parent_ids, date=date, progress=progress)

        def built(done: int, total: int) -> None:
            self.dialog.set_progress(50 * done // max(1, total), f"analysed {done} of {total} orders")

        run_in_background(build, lambda report: self._draw(report, Path(request.path)),
                                     lambda message: self.dialog.show_result(False, message), built, parent=self)

    def _draw(self, report: TcaReport, out: Path) -> None:
        self._images = {}
        self._pending = list(report.charts()) if out.suffix.lower() != ".csv" else []
        total = len(self._pending)

        def next_chart() -> None:
            if self._pending:
                from widgets.tca_render import chart_image

                chart = self._pending.pop(0)
                self._images[chart.key] = chart_image(chart)
                done = total - len(self._pending)
                self.dialog.set_progress(50 + 40 * done // max(1, total), f"drew chart {done} of {total}")
                QTimer.singleShot(0, next_chart)  # the loop turns between two charts
                return
            self._write(report, out)

        next_chart()

    def _write(self, report: TcaReport, out: Path) -> None:
        images = dict(self._images)
        self.dialog.set_progress(90, f"writing {out.name}…")

        def work(_: Any) -> int:
            return write_report(report, out, images)

        def written(pages: int) -> None:
            self.dialog.show_result(True, f"wrote {out} ({report.scope}{f', {pages} pages' if pages else ''})")

        run_in_background(work, written, lambda message: self.dialog.show_result(False, message),
                                     parent=self)
