"""The dark theme: colours from resources/palette.toml, the style sheet resources/dark.qss.

Code that colours text (buys vs sells in blotters, status indicators) takes its colours from here;
the style sheet gets the same names as @tokens, so each colour is defined once.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib.resources import files

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

_TOKEN = re.compile(r"@([a-z_]+)")


@cache
def colors() -> dict[str, str]:
    """Colour name -> "#rrggbb" from resources/palette.toml."""
    text = files("resources").joinpath("palette.toml").read_text(encoding="utf-8")
    table = tomllib.loads(text)["colors"]
    return {str(name): str(value) for name, value in table.items()}


def color(name: str) -> QColor:
    """A palette colour as a QColor; raises KeyError naming an unknown colour."""
    try:
        return QColor(colors()[name])
    except KeyError:
        raise KeyError(f"no colour {name!r} in resources/palette.toml") from None


@cache
def stylesheet() -> str:
    """resources/dark.qss with every @name replaced by its palette colour."""
    qss = files("resources").joinpath("dark.qss").read_text(encoding="utf-8")
    palette = colors()

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in palette:
            raise KeyError(f"dark.qss uses @{name}, which resources/palette.toml does not define")
        return palette[name]

    return _TOKEN.sub(substitute, qss)


BUY = color("buy")
SELL = color("sell")
OK = color("ok")
WARN = color("warn")
ERROR = color("error")
MUTED = color("text_muted")


def side_color(side_name: str) -> QColor | None:
    """Text colour telling buys from sells ("BUY"/"SELL"; anything else gets none)."""
    if side_name == "BUY":
        return BUY
    if side_name == "SELL":
        return SELL
    return None


def apply_dark_theme(app: QApplication) -> None:
    """Fusion style, a dark palette (for what style sheets do not reach) and the dark style sheet."""
    app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "window",
        QPalette.ColorRole.WindowText: "text",
        QPalette.ColorRole.Base: "surface",
        QPalette.ColorRole.AlternateBase: "surface_alt",
        QPalette.ColorRole.Text: "text",
        QPalette.ColorRole.Button: "raised",
        QPalette.ColorRole.ButtonText: "text",
        QPalette.ColorRole.BrightText: "text_bright",
        QPalette.ColorRole.Highlight: "selection",
        QPalette.ColorRole.HighlightedText: "text_bright",
        QPalette.ColorRole.ToolTipBase: "raised",
        QPalette.ColorRole.ToolTipText: "text",
        QPalette.ColorRole.PlaceholderText: "text_muted",
    }
    for role, name in roles.items():
        palette.setColor(role, color(name))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, color("text_muted"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, color("text_muted"))
    app.setPalette(palette)
    app.setStyleSheet(stylesheet())
