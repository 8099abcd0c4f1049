"""One GUI session on the real wiring for end-to-end tests: the engine, the simulated market and the main
window, offscreen, in virtual time, five market seconds in (the books have filled)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.config import load_config, session_epoch_ns
from app.gui import GuiSession, build_session
from app.wiring import open_journal
from engine.clock import NS_PER_S, VirtualClock

DAY = dt.date(2026, 1, 5)


@contextmanager
def gui_session(tmp_path: Path, qtbot: QtBot, name: str, config_text: str = "") -> Iterator[
        tuple[GuiSession, VirtualClock]]:
    """`config_text`: a TOML file's text on top of the defaults; `name` keeps the window settings apart."""
    config_file = None
    if config_text:
        config_file = tmp_path / "ems.toml"
        config_file.write_text(config_text, encoding="utf-8")
    config = load_config(config_file, journal_override=str(tmp_path / "gui.db"))
    clock = VirtualClock(session_epoch_ns(DAY, config.market.open_s))
    session = build_session(config, clock, open_journal(config), confirm=lambda *_: True,
                            settings_org="ems-tests", settings_app=f"{name}-{tmp_path.name}")
    qtbot.addWidget(session.window)
    clock.advance(5 * NS_PER_S)
    try:
        yield session, clock
    finally:
        session.window.confirm_close = False
        session.close()
