"""The dark theme's style sheet resolves every colour token from the palette."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from widgets import theme


def test_style_sheet_has_no_unresolved_colour_tokens() -> None:
    qss = theme.stylesheet()
    assert "@" not in qss
    assert theme.colors()["kill"] in qss


def test_buys_and_sells_have_distinct_colours() -> None:
    assert theme.side_color("BUY") == theme.BUY
    assert theme.side_color("SELL") == theme.SELL
    assert theme.BUY != theme.SELL
    assert theme.side_color("OTHER") is None


def test_applying_the_theme_sets_the_style_sheet(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.styleSheet()
    try:
        theme.apply_dark_theme(app)
        assert app.styleSheet() == theme.stylesheet()
    finally:
        app.setStyleSheet(before)
