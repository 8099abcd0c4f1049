"""Takes docs/venues.png: the real wiring on the simulated market in virtual time, a few parents working, the
Venues tab in front and the market's ladder marking our orders. Run under Xvfb:

    xvfb-run -a .venv/bin/python docs/make_venues_screenshot.py docs/venues.png
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from app.config import load_config, session_epoch_ns
from app.gui import build_session
from app.wiring import open_journal
from engine.clock import NS_PER_S, VirtualClock
from engine.model import Side
from widgets.theme import apply_dark_theme


def main(out: str) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_dark_theme(app)
    with tempfile.TemporaryDirectory() as tmp:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
        config = load_config(journal_override=str(Path(tmp) / "shot.db"))
        clock = VirtualClock(session_epoch_ns(dt.date(2026, 1, 5), config.market.open_s))
        gui = build_session(config, clock, open_journal(config), confirm=lambda *_: True,
                            settings_org="ems-shot", settings_app="venues")
        engine, window = gui.engine, gui.window
        window.resize(1440, 860)
        window.show()
        clock.advance(5 * NS_PER_S)
        end = clock.now_ns() + 1_800 * NS_PER_S
        for symbol, side, quantity, routing in (("AAPL", Side.BUY, 40_000, "PARALLEL"), ("MSFT", Side.SELL, 8_000, "")):
            engine.submit_ticket(symbol=symbol, side=side, quantity=quantity, limit_price=None, algo="TWAP",
                                 start_ns=None, end_ns=end, params={"routing": routing} if routing else {},
                                 account="DESK")
        for second in range(600):  # four minutes in, then until the ladder marks a resting order of ours
            clock.advance(NS_PER_S)
            app.processEvents()
            gui.bridge.own_orders.refresh()
            window.book.flush()
            if second >= 240 and any(row.ours for row in window.book.model.rows()[0]):
                break
        gui.bridge.refresh()
        window.parents.flush()
        window.parents.select_key("P000001")
        gui.bridge.venue_view.refresh()
        gui.bridge.venue_view.dock.raise_()
        gui.bridge.own_orders.refresh()
        for _ in range(20):
            app.processEvents()
        window.book.flush()
        window.market.flush()
        gui.bridge.venue_view.panel.flush()
        app.processEvents()
        window.grab().save(out)
        window.confirm_close = False
        gui.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/venues.png"))
