"""Alerts panel: coalesced posts, newest first, filters, acknowledgement, bounded; the status bar's summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from tests.widgets.fakes import NS_0930
from widgets.alerts_model import MAX_TEXT, AlertsModel
from widgets.alerts_panel import ALL_SOURCES, AlertsPanel
from widgets.main_window import MainWindow


def make(qtbot: QtBot, capacity: int = 5_000) -> AlertsPanel:
    panel = AlertsPanel(AlertsModel(capacity=capacity, now_ns=lambda: NS_0930))
    qtbot.addWidget(panel)
    return panel


def test_posts_are_shown_in_one_batch_per_flush_newest_first(qtbot: QtBot) -> None:
    panel = make(qtbot)
    inserts: list[tuple[int, int]] = []
    panel.model.rowsInserted.connect(lambda _parent, first, last: inserts.append((first, last)))
    for i in range(1_000):
        panel.model.post("warning", "venue SIM-A", f"C{i:04d} rejected: no liquidity")
    assert panel.model.rowCount() == 0  # nothing repaints per post
    panel.model.flush()
    assert inserts == [(0, 999)]
    assert panel.visible_texts()[0] == "C0999 rejected: no liquidity"
    assert panel.proxy.index(0, 0).data() == "09:30:00"
    assert panel.proxy.index(0, 1).data() == "WARNING"


def test_the_timer_flushes_without_an_explicit_call(qtbot: QtBot) -> None:
    panel = make(qtbot)
    panel.model.post("error", "risk", "blocked")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=2_000)


def test_filters_by_severity_source_and_acknowledgement(qtbot: QtBot) -> None:
    panel = make(qtbot)
    model = panel.model
    model.post("info", "venue SIM-A", "connected")
    model.post("warning", "command", "PauseParent P1 refused: not live")
    model.post("error", "risk", "blocked P2 (price_band): limit far from market")
    model.flush()
    panel.severity.setCurrentIndex(1)  # warnings and errors
    assert panel.visible_texts() == ["blocked P2 (price_band): limit far from market",
                                     "PauseParent P1 refused: not live"]
    panel.severity.setCurrentIndex(2)  # errors
    assert len(panel.visible_texts()) == 1
    panel.severity.setCurrentIndex(0)
    assert [panel.source.itemText(i) for i in range(panel.source.count())] == [
        ALL_SOURCES, "command", "risk", "venue SIM-A"]
    panel.source.setCurrentText("venue SIM-A")
    assert panel.visible_texts() == ["connected"]
    panel.source.setCurrentText(ALL_SOURCES)
    panel.unacknowledged_only.setChecked(True)
    panel.table.selectRow(0)  # the newest: the risk block
    assert panel.acknowledge_selected() == 1
    assert panel.visible_texts() == ["PauseParent P1 refused: not live", "connected"]


def test_acknowledging_counts_down_and_resolving_a_topic_acknowledges_its_alerts(qtbot: QtBot) -> None:
    model = make(qtbot).model
    model.post("error", "kill switch", "KILL engaged", topic="kill")
    model.post("warning", "command", "ResumeParent P1 refused: kill switch engaged: re-enable first", topic="kill")
    model.post("warning", "risk", "blocked P2")
    model.flush()
    model.post("warning", "command", "another refusal", topic="kill")  # not shown yet
    assert model.unacknowledged == 3 and model.latest_unacknowledged().text == "blocked P2"  # type: ignore[union-attr]
    assert model.resolve("kill") == 3
    model.flush()
    assert model.unacknowledged == 1
    assert model.acknowledge_all() == 1
    assert model.unacknowledged == 0 and model.latest_unacknowledged() is None
    assert model.resolve("") == 0


def test_what_the_trader_acknowledges_is_announced_by_key_and_applies_elsewhere(qtbot: QtBot) -> None:
    """The keys `acknowledged` carries find the same alerts in another model (one filled from the journal after a
    restart); a resolution or an applied acknowledgement is not announced again."""
    first, second = make(qtbot).model, make(qtbot).model
    announced: list[tuple[tuple[str, ...], int]] = []
    first.acknowledged.connect(lambda keys, through: announced.append((keys, through)))
    for model in (first, second):
        model.post("warning", "risk", "blocked P1", ts_ns=NS_0930 + 1)
        model.post("warning", "risk", "blocked P1", ts_ns=NS_0930 + 2)  # the same words later: another alert
        model.post("error", "venue LIT1", "disconnected", ts_ns=NS_0930 + 2)
        model.post("warning", "kill switch", "engaged", ts_ns=NS_0930 + 3, topic="kill")
        model.flush()
    assert len({a.key for a in first.alerts()}) == 4 and [a.key for a in first.alerts()] == [
        a.key for a in second.alerts()]
    assert first.acknowledge([1, 1]) == 1  # the second "blocked P1"
    assert first.resolve("kill") == 1 and first.apply_acknowledgement([], NS_0930 + 1) == 1
    assert announced == [((first.alerts()[1].key,), 0)]
    keys, through = announced[0]
    assert second.apply_acknowledgement(keys, through) == 1
    assert [second.is_acknowledged(row) for row in range(4)] == [False, True, False, False]
    assert second.apply_acknowledgement((), NS_0930 + 2) == 2  # through a time: every alert at or before it
    assert second.unacknowledged == 1 and second.latest_unacknowledged().text == "engaged"  # type: ignore[union-attr]
    second.post("error", "risk", "late", ts_ns=NS_0930 + 9)  # not shown yet: acknowledge all covers it too
    assert first.acknowledge_all() == 1 and announced[-1] == ((), NS_0930 + 3)
    assert first.acknowledge_all() == 0 and len(announced) == 2
    assert second.apply_acknowledgement(*announced[-1]) == 1
    second.flush()
    assert second.unacknowledged == 1 and second.latest_unacknowledged().text == "late"  # type: ignore[union-attr]


def test_info_messages_are_not_counted_and_give_way_to_alerts(qtbot: QtBot) -> None:
    model = make(qtbot).model
    model.post("info", "kill switch", "trading re-enabled")
    model.flush()
    assert model.unacknowledged == 0
    assert model.latest_unacknowledged().text == "trading re-enabled"  # type: ignore[union-attr]
    model.post("warning", "risk", "blocked P-1")
    model.post("info", "venue LIT1", "connected")
    model.flush()
    assert model.latest_unacknowledged().text == "blocked P-1"  # type: ignore[union-attr]
    model.acknowledge([1])
    assert model.latest_unacknowledged().text == "connected"  # type: ignore[union-attr]


def test_the_model_is_bounded_and_hostile_text_is_cut(qtbot: QtBot) -> None:
    model = make(qtbot, capacity=100).model
    for i in range(250):
        model.post("nonsense", "fix", "x" * (10 * MAX_TEXT) if i == 249 else f"m{i}")
    model.flush()
    assert model.rowCount() == 100
    assert model.alert_at(0).text == "m150"
    newest = model.alert_at(99)
    assert newest.severity == "warning" and len(newest.text) == MAX_TEXT
    model.post("info", "x", "one more")
    model.flush()
    assert model.rowCount() == 100 and model.alert_at(0).text == "m151"


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    window = MainWindow(symbols=["AAPL"], algos=["VWAP"], confirm=lambda *_: True, settings_org="ems-test",
                        settings_app="alerts")
    qtbot.addWidget(window)
    window.alerts.model.set_clock(lambda: NS_0930)
    return window


def test_the_status_bar_shows_the_newest_unacknowledged_message_and_the_count(window: MainWindow) -> None:
    window.post_alert("error", "risk", "blocked P-1 (price_band): limit 50.00 is 50% from the market")
    window.post_alert("warning", "command", "ResumeParent P-1 refused: kill switch engaged", topic="kill")
    window.alerts.model.flush()
    status = window.status
    assert status.last_error.text() == "09:30:00 command: ResumeParent P-1 refused: kill switch engaged"
    assert status.last_error.property("severity") == "warning"
    assert status.alerts_button.text() == "⚠ 2 alerts" and status.alerts_button.property("pending")
    window.alerts.model.resolve("kill")  # e.g. trading re-enabled: that message is stale now
    assert status.last_error.text().startswith("09:30:00 risk: blocked P-1")
    assert status.alerts_button.text() == "⚠ 1 alert"
    window.alerts.model.acknowledge_all()
    assert status.last_error.text() == "" and status.alerts_button.text() == "Alerts"


def test_the_alerts_button_opens_the_alerts_panel(window: MainWindow) -> None:
    window.show()
    window.alerts_dock.hide()
    window.status.alerts_button.click()
    assert window.alerts_dock.isVisible()


def test_a_restart_notice_is_kept_in_the_alerts(window: MainWindow) -> None:
    notice = window.show_restart_notice("Restarted: 120 records replayed", ["1 parent(s) came back"])
    window.alerts.model.flush()
    assert window.alerts.visible_texts() == ["Restarted: 120 records replayed"]
    assert window.alerts.model.alert_at(0).severity == "info"
    notice.close()


def test_a_long_message_never_widens_the_window(window: MainWindow, qtbot: QtBot) -> None:
    window.show()
    qtbot.waitExposed(window)
    before = window.minimumSizeHint().width()
    window.post_alert("error", "venue LIT1", "reject: " + "no liquidity at this price " * 40)
    window.alerts.model.flush()
    window.status.layout().activate()
    assert window.status.last_error.text().endswith("price ")  # the whole text is kept (and in the tooltip)
    assert window.minimumSizeHint().width() == before


def test_a_long_source_name_does_not_widen_the_panel(qtbot: QtBot) -> None:
    panel = AlertsPanel(AlertsModel(now_ns=lambda: NS_0930))
    qtbot.addWidget(panel)
    panel.show()
    before = panel.source.sizeHint().width(), panel.minimumSizeHint().width()
    panel.source.addItem("venue " + "X" * 80)
    panel.source.setCurrentIndex(panel.source.count() - 1)
    assert (panel.source.sizeHint().width(), panel.minimumSizeHint().width()) == before
