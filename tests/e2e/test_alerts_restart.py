"""The alerts panel across a restart, on the real wiring (`app.gui.build_session`: engine, simulated market,
main window, one journal): after a clean stop, and after a kill -9 at the worst moments of an acknowledgement
(its rows written but not committed; committed and nothing else done), the panel shows again every alert of
the day in order, acknowledged exactly when the journal says the trader acknowledged it (or a kill release
resolved it). An acknowledgement that did not commit shows as not acknowledged: never the other way round."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.config import load_config, session_epoch_ns
from app.gui import GuiSession, build_session
from app.wiring import open_journal
from engine import events as ev
from engine import failpoints
from engine.clock import NS_PER_S, VirtualClock
from engine.model import ParentId
from tests.engine.risk.harness import killed_after

DAY = dt.date(2026, 1, 5)
KILLED = "kill by trader, firm: fat finger on MSFT: 0 parent(s) paused, 0 child order(s) canceled"
Shown = tuple[str, str, str, bool]
"""An alert as the panel shows it: severity, source, text, acknowledged."""


def open_session(path: Path, start_ns: int | None = None) -> tuple[GuiSession, VirtualClock]:
    config = load_config(journal_override=str(path))
    clock = VirtualClock(start_ns or session_epoch_ns(DAY, config.market.open_s) + 5 * NS_PER_S)
    session = build_session(config, clock, open_journal(config), confirm=lambda *_: True,
                            settings_org="ems-tests", settings_app=f"alerts-{path.parent.name}")
    session.window.confirm_close = False
    return session, clock


def shown(session: GuiSession) -> list[Shown]:
    model = session.window.alerts.model
    model.flush()
    return [(a.severity, a.source, a.text, model.is_acknowledged(row)) for row, a in enumerate(model.alerts())]


def raise_alerts(session: GuiSession, clock: VirtualClock) -> None:
    """A desk's morning: a warning, a refused command, a kill and its release, an error, a second later each."""
    engine = session.engine
    for step in (lambda: engine.alert("warning", "desk", "check AAPL prints"),
                 lambda: engine.cancel(ParentId("P404")),
                 lambda: engine.kill("fat finger on MSFT"),
                 lambda: engine.reenable(reason="MSFT checked"),
                 lambda: engine.alert("error", "desk", "LIT2 slow to ack")):
        step()
        clock.advance(NS_PER_S)


def acknowledge(session: GuiSession, text: str) -> None:
    """Select the row saying `text` in the panel and press Ack selected, as a trader would."""
    panel = session.window.alerts
    panel.model.flush()
    [row] = [r for r, shown_text in enumerate(panel.visible_texts()) if shown_text == text]
    panel.table.selectRow(row)
    panel.acknowledge_selected_button.click()


def test_after_a_clean_restart_the_panel_shows_the_day_as_the_trader_left_it(tmp_path: Path, qtbot: QtBot) -> None:
    path = tmp_path / "gui.db"
    first, clock = open_session(path)
    qtbot.addWidget(first.window)
    raise_alerts(first, clock)
    acknowledge(first, "check AAPL prints")
    before = shown(first)
    by_text = {text: acknowledged for _, _, text, acknowledged in before}
    assert by_text["check AAPL prints"] and not by_text["LIT2 slow to ack"]
    assert not by_text["CancelParent P404 refused: unknown parent P404"]
    # the kill's alert was resolved by the release; the release's own message (info) is news
    assert [(text.split(":")[0], done) for _, source, text, done in before if source == "kill switch"] == [
        ("kill by trader, firm", True), ("firm re-enabled by trader", False)]
    first.close()

    second, later = open_session(path, clock.now_ns() + NS_PER_S)
    qtbot.addWidget(second.window)
    assert shown(second)[:len(before)] == before
    unacknowledged = second.window.alerts.model.unacknowledged
    assert unacknowledged == sum(1 for severity, _, _, done in shown(second) if severity != "info" and not done) >= 2
    second.window.alerts.acknowledge_all_button.click()
    second.close()

    third, _ = open_session(path, later.now_ns() + NS_PER_S)
    qtbot.addWidget(third.window)
    recalled = shown(third)[:len(before)]
    assert [a[:3] for a in recalled] == [a[:3] for a in before] and all(a[3] for a in recalled)
    third.close()


def ack_then_die_before_commit(path: Path) -> None:
    _ack_then_die(path, "ledger.before_commit:1")


def ack_then_die_after_commit(path: Path) -> None:
    _ack_then_die(path, "ledger.after_commit:1")


def _ack_then_die(path: Path, point: str) -> None:
    """In a child process: the morning's alerts, then an acknowledgement killed at `point` (SIGKILL)."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = QApplication.instance() or QApplication([])
    session, clock = open_session(path)
    raise_alerts(session, clock)
    failpoints.arm(point)  # the next commit is the acknowledgement's
    acknowledge(session, "LIT2 slow to ack")
    raise AssertionError(f"still alive after {point}: {app}")


def test_a_kill_9_inside_an_acknowledgement_never_shows_an_alert_acknowledged_that_was_not(
        tmp_path: Path, qtbot: QtBot) -> None:
    for name, committed in (("before_commit", False), ("after_commit", True)):
        path = tmp_path / name / "gui.db"
        path.parent.mkdir()
        end = killed_after(f"tests.e2e.test_alerts_restart:ack_then_die_{name}", path)
        acks = [r for r in open_journal(load_config(journal_override=str(path))).replay()
                if isinstance(r, ev.AlertsAcknowledged)]
        assert len(acks) == int(committed), name
        session, _ = open_session(path, end + NS_PER_S)
        qtbot.addWidget(session.window)
        by_text = {text.split(";")[0]: acknowledged for _, _, text, acknowledged in shown(session)}
        assert set(by_text) >= {"check AAPL prints", "LIT2 slow to ack", KILLED,
                                "CancelParent P404 refused: unknown parent P404"}, name
        assert by_text["LIT2 slow to ack"] is committed, name
        assert not by_text["check AAPL prints"] and by_text[KILLED], name
        session.close()
