"""`ems` (the GUI): the main window on the embedded simulated market, engine and Qt on one qasync loop."""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.bridge import EngineBridge
from app.config import AppConfig, ConfigError
from app.timers import start_timer
from app.wiring import build_engine, market_start_ns, open_journal
from engine.clock import Clock, RealClock
from engine.engine import Engine
from engine.fix_app import start_oms_gateway
from engine.journal import Journal
from widgets.desk_config import DeskConfig, DeskConfigError
from widgets.main_window import MainWindow
from widgets.theme import apply_dark_theme


@dataclass
class GuiSession:
    engine: Engine
    window: MainWindow
    bridge: EngineBridge
    lag_probe: LoopLagProbe

    def close(self) -> None:
        self.lag_probe.stop()
        self.bridge.close()
        self.engine.close()


def build_session(config: AppConfig, clock: Clock, journal: Journal, **window_options: object) -> GuiSession:
    """Engine (recovered and started) plus main window, wired. Tests pass a VirtualClock."""
    engine = build_engine(config, clock, journal)
    engine.recover()
    engine.start()
    window = MainWindow(symbols=sorted(engine.instruments), algos=algo_menu(engine.algos), **window_options)  # type: ignore[arg-type]
    window.status.set_journal_path(str(config.journal_path))
    window.confirm_close = confirm_close(config)
    window.configure_desk(desk_config(config))
    bridge = EngineBridge(engine, window)
    return GuiSession(engine, window, bridge, LoopLagProbe(window))


def desk_config(config: AppConfig) -> DeskConfig:
    """The `[desk]` table (when the GUI asks before acting, price decimals); a bad value names its key."""
    try:
        return DeskConfig.from_raw(config.raw.get("desk", {}))
    except DeskConfigError as err:
        raise ConfigError(str(err)) from None


def confirm_close(config: AppConfig) -> bool:
    """`[gui] confirm_close` (default true): ask before closing while orders work."""
    value = config.raw.get("gui", {}).get("confirm_close", True)
    if not isinstance(value, bool):
        raise ConfigError(f"gui.confirm_close must be true or false, got {value!r}")
    return value


PREFERRED_ALGO_ORDER = ("VWAP", "TWAP", "POV", "IS")


def algo_menu(algos: Iterable[str]) -> list[str]:
    """The algos a trader reaches for most come first (the first is the ticket's default)."""
    available = list(algos)
    first = [name for name in PREFERRED_ALGO_ORDER if name in available]
    return first + sorted(name for name in available if name not in first)


class LoopLagProbe:
    """How late a 100 ms timer fires: the GUI's responsiveness, shown in the status bar. The session
    holds it: a probe nobody references is collected and the figure stays at "lag —"."""

    def __init__(self, window: MainWindow, interval_ms: int = 100) -> None:
        self._window = window
        self._interval_s = interval_ms / 1000
        self._expected = time.monotonic() + self._interval_s
        self._timer = start_timer(window, interval_ms, self._tick)

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.monotonic()
        self._window.status.set_loop_lag_ms(max(0.0, (now - self._expected) * 1000))
        self._expected = now + self._interval_s


def run_gui(config: AppConfig, *, screenshot: str | None = None, quit_after: float | None = None,
            close_prompt: bool | None = None) -> int:
    """The GUI until the window closes. `close_prompt` overrides `[gui] confirm_close`; a scripted quit
    (`quit_after`, `screenshot`) never asks."""
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("EMS")
    apply_dark_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    journal = open_journal(config)
    clock = RealClock(loop, market_start_ns(config, journal), config.market.speed)
    session = build_session(config, clock, journal)
    gateway = loop.run_until_complete(start_oms_gateway(
        config.raw.get("fix", {}), session.engine, wall_time_ns=time.time_ns,
        session_close_s=config.market.close_s,
    ))
    if close_prompt is not None:
        session.window.confirm_close = close_prompt
    session.window.restore_layout()
    session.window.resize(1440, 860)
    session.window.show()
    gc.freeze()  # long-lived Qt and engine objects leave the collector's working set
    def scripted_quit() -> None:
        session.window.confirm_close = False
        app.quit()

    if screenshot:
        def shoot() -> None:
            session.bridge.refresh()
            session.window.grab().save(screenshot)
            scripted_quit()

        QTimer.singleShot(int((quit_after or 3.0) * 1000), shoot)
    elif quit_after:
        QTimer.singleShot(int(quit_after * 1000), scripted_quit)
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    with loop:
        loop.run_until_complete(closed.wait())
        if gateway is not None:
            loop.run_until_complete(gateway.stop())
    session.close()
    return 0
