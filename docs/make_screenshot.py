"""Regenerates docs/screenshot.png: the real main window after a few minutes of virtual market time.

Run under a display (or `xvfb-run -a`): `.venv/bin/python docs/make_screenshot.py`.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication  # noqa: E402

from app.config import load_config, session_epoch_ns  # noqa: E402
from app.gui import build_session  # noqa: E402
from app.wiring import open_journal  # noqa: E402
from engine.clock import NS_PER_S, VirtualClock  # noqa: E402
from engine.model import Side  # noqa: E402
from widgets.theme import apply_dark_theme  # noqa: E402


def main() -> None:
    app = QApplication(sys.argv)
    apply_dark_theme(app)
    with tempfile.TemporaryDirectory() as scratch:
        config = load_config(journal_override=str(Path(scratch) / "shot.db"))
        clock = VirtualClock(session_epoch_ns(dt.date(2026, 1, 5), config.market.open_s))
        gui = build_session(config, clock, open_journal(config), settings_org="ems-docs", settings_app="shot")
        clock.advance(5 * NS_PER_S)
        end = clock.now_ns() + 20 * 60 * NS_PER_S
        for symbol, side, qty in (("AAPL", Side.BUY, 25_000), ("MSFT", Side.SELL, 12_000),
                                  ("AMZN", Side.BUY, 18_000), ("NVDA", Side.SELL, 30_000)):
            gui.engine.submit_ticket(symbol=symbol, side=side, quantity=qty, limit_price=None, algo="TWAP",
                                     end_ns=end)
        for _ in range(7 * 60):
            clock.advance(NS_PER_S)
        gui.bridge.refresh()
        for blotter in (gui.window.tickets, gui.window.parents, gui.window.child_orders, gui.window.fills):
            blotter.flush()
        gui.window.resize(1600, 900)
        gui.window.show()
        gui.window.parents.select_key("P000001")
        for _ in range(40):  # let the docks' repaint timers fire
            app.processEvents()
            time.sleep(0.025)
        out = Path(__file__).resolve().parent / "screenshot.png"
        gui.window.grab().save(str(out))
        print(out)
        gui.close()


if __name__ == "__main__":
    main()
