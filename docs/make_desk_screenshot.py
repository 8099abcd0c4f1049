"""Regenerates docs/desk.png: the real main window with a working VWAP parent selected, the ticket
holding the next order and the market panel (last, volume, book, time & sales) beside it. The Audit
trail dock is tabbed behind the Alerts, as a trader would arrange it, so the right column shows the
VWAP progress and the market at a readable height.

Run under a display (or `xvfb-run -a`): `.venv/bin/python docs/make_desk_screenshot.py [OUT.png]`.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QDockWidget  # noqa: E402

from app.config import load_config, session_epoch_ns  # noqa: E402
from app.gui import build_session  # noqa: E402
from app.wiring import open_journal  # noqa: E402
from engine.clock import NS_PER_S, VirtualClock  # noqa: E402
from engine.model import Side  # noqa: E402
from widgets.theme import apply_dark_theme  # noqa: E402


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "desk.png"
    app = QApplication(sys.argv)
    apply_dark_theme(app)
    with tempfile.TemporaryDirectory() as scratch:
        config = load_config(journal_override=str(Path(scratch) / "desk.db"))
        clock = VirtualClock(session_epoch_ns(dt.date(2026, 1, 5), config.market.open_s))
        gui = build_session(config, clock, open_journal(config), settings_org="ems-docs", settings_app="desk")
        window = gui.window
        clock.advance(5 * NS_PER_S)
        end = clock.now_ns() + 60 * 60 * NS_PER_S
        result = gui.engine.submit_ticket(symbol="MSFT", side=Side.BUY, quantity=20_000, limit_price=None,
                                          algo="VWAP", end_ns=end, account="FUND-A")
        gui.engine.submit_ticket(symbol="AAPL", side=Side.SELL, quantity=8_000, limit_price=None, algo="TWAP",
                                 end_ns=end, account="FUND-B")
        for _ in range(9 * 60):
            clock.advance(NS_PER_S)
        gui.bridge.refresh()
        for blotter in (window.tickets, window.parents, window.child_orders, window.fills):
            blotter.flush()
        window.resize(1440, 860)
        audit = window.findChild(QDockWidget, "dock_audit_trail")
        alerts = getattr(window, "alerts_dock", None)
        if audit is not None and alerts is not None:
            window.tabifyDockWidget(alerts, audit)
            alerts.raise_()
        window.resizeDocks([window.progress_dock, window.book_dock], [430, 370], Qt.Orientation.Vertical)
        window.show()
        if result.parent_id is not None:
            window.parents.select_key(result.parent_id)
        ticket = window.ticket
        ticket.new_order("BUY")
        ticket.symbol.setEditText("MSFT")
        ticket.quantity.setText("5,000")
        mid = window.market.mid("MSFT")
        if mid is not None:
            ticket.limit.setText(str(mid.quantize(Decimal("0.01"))))
        for _ in range(40):  # let the docks' repaint timers fire
            app.processEvents()
            time.sleep(0.025)
        window.market.flush()
        app.processEvents()
        window.grab().save(str(out))
        print(out)
        gui.close()


if __name__ == "__main__":
    main()
