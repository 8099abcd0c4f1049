"""The Audit trail dock and Export TCA on the real wiring (engine + simulated market + main window), offscreen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.config import load_config, session_epoch_ns
from app.gui import GuiSession, build_session
from app.wiring import open_journal
from engine.clock import NS_PER_S, VirtualClock
from engine.model import Side
from tests.e2e.test_gui_wiring import DAY
from widgets.tca_export import DAY as DAY_SCOPE

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def session(tmp_path: Path, qtbot: QtBot) -> Iterator[tuple[GuiSession, VirtualClock]]:
    config = load_config(journal_override=str(tmp_path / "gui.db"))
    clock = VirtualClock(session_epoch_ns(DAY, config.market.open_s))
    gui = build_session(config, clock, open_journal(config), confirm=lambda *_: True,
                        settings_org="ems-tests", settings_app=f"audit-{tmp_path.name}")
    qtbot.addWidget(gui.window)
    clock.advance(5 * NS_PER_S)
    result = gui.engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=2_000, limit_price=None, algo="TWAP",
                                      end_ns=clock.now_ns() + 60 * NS_PER_S, params={"slice_seconds": "10"})
    assert result.parent_id == "P000001"
    for _ in range(70):
        clock.advance(NS_PER_S)
    gui.bridge.refresh()
    gui.window.parents.flush()
    yield gui, clock
    gui.close()


def test_selecting_a_parent_shows_its_audit_trail(session: tuple[GuiSession, VirtualClock], qtbot: QtBot) -> None:
    gui, _ = session
    view = gui.bridge.audit_tca.view
    assert gui.window.parents.select_key("P000001")
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=10_000)
    categories = {row.category for row in view.model.rows}
    assert {"ticket", "parent", "decision", "route", "child", "fill", "allocation"} <= categories
    assert "P000001" in view.title.text()


def test_export_tca_for_the_day_writes_the_pdf_with_a_progress_bar(session: tuple[GuiSession, VirtualClock],
                                                                   qtbot: QtBot, tmp_path: Path) -> None:
    gui, _ = session
    dialog = gui.bridge.audit_tca.open_export()
    dialog.day.setChecked(True)
    dialog.date.setDate(dialog.date.date().fromString("2026-01-05", "yyyy-MM-dd"))
    out = tmp_path / "day.pdf"
    dialog.path.setText(str(out))
    seen: list[int] = []
    dialog.progress.valueChanged.connect(seen.append)
    assert dialog.request() != "" and getattr(dialog.request(), "scope", "") == DAY_SCOPE
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled(), timeout=60_000)
    assert dialog.message.text().startswith(f"wrote {out}"), dialog.message.text()
    assert out.read_bytes().startswith(b"%PDF-")
    assert seen[-1] == 100 and any(0 < value < 100 for value in seen)
