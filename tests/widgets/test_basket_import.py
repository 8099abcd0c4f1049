"""Basket import preview: ready rows and errors side by side, a summary, and only ready rows submitted."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.widgets.fakes import NS_0930, BasketLine, BasketProblem, Preview, Side
from widgets.basket_import import BasketImportDialog, summary

ROWS = (
    BasketLine(2, "FUND-A", "AAPL", Side.BUY, 10_000, Decimal("187.50"), "VWAP", "HIGH", NS_0930 + 900 * 10**9, None),
    BasketLine(4, "FUND-B", "MSFT", Side.SELL, 2_500),
)
PROBLEMS = (
    BasketProblem(5, "quantity", "quantity 'ten' is not a whole number"),
    BasketProblem(3, "side", "side 'HOLD' is not BUY or SELL"),
    BasketProblem(5, "symbol", "unknown symbol 'ZZZ'"),
)
TEXT = "account\tsymbol\tside\tquantity\nFUND-A\tAAPL\tBUY\t10000\n"


class FakeParser:
    def __init__(self, preview: Preview) -> None:
        self.preview = preview
        self.texts: list[str] = []

    def __call__(self, text: str) -> Preview:
        self.texts.append(text)
        return self.preview


def make(qtbot: QtBot, preview: Preview, chosen: str | None = None) -> tuple[BasketImportDialog, FakeParser]:
    parser = FakeParser(preview)
    dialog = BasketImportDialog(parser, choose_file=lambda _parent: chosen)
    qtbot.addWidget(dialog)
    return dialog, parser


def test_pasted_basket_shows_ready_rows_errors_and_the_summary(qtbot: QtBot) -> None:
    dialog, parser = make(qtbot, Preview(ROWS, PROBLEMS))
    dialog.text.setPlainText(TEXT)
    dialog.parse_button.click()
    assert parser.texts == [TEXT]
    assert dialog.ready.cells() == [
        ("2", "FUND-A", "AAPL", "BUY", "10,000", "187.50", "VWAP", "HIGH", "09:45:00", "close"),
        ("4", "FUND-B", "MSFT", "SELL", "2,500", "MKT", "VWAP", "MEDIUM", "now", "close"),
    ]
    assert dialog.errors.cells() == [
        ("3", "side", "side 'HOLD' is not BUY or SELL"),
        ("5", "quantity", "quantity 'ten' is not a whole number"),
        ("5", "symbol", "unknown symbol 'ZZZ'"),
    ]
    assert dialog.summary.text() == "2 rows ready, 2 rows with errors (not imported)"
    assert dialog.submit_button.text() == "Submit 2 tickets"
    assert dialog.submit_button.isEnabled()


def test_submit_emits_only_the_ready_rows_once(qtbot: QtBot) -> None:
    dialog, _ = make(qtbot, Preview(ROWS, PROBLEMS))
    dialog.text.setPlainText(TEXT)
    dialog.parse_text()
    with qtbot.waitSignal(dialog.submitted, timeout=1_000) as blocker:
        dialog.submit_button.click()
    assert blocker.args == [ROWS]
    assert not dialog.submit_button.isEnabled()  # no double submit while the app decides
    dialog.show_result("2 tickets accepted", ok=True)
    assert dialog.status.text() == "2 tickets accepted"
    assert not dialog.submit_button.isEnabled()


def test_a_refused_basket_can_be_submitted_again(qtbot: QtBot) -> None:
    dialog, _ = make(qtbot, Preview(ROWS, ()))
    dialog.text.setPlainText(TEXT)
    dialog.parse_text()
    dialog.submit()
    dialog.show_result("kill switch engaged", ok=False)
    assert dialog.status.property("state") == "error"
    assert dialog.submit_button.isEnabled()


def test_submit_is_disabled_when_no_row_is_ready(qtbot: QtBot) -> None:
    dialog, _ = make(qtbot, Preview((), PROBLEMS[:1]))
    dialog.text.setPlainText(TEXT)
    dialog.parse_text()
    assert dialog.summary.text() == "0 rows ready, 1 row with errors (not imported)"
    assert dialog.submit_button.text() == "Submit 0 tickets"
    assert not dialog.submit_button.isEnabled()
    with qtbot.assertNotEmitted(dialog.submitted):
        dialog.submit()


def test_editing_the_text_after_parsing_requires_a_new_parse(qtbot: QtBot) -> None:
    dialog, _ = make(qtbot, Preview(ROWS, ()))
    dialog.text.setPlainText(TEXT)
    dialog.parse_text()
    dialog.text.appendPlainText("FUND-C\tNVDA\tBUY\t100")
    assert not dialog.submit_button.isEnabled()
    assert "Parse again" in dialog.summary.text()
    dialog.parse_text()
    assert dialog.submit_button.isEnabled()


def test_loading_a_file_shows_its_text_and_parses_it(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "basket.csv"
    path.write_text("\ufeffaccount,symbol,side,quantity\nFUND-A,AAPL,BUY,100\n", encoding="utf-8")
    dialog, parser = make(qtbot, Preview(ROWS[:1], ()), chosen=str(path))
    assert dialog.load_file()
    assert parser.texts == ["account,symbol,side,quantity\nFUND-A,AAPL,BUY,100\n"]  # BOM dropped
    assert dialog.summary.text() == "1 row ready"


def test_cancelled_or_unreadable_file_changes_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    dialog, parser = make(qtbot, Preview(ROWS, ()), chosen=None)
    assert not dialog.load_file()
    missing, _ = make(qtbot, Preview(ROWS, ()), chosen=str(tmp_path / "missing.csv"))
    assert not missing.load_file()
    assert missing.status.text().startswith("Cannot read")
    assert parser.texts == []


def test_a_parser_refusing_the_whole_text_shows_why(qtbot: QtBot) -> None:
    def refuse(_text: str) -> Preview:
        raise ValueError("no header line: expected account, symbol, side, quantity")

    dialog = BasketImportDialog(refuse)
    qtbot.addWidget(dialog)
    dialog.parse_text()
    assert dialog.summary.text() == "no header line: expected account, symbol, side, quantity"
    assert not dialog.submit_button.isEnabled()


def test_summary_counts_rows_not_errors() -> None:
    assert summary(12, [BasketProblem(3, "a", "x"), BasketProblem(3, "b", "y"), BasketProblem(9, "a", "z")]) == (
        "12 rows ready, 2 rows with errors (not imported)"
    )
    assert summary(1, []) == "1 row ready"
    assert summary(0, []) == "No rows found"


def test_a_preview_naming_its_good_rows_rows_works_too(qtbot: QtBot) -> None:
    class ImportResult:
        rows = ROWS
        errors = PROBLEMS[:1]

    dialog = BasketImportDialog(lambda _text: ImportResult())  # type: ignore[arg-type, return-value]
    qtbot.addWidget(dialog)
    dialog.parse_text()
    assert dialog.ready_rows == ROWS
    assert dialog.summary.text() == "2 rows ready, 1 row with errors (not imported)"
