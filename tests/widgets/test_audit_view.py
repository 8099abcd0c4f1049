"""The audit trail dock and the Export TCA dialog (offscreen)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pytestqt.qtbot import QtBot

from widgets.audit_view import ALL, AuditView
from widgets.tca_export import DAY, EVERY, SELECTED, TcaExportDialog, TcaExportRequest


@dataclass(frozen=True)
class Row:
    time: str
    category: str
    record: str
    order_id: str
    text: str


ROWS = [Row("09:30:05.000", "decision", "ChildDecided", "P1", "D1 TWAP passive slice: passive 100"),
        Row("09:30:05.000", "child", "ChildSubmitted", "C0000001", "sent to LIT1"),
        Row("09:30:06.000", "fill", "ChildFilled", "C0000001", "filled 100 at 10.00 on LIT1"),
        Row("09:30:07.000", "child", "ChildSubmitted", "C0000002", "sent to LIT2")]


def test_the_filter_box_and_the_category_narrow_the_rows_and_export_writes_what_is_shown(qtbot: QtBot) -> None:
    written: list[tuple[list[Any], str]] = []
    view = AuditView(lambda rows, path: written.append((list(rows), path)), lambda parent, name: f"/tmp/{name}")
    qtbot.addWidget(view)
    view.set_rows("P1", ROWS)
    assert view.proxy.rowCount() == 4 and "4 records" in view.title.text()
    view.filter_box.setText("lit2")
    assert view.visible_rows() == [ROWS[3]]
    view.filter_box.setText("")
    view.category.setCurrentText("child")
    assert [r.order_id for r in view.visible_rows()] == ["C0000001", "C0000002"]
    assert view.export() == "/tmp/audit-P1.csv"
    assert written == [([ROWS[1], ROWS[3]], "/tmp/audit-P1.csv")]
    view.category.setCurrentText(ALL)
    assert view.proxy.rowCount() == 4


def test_refresh_asks_for_the_shown_order_and_an_error_empties_the_view(qtbot: QtBot) -> None:
    view = AuditView(lambda rows, path: None)
    qtbot.addWidget(view)
    view.set_rows("P1", ROWS)
    with qtbot.waitSignal(view.refresh_requested) as asked:
        view.refresh_button.click()
    assert asked.args == ["P1"]
    view.show_error("P1", "no journal file")
    assert view.proxy.rowCount() == 0 and not view.export_button.isEnabled()


def test_the_export_dialog_says_what_is_missing_and_emits_the_request(qtbot: QtBot) -> None:
    dialog = TcaExportDialog(choose_file=lambda parent, name: "/tmp/tca.pdf")
    qtbot.addWidget(dialog)
    assert dialog.day.isChecked() and not dialog.selected.isEnabled()  # nothing selected yet
    dialog.request_export()
    assert "Not exported: choose a file ending in .pdf" in dialog.message.text()
    dialog.path.setText("/tmp/tca.docx")
    assert dialog.request() == "choose a file ending in .pdf, .html or .csv"
    dialog.set_selected_parent("P000003")
    dialog._browse()
    with qtbot.waitSignal(dialog.export_requested) as sent:
        dialog.export_button.click()
    assert sent.args == [TcaExportRequest(SELECTED, "P000003", "", "/tmp/tca.pdf")]
    assert not dialog.export_button.isEnabled()
    dialog.set_progress(40, "analysed 2 of 5 orders")
    assert dialog.progress.value() == 40
    dialog.show_result(True, "wrote /tmp/tca.pdf")
    assert dialog.progress.value() == 100 and dialog.export_button.isEnabled()
    dialog.every.setChecked(True)
    assert dialog.request() == TcaExportRequest(EVERY, "", "", "/tmp/tca.pdf")
    dialog.day.setChecked(True)
    request = dialog.request()
    assert isinstance(request, TcaExportRequest) and request.scope == DAY and len(request.date) == 10
