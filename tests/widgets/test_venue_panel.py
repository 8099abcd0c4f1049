"""The venue panel: venues across, connection state as last reported, FIX sequence numbers where a venue has
them ("—" otherwise), and the scorecard's figures, repainted on flush only."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal as D
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from tests.widgets.fakes import NS_0930
from widgets import main_window, theme
from widgets.main_window import MainWindow
from widgets.venue_model import NONE
from widgets.venue_panel import VenuePanel


@dataclass(frozen=True)
class Score:
    """The attribute names of the engine's VenueScore."""

    orders: float = 40.0
    fill_rate: float | None = 0.625
    fill_seconds: float | None = 1.25
    fees_paid: D = D("12.30")
    rebates_earned: D = D("3.10")
    reject_rate: float | None = 0.025
    markout_bps: tuple[float | None, float | None, float | None] = (0.5, -1.25, None)
    net_fee_per_share: D | None = D("0.0023")


@pytest.fixture
def panel(qtbot: QtBot) -> VenuePanel:
    shown = VenuePanel()
    qtbot.addWidget(shown)
    shown.model.set_venues(["LIT1", "LIT2", "DARK1"], dark=["DARK1"])
    for venue in ("LIT1", "LIT2", "DARK1"):
        shown.model.set_status(venue, True, "simulated venue connected")
    shown.flush()
    return shown


def test_one_column_per_venue_dark_ones_flagged(panel: VenuePanel) -> None:
    model = panel.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["LIT1", "LIT2", "DARK1"]
    assert [model.text("Kind", v) for v in ("LIT1", "LIT2", "DARK1")] == ["lit", "lit", "dark"]
    assert model.text("State", "LIT1") == "up"
    assert model.text("Seq out / in", "LIT1") == NONE and model.text("Fill rate", "LIT1") == NONE


def test_a_venue_status_change_shows_with_its_time_and_words(panel: VenuePanel) -> None:
    model = panel.model
    repaints: list[int] = []
    model.dataChanged.connect(lambda *_: repaints.append(1))
    model.set_status("LIT2", False, "connection lost: peer reset", NS_0930 + 61 * 10**9)
    model.set_status("LIT1", True, "simulated venue connected")
    assert repaints == []  # coalesced: one repaint at the next flush, none after it
    panel.flush()
    panel.flush()
    assert repaints == [1]
    assert model.text("State", "LIT2") == "DOWN" and model.text("Since", "LIT2") == "09:31:01"
    state = model.index(1, 1)
    assert model.data(state, Qt.ItemDataRole.ForegroundRole) == theme.ERROR
    assert model.data(state, Qt.ItemDataRole.ToolTipRole) == "connection lost: peer reset"
    assert model.data(model.index(1, 0), Qt.ItemDataRole.ForegroundRole) == theme.OK


def test_sequence_numbers_of_a_fix_venue(panel: VenuePanel) -> None:
    panel.model.set_sequence("LIT1", (1_204, 987))
    panel.flush()
    assert panel.model.text("Seq out / in", "LIT1") == "1,204 / 987"
    assert panel.model.text("Seq out / in", "LIT2") == NONE


def test_scorecard_figures_are_shown_and_markouts_coloured(panel: VenuePanel) -> None:
    panel.model.set_scores({"LIT1": Score()})
    panel.flush()
    model = panel.model
    shown = {figure: model.text(figure, "LIT1") for figure in (
        "Orders", "Fill rate", "Time to fill", "Fees paid", "Rebates", "Net fee / sh", "Reject rate",
        "Markout +1 s", "Markout +5 s", "Markout +60 s")}
    assert shown == {
        "Orders": "40", "Fill rate": "62.5 %", "Time to fill": "1.2 s", "Fees paid": "12.30", "Rebates": "3.10",
        "Net fee / sh": "0.0023", "Reject rate": "2.5 %", "Markout +1 s": "+0.50", "Markout +5 s": "-1.25",
        "Markout +60 s": NONE,
    }
    assert model.data(model.index(11, 0), Qt.ItemDataRole.ForegroundRole) == theme.OK
    assert model.data(model.index(12, 0), Qt.ItemDataRole.ForegroundRole) == theme.ERROR
    assert model.text("Fill rate", "LIT2") == NONE  # never tried
    panel.model.set_scores({"LIT2": Score(orders=3), "LIT3": Score(orders=1)})  # LIT3: a venue not seen before
    panel.flush()
    assert [model.text("Orders", v) for v in ("LIT1", "LIT2", "DARK1", "LIT3")] == [NONE, "3", NONE, "1"]


def test_the_refresh_time_is_in_the_caption(panel: VenuePanel) -> None:
    panel.set_refreshed("09:45:00")
    assert "as of 09:45:00" in panel.caption.text()


def test_the_venues_tab_sits_with_the_progress_also_over_a_layout_saved_before_it(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    with monkeypatch.context() as older:
        older.setattr(main_window, "LAYOUT_VERSION", 2)  # the layout version before the Venues tab
        before = MainWindow(symbols=["AAPL"], settings_org="ems-test", settings_app="venues")
        qtbot.addWidget(before)
        before.save_layout()  # a layout saved without the Venues tab
    for _ in range(2):  # the older layout, then the one saved with the tab
        window = MainWindow(symbols=["AAPL"], settings_org="ems-test", settings_app="venues")
        qtbot.addWidget(window)
        dock = window.add_right_tab("Venues", VenuePanel())
        window.restore_layout()
        assert window.tabifiedDockWidgets(dock) == [window.progress_dock]
        window.save_layout()


def test_a_degraded_venue_reads_degraded_in_amber_then_up_again(panel: VenuePanel) -> None:
    model = panel.model
    model.set_status("LIT1", True, "no message within its heartbeat interval: TestRequest sent", degraded=True)
    panel.flush()
    state = model.index(1, model.venues().index("LIT1"))
    assert model.text("State", "LIT1") == "degraded"
    assert model.data(state, Qt.ItemDataRole.ForegroundRole) == theme.WARN
    model.set_status("LIT1", True, "answered again")
    panel.flush()
    assert model.text("State", "LIT1") == "up" and model.data(state, Qt.ItemDataRole.ForegroundRole) == theme.OK
