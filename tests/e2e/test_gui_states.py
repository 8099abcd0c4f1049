"""States the trader can trust, on the real wiring (engine + simulated market + main window), virtual time:
the Status column, the alerts panel and status bar, the loop-lag figure, progress after a restart and past
the algo's last report, and the question before closing with orders working."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.config import ConfigError, load_config, session_epoch_ns
from app.gui import GuiSession, build_session, confirm_close
from app.wiring import open_journal
from engine.clock import NS_PER_S, VirtualClock
from engine.model import OrdStatus, ParentId
from tests.e2e.test_gui_wiring import DAY, enter_ticket, run


class Answer:
    """The close / kill confirmation: records the questions, answers as told (no blocking dialog)."""

    def __init__(self) -> None:
        self.yes = True
        self.asked: list[str] = []

    def __call__(self, _parent: QWidget, title: str, _question: str) -> bool:
        self.asked.append(title)
        return self.yes


def open_session(tmp_path: Path, clock: VirtualClock, answer: Answer, config_text: str = "") -> GuiSession:
    path = tmp_path / "ems.toml"
    path.write_text(config_text)
    config = load_config(path, journal_override=str(tmp_path / "gui.db"))
    return build_session(config, clock, open_journal(config), confirm=answer, settings_org="ems-tests",
                         settings_app=f"states-{tmp_path.name}")


@pytest.fixture
def answer() -> Answer:
    return Answer()


@pytest.fixture
def session(tmp_path: Path, qtbot: QtBot, answer: Answer) -> Iterator[tuple[GuiSession, VirtualClock]]:
    clock = VirtualClock(session_epoch_ns(DAY, 9 * 3600 + 30 * 60))
    gui = open_session(tmp_path, clock, answer)
    qtbot.addWidget(gui.window)
    clock.advance(5 * NS_PER_S)
    yield gui, clock
    gui.window.confirm_close = False
    gui.close()


def status_of(gui: GuiSession, parent_id: str) -> str:
    model = gui.window.parents.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    row = model.visible_row_of(parent_id)
    assert row is not None
    return str(model.data(model.index(row, headers.index("Status"))))


def alerts(gui: GuiSession) -> list[str]:
    gui.window.alerts.model.flush()
    return [f"{a.severity} {a.source}: {a.text}" for a in gui.window.alerts.model.alerts()]


def test_the_loop_lag_figure_updates(session: tuple[GuiSession, VirtualClock], qtbot: QtBot) -> None:
    gui, _ = session
    gc.collect()  # a probe nobody holds would be gone now
    qtbot.waitUntil(lambda: gui.window.status.loop_lag.text() != "lag —", timeout=3_000)
    assert gui.window.status.loop_lag.text().endswith(" ms")


def test_a_risk_block_reaches_the_alerts_panel_and_the_status_bar(tmp_path: Path, qtbot: QtBot) -> None:
    clock = VirtualClock(session_epoch_ns(DAY, 9 * 3600 + 30 * 60))
    # children must sit within 0.0001% of the mid: the first passive child at the touch is blocked
    gui = open_session(tmp_path, clock, Answer(), '[risk]\nprice_band_pct = "0.0001"\n')
    qtbot.addWidget(gui.window)
    clock.advance(5 * NS_PER_S)
    enter_ticket(gui, "AAPL", "BUY", "1,000")
    run(gui, clock, 5)
    blocks = [line for line in alerts(gui) if line.startswith("warning risk: blocked P000001 (price_band)")]
    assert blocks, alerts(gui)
    assert status_of(gui, "P000001") == "PAUSED"  # the engine paused it: the Status column says so
    status = gui.window.status
    assert "risk: blocked P000001 (price_band)" in status.last_error.text()
    assert status.alerts_button.text().startswith("⚠ ")
    gui.window.confirm_close = False
    gui.close()


def test_kill_shows_killed_and_re_enable_clears_what_the_kill_caused(
    session: tuple[GuiSession, VirtualClock],
) -> None:
    gui, clock = session
    enter_ticket(gui, "AAPL", "BUY", "5,000")
    run(gui, clock, 10)
    gui.window.kill_switch.button.click()
    run(gui, clock, 2)
    assert status_of(gui, "P000001") == "KILLED"
    assert gui.window.kill_switch.banner.text() == "KILLED — KILL ALL by trader"
    assert any(a.startswith("error kill switch: ") and "KILL ALL by trader" in a for a in alerts(gui))
    gui.window.parents.resume_requested.emit("P000001")  # right-click Resume while killed: refused
    assert any("ResumeParent P000001 refused: kill switch engaged: re-enable first" in a for a in alerts(gui))
    assert "re-enable first" in gui.window.status.last_error.text()
    gui.window.kill_switch.ask_reason = lambda *_: "venue back"
    gui.window.kill_switch.button.click()  # Re-enable, with a reason
    run(gui, clock, 1)
    gui.window.alerts.model.flush()
    status = gui.window.status.last_error.text()
    assert "re-enable first" not in status and "KILL" not in status
    assert "kill switch: " in status and "re-enabled by trader" in status
    assert gui.window.status.alerts_button.text() == "Alerts"  # nothing of the kill waits any more
    assert status_of(gui, "P000001") == "KILLED"  # re-enabling resumes nothing by itself
    gui.window.parents.resume_requested.emit("P000001")
    run(gui, clock, 1)
    assert status_of(gui, "P000001") in ("NEW", "PARTIALLY FILLED")


def test_the_pov_chart_ends_where_the_parent_filled(session: tuple[GuiSession, VirtualClock]) -> None:
    gui, clock = session
    enter_ticket(gui, "AAPL", "BUY", "2,000", algo="POV")
    for _ in range(600):
        run(gui, clock, 1)
        if gui.engine.store.parent(ParentId("P000001")).status is OrdStatus.FILLED:
            break
    run(gui, clock, 1)
    assert gui.engine.store.parent(ParentId("P000001")).status is OrdStatus.FILLED
    gui.window.parents.select_key("P000001")
    progress = gui.window.progress
    progress.flush()
    assert progress.filled_curve.getData()[1][-1] == 2_000
    assert progress.schedule.text() == "2,000 of 2,000 — FILLED"


def test_a_restart_rebuilds_the_progress_history_from_the_journal(tmp_path: Path, qtbot: QtBot) -> None:
    answer = Answer()
    clock = VirtualClock(session_epoch_ns(DAY, 9 * 3600 + 30 * 60))
    first = open_session(tmp_path, clock, answer)
    qtbot.addWidget(first.window)
    clock.advance(5 * NS_PER_S)
    enter_ticket(first, "AAPL", "BUY", "5,000", minutes=30)
    run(first, clock, 120)
    filled = first.engine.store.parent(ParentId("P000001")).cum_qty
    assert filled > 0
    first.window.confirm_close = False
    first.close()

    later = VirtualClock(clock.now_ns() + NS_PER_S)
    second = open_session(tmp_path, later, answer)
    qtbot.addWidget(second.window)
    run(second, later, 0)
    second.window.parents.select_key("P000001")
    progress = second.window.progress
    progress.flush()
    assert "no progress yet" not in progress.title.text() and "rebuilt from" in progress.title.text()
    assert progress.filled_curve.getData()[1][-1] == filled
    assert progress.schedule.text() == f"{filled:,} of 5,000 filled"
    second.window.confirm_close = False
    second.close()


def test_closing_with_working_orders_asks_first(session: tuple[GuiSession, VirtualClock], answer: Answer) -> None:
    gui, clock = session
    assert gui.window.close() and answer.asked == []  # nothing works yet
    gui.window.show()
    enter_ticket(gui, "AAPL", "BUY", "5,000")
    run(gui, clock, 10)
    answer.yes = False
    assert not gui.window.close() and answer.asked == ["Close the EMS"]
    assert "1 parent order(s) working" in gui.bridge.working_orders()


def test_the_close_question_is_configured_and_checked(tmp_path: Path) -> None:
    assert confirm_close(load_config())
    off = tmp_path / "off.toml"
    off.write_text("[gui]\nconfirm_close = false\n")
    assert not confirm_close(load_config(off))
    bad = tmp_path / "bad.toml"
    bad.write_text('[gui]\nconfirm_close = "no"\n')
    with pytest.raises(ConfigError, match=r"gui\.confirm_close must be true or false"):
        confirm_close(load_config(bad))
