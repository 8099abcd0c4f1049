"""The risk dock and the ticket's soft-limit confirmation, wired to the engine.

The panel (`widgets.risk_panel.RiskPanel`) is refreshed from `Engine.risk_snapshot()` on its own timer (2 Hz: a
snapshot walks positions and limits, not orders) and asks for bulk resumes. Its Limits tab shows
`Engine.risk_limits()` and sends the editor's changes to `Engine.set_limit` as `user`. A ticket that breaches
only soft limits comes back `needs_confirmation`: the ticket shows the warnings and "Submit again to confirm";
the same ticket submitted again goes in confirmed (journaled as such), any other ticket starts over.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from app.timers import start_timer
from engine import events as ev
from engine.engine import Engine
from engine.results import CommandResult, SubmitResult
from widgets.limits_editor import LimitRequest
from widgets.main_window import MainWindow
from widgets.risk_panel import RiskPanel
from widgets.ticket_form import TicketForm

REFRESH_MS = 500


class RiskView(QObject):
    """Owns the Risk dock and the pending soft-limit confirmation of the order ticket."""

    def __init__(self, engine: Engine, window: MainWindow, user: str = "trader") -> None:
        super().__init__(window)
        self.engine = engine
        self.user = user
        """Who edits limits from this window (`[risk] limit_editors`)."""
        self.window = window
        self.panel = RiskPanel()
        self.dock = window.add_bottom_dock("Risk", self.panel)
        self.panel.resume_all_requested.connect(self.resume_all)
        self.panel.limits.connect_sender(self.set_limit)
        window.market.kill_requested.connect(lambda symbol, reason: self.kill(ev.RiskScope.INSTRUMENT, symbol, reason))
        window.parents.account_kill_requested.connect(
            lambda account, reason: self.kill(ev.RiskScope.ACCOUNT, account, reason))
        window.parents.desk_of = engine.risk.config.desk_of
        window.parents.desk_kill_requested.connect(lambda desk, reason: self.kill(ev.RiskScope.DESK, desk, reason))
        self._unconfirmed: TicketForm | None = None
        self._timer = start_timer(self, REFRESH_MS, self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self.panel.show_snapshot(self.engine.risk_snapshot())
        self.panel.limits.show_limits(self.engine.risk_limits(), self.user)

    def set_limit(self, request: LimitRequest) -> CommandResult:
        """An edit from the Limits tab, as this window's user; the engine's answer goes back to the dialog."""
        result = self.engine.set_limit(request.control, request.scope, request.key, request.value,
                                       mode=request.mode, by=self.user, reason=request.reason)
        self.refresh()
        return result

    def kill(self, scope: ev.RiskScope, key: str, reason: str) -> None:
        """A kill of one scope asked from the market panel (instrument) or the parent blotter (account)."""
        self.engine.kill(reason, scope=scope, key=key)
        self.refresh()

    def resume_all(self, scope: str, key: str) -> None:
        self.engine.resume_all(scope=ev.RiskScope(scope), key=key)
        self.refresh()

    # --- the ticket's confirmation -----------------------------------------------------------------------

    def confirmed(self, form: TicketForm) -> bool:
        """Whether this ticket is the one whose soft-limit warnings the trader was shown (and submits again)."""
        confirmed, self._unconfirmed = form == self._unconfirmed, None
        return confirmed

    def ask_confirmation(self, form: TicketForm, result: SubmitResult) -> None:
        self._unconfirmed = form
        self.window.ticket.show_result(False, f"{result.reason} - press Submit again to confirm", result.field)
