"""The risk panel renders a risk snapshot: utilization bars, states, positions and P&L, recent decisions; and
the engine's real snapshot, fed by the app's RiskView (a dock of the main window), after a fill and a kill."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from engine import events as ev
from engine.risk.checks import Decision
from engine.risk.snapshot import PositionRow, RiskSnapshot, StateRow, Utilization
from tests.engine.risk.harness import Desk, control, limits
from widgets.risk_panel import RiskPanel

D = Decimal


def snapshot() -> RiskSnapshot:
    firm = PositionRow("", "firm", 1000, None, None, D("12.00"), D("-30.00"), D("3.00"), D("-21.00"))
    aapl = PositionRow("PM1", "AAPL", 1000, D("100.00"), D("99.97"), D("12.00"), D("-30.00"), D("3.00"),
                       D("-21.00"))
    return RiskSnapshot(
        (aapl,), firm,
        (Utilization("max_position", "instrument", "AAPL", D(900), D(1000)),
         Utilization("loss_limit", "firm", "", D("21.00"), D(0))),
        (StateRow("instrument", "MSFT", "HALTED", "fat finger"),),
        (Decision(34_200_000_000_000, "block", "P000001", "max_position", "position would be 1,001"),),
    )


def test_the_panel_shows_each_section(qtbot: QtBot) -> None:
    panel = RiskPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshot())
    assert panel.summary.text().startswith("P&L -21.00")
    u = panel.utilization
    assert u.rows[0][:4] == ("max_position", "instrument AAPL", "900", "1,000")
    assert u.data(u.index(0, 4), Qt.ItemDataRole.UserRole) == 0.9
    assert u.data(u.index(0, 4)) == "90%" and u.data(u.index(1, 4), Qt.ItemDataRole.UserRole) == 1.0
    assert panel.states.rows == [("instrument", "MSFT", "HALTED", "fat finger")]
    assert panel.positions.rows[0] == ("PM1", "AAPL", "1,000", "100.0000", "99.97", "12.00", "-30.00", "3.00",
                                       "-21.00")
    assert panel.recent.rows == [("09:30:00.000", "block", "P000001", "max_position", "position would be 1,001")]


def test_resume_all_asks_for_the_selected_scope(qtbot: QtBot) -> None:
    panel = RiskPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshot())
    asked: list[tuple[str, str]] = []
    panel.resume_all_requested.connect(lambda scope, key: asked.append((scope, key)))
    panel.resume_button.click()
    panel.views["States"].selectRow(0)
    panel.resume_button.click()
    assert asked == [("firm", ""), ("instrument", "MSFT")]


def test_the_engine_snapshot_after_a_fill_and_a_kill(qtbot: QtBot, tmp_path: Path) -> None:
    d = Desk(tmp_path / "journal.db", limits(max_position=control(firm=2000)))
    pid = d.parent(1500)
    [child] = d.send(pid, 1000, "100.00")
    d.fill(child, 1000, "100.00")
    assert d.engine.kill("test", scope=ev.RiskScope.INSTRUMENT, key="MSFT").ok
    panel = RiskPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(d.engine.risk_snapshot())
    assert [r[:3] for r in panel.positions.rows] == [("firm", "AAPL", "1,000"), ("PM1", "AAPL", "1,000")]
    assert panel.utilization.rows[0][:4] == ("max_position", "instrument AAPL", "1,000", "2,000")
    assert panel.states.rows == [("instrument", "MSFT", "HALTED", "test")]
    assert [r[1] for r in panel.recent.rows] == ["kill", "state"]
    d.close()
